// `npm run loyalty:reconcile`: recomputes every member's points balance from the append-only ledger
// and reports any drift. Exit code 0 = every balance matches its ledger; 1 = drift (listed); 2 = error.
// Reads MONGODB_URI like the server (REDIS_URL is not needed); read-only, safe to run against production.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../server/src/config/env.js';
import { createLogger } from '../server/src/shared/logger.js';
import { connectDb, disconnectDb } from '../server/src/shared/db.js';
import { PointsLedgerService } from '../server/src/modules/loyalty/points-ledger.service.js';
import type { Redis } from '../server/src/shared/redis.js';

// The reconciliation signs nothing: without APP_SECRET a throwaway one will do.
const config = loadConfig({ REDIS_URL: 'redis://unused', LOG_LEVEL: 'warn', APP_SECRET: randomBytes(48).toString('base64url'), ...process.env });
const log = createLogger(config.LOG_LEVEL, 'reconcile');
let code = 2;
try {
  await connectDb(config.MONGODB_URI, log);
  const ledger = new PointsLedgerService({ config, log, redis: undefined as unknown as Redis, now: () => new Date() });
  const tenants = await ledger.reconcileAll();
  let drift = 0;
  for (const r of tenants) {
    drift += r.drift.length;
    console.log(
      `tenant ${r.tenantId}: ${r.members} members, ${r.entries} ledger entries, ${r.pending} pending, drift ${r.drift.length} member(s) / ${r.driftTotal} points`,
    );
    for (const d of r.drift.slice(0, 50)) console.log(`  DRIFT customer ${d.customerId}: stored balance ${d.stored}, ledger says ${d.ledger}`);
  }
  if (!tenants.length) console.log('no loyalty members yet');
  console.log(drift === 0 ? 'OK: zero drift — every balance equals the sum of its ledger' : `DRIFT: ${drift} member balance(s) differ from their ledger`);
  code = drift === 0 ? 0 : 1;
} catch (err) {
  console.error('reconciliation failed:', (err as Error).message);
} finally {
  await disconnectDb().catch(() => undefined);
}
process.exit(code);
