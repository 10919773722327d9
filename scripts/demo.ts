import { loadConfig } from '../server/src/config/env.js';
import { startRuntime, type Runtime } from '../server/src/runtime.js';
import { createLogger } from '../server/src/shared/logger.js';
import { wipeDataFolder } from '../packages/embedded-mongo/index.js';
import { startLocalMongo } from './lib/mongo-server.js';
import { startLocalRedis } from './lib/redis-server.js';
import { demoPlugins } from './demo-plugins.js';
import { seedDemo, DEMO_LOGINS } from './seed/seed-demo.js';
import { demoSecret, DEMO_DATA_DIR } from './lib/demo-secret.js';
import path from 'node:path';

/**
 * `npm start`: the whole product in one process on embedded defaults. MongoDB is a local mongod when
 * the machine has one, else the embedded wire-protocol server, unless MONGODB_URI is set; Redis is Debian's redis-server started here unless
 * REDIS_URL is set. The embedded MongoDB keeps its data in DEMO_DATA_DIR/mongo (default
 * `.data/demo/mongo/`), so a restart keeps what staff and shoppers did; demo data is seeded when that
 * folder is empty. `npm start -- --fresh` empties it first, so the demo starts over from the seed.
 */
const env: Record<string, string | undefined> = { ...process.env };
const log = createLogger(env.LOG_LEVEL ?? 'info', 'demo');
const dataDir = path.resolve(env.DEMO_DATA_DIR || DEMO_DATA_DIR);
const mongoDir = path.join(dataDir, 'mongo');
/** A path relative to the working folder when inside it, else whole. */
const shown = (p: string) => (path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p));
const fresh = process.argv.slice(2).includes('--fresh');
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

/** Once the demo data is complete: from then on the embedded MongoDB writes its data folder. */
let keepData = async () => {};
if (!env.MONGODB_URI) {
  // A local mongod when this machine has one (scripts/lib/mongo-server.ts), keeping its files in
  // DEMO_DATA_DIR/mongod; else the embedded server, snapshotting into DEMO_DATA_DIR/mongo.
  const mongodDir = path.join(dataDir, 'mongod');
  if (fresh) {
    await wipeDataFolder(mongoDir);
    await wipeDataFolder(mongodDir);
    log.warn(`--fresh: emptied ${shown(dataDir)}'s database; the demo data is seeded again`);
  }
  const mongo = await startLocalMongo({
    port: Number(env.EMBEDDED_MONGO_PORT ?? 0) || undefined,
    dbName: 'scrm_demo',
    dataDirs: { mongod: mongodDir, embedded: mongoDir },
  });
  env.MONGODB_URI = mongo.uri;
  cleanups.push(() => mongo.stop());
  keepData = () => mongo.persist();
  log.warn(
    `MONGODB_URI is not set: using ${mongo.kind === 'mongod' ? 'a local mongod' : 'the EMBEDDED MongoDB'} at ${mongo.uri}, ${mongo.restored ? 'data restored from' : 'data kept in'} ${shown(mongo.dataDir!)} (\`npm start -- --fresh\` starts over).`,
  );
} else if (fresh) {
  log.warn('--fresh applies to the embedded MongoDB only: MONGODB_URI is set, its data is left alone');
}
if (!env.REDIS_URL) {
  const redis = await startLocalRedis();
  env.REDIS_URL = redis.url;
  cleanups.push(() => redis.stop());
  log.warn(`REDIS_URL is not set: started a local redis-server at ${redis.url} (no persistence).`);
}
if (!env.APP_SECRET) {
  // No published default: a secret of this machine's own, made on first start and kept with the demo's data.
  const kept = demoSecret(dataDir);
  env.APP_SECRET = kept.secret;
  log.info(`APP_SECRET ${kept.created ? 'generated and saved to' : 'read from'} ${shown(kept.file)} (mode 0600)`);
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
  seeded = await seedDemo(rt.services, config, { log, customers: Number(env.DEMO_CUSTOMERS) || undefined });
  for (const after of plugins.afterSeed) await after(rt, seeded);
  if (!stopping) await keepData();
} catch (err) {
  // A stop during seeding closes the connections under it: not a failure, the stop finishes and exits.
  if (!stopping) throw err;
}

const url = rt.url!;
if (!stopping)
  console.log(`
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
