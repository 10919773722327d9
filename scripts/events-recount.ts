// `npm run events:recount`: counts every stored order once per orderId and every refund once per
// (orderId, refundId) and recomputes the profiles' order figures from them. Run it once after
// upgrading from a version that counted an order again when a shop resent it under a new eventId;
// safe to repeat and to run while the server ingests. Reads MONGODB_URI and REDIS_URL like the server.
import { loadConfig } from '../server/src/config/env.js';
import { startRuntime } from '../server/src/runtime.js';

const config = loadConfig({ ...process.env, ROLES: 'server', PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
const rt = await startRuntime(config);
let code = 0;
try {
  const events = rt.services.events;
  const tenants = await events.tenantsWithEvents();
  if (!tenants.length) console.log('no events yet: nothing to recount');
  for (const tenantId of tenants) {
    const profiles = await events.recountOrders(tenantId, (done) => console.log(`tenant ${tenantId}: ${done} profiles recounted…`));
    console.log(`tenant ${tenantId}: ${profiles} profile(s) with orders recounted`);
  }
} catch (err) {
  console.error('recount failed:', (err as Error).message);
  code = 2;
} finally {
  await rt.stop();
}
process.exit(code);
