import { loadConfig } from '../server/src/config/env.js';
import { startRuntime, type Runtime } from '../server/src/runtime.js';
import { createLogger } from '../server/src/shared/logger.js';
import { startEmbeddedMongo } from './embedded/embedded-mongo.js';
import { startLocalRedis } from './embedded/redis-server.js';
import { demoPlugins } from './demo-plugins.js';
import { seedDemo, DEMO_LOGINS } from './seed/seed-demo.js';
import { demoSecret } from './lib/demo-secret.js';
import path from 'node:path';

/**
 * `npm start`: the whole product in one process on embedded defaults. MongoDB is the embedded
 * wire-protocol server unless MONGODB_URI is set; Redis is Debian's redis-server started here unless
 * REDIS_URL is set. Demo data is seeded on first start.
 */
const env: Record<string, string | undefined> = { ...process.env };
const log = createLogger(env.LOG_LEVEL ?? 'info', 'demo');
const cleanups: Array<() => Promise<void>> = [];
/** The runtime once started (a stop before that only has the servers started here to stop). */
const started: { rt?: Runtime } = {};

// The handlers are in place before anything starts: Ctrl-C while the demo data is still being seeded
// stops the runtime and the redis-server started here, instead of leaving redis-server running.
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 25_000).unref();
  await started.rt?.stop().catch(() => undefined);
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop());

if (!env.MONGODB_URI) {
  const mongo = await startEmbeddedMongo({ port: Number(env.EMBEDDED_MONGO_PORT ?? 0) || undefined, dbName: 'scrm_demo' });
  env.MONGODB_URI = mongo.uri;
  cleanups.push(() => mongo.stop());
  log.warn(`MONGODB_URI is not set: using the EMBEDDED MongoDB at ${mongo.uri}. DATA LIVES IN MEMORY and is lost when this process stops.`);
}
if (!env.REDIS_URL) {
  const redis = await startLocalRedis();
  env.REDIS_URL = redis.url;
  cleanups.push(() => redis.stop());
  log.warn(`REDIS_URL is not set: started a local redis-server at ${redis.url} (no persistence).`);
}
if (!env.APP_SECRET) {
  // No published default: a secret of this machine's own, made on first start and kept with the demo's data.
  const kept = demoSecret();
  env.APP_SECRET = kept.secret;
  log.info(`APP_SECRET ${kept.created ? 'generated and saved to' : 'read from'} ${path.relative(process.cwd(), kept.file)} (mode 0600)`);
}
env.DEMO_MODE ??= 'true';
env.PORT ??= '3000';
env.LOG_LEVEL ??= 'info';

const plugins = await demoPlugins(env, cleanups);
const config = loadConfig(env);
const rt = await startRuntime(config, plugins.runtime);
started.rt = rt;
let seeded = false;
try {
  seeded = await seedDemo(rt.services, config, { log });
  for (const after of plugins.afterSeed) await after(rt);
} catch (err) {
  // A stop during seeding closes the connections under it: not a failure, the stop finishes and exits.
  if (!stopping) throw err;
}

const url = rt.url!;
if (!stopping) console.log(`
────────────────────────────────────────────────────────────
 SCRM demo is running ${seeded ? '(demo data seeded)' : '(existing data kept)'}
   API            ${url}/api/v1   (OpenAPI: ${url}/api/openapi.json)
   Health         ${url}/readyz
${plugins.urls.map((u) => `   ${u.label.padEnd(15)}${u.url.replace('{base}', url)}`).join('\n')}
 Staff logins (password ${DEMO_LOGINS.password}):
${DEMO_LOGINS.staff.map((s) => `   ${s.role.padEnd(18)}${s.username}`).join('\n')}
 Shop integration key: ${DEMO_LOGINS.integrationKey}
   curl -H 'X-Api-Key: ${DEMO_LOGINS.integrationKey}' -H 'content-type: application/json' \\
        -d @scripts/seed/sample-orders.json ${url}/api/v1/events
────────────────────────────────────────────────────────────`);

