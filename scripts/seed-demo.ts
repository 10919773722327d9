// `npm run seed [-- <customers>]`: seeds the demo brand into MONGODB_URI / REDIS_URL (for a real
// database), or into a throwaway embedded server when they are unset, and reports how long it took.
// `npm start` seeds by itself on first start; this is for real databases and for timing the seed.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../server/src/config/env.js';
import { startRuntime } from '../server/src/runtime.js';
import { startEmbeddedMongo } from '../packages/embedded-mongo/index.js';
import { startLocalRedis } from './lib/redis-server.js';
import { seedDemo } from './seed/seed-demo.js';

// Seeding signs nothing: without APP_SECRET a throwaway one will do.
const env: Record<string, string | undefined> = {
  APP_SECRET: randomBytes(48).toString('base64url'),
  ...process.env,
  ROLES: 'server',
  PORT: '0',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};
const stops: Array<() => Promise<void>> = [];
if (!env.MONGODB_URI) {
  const mongo = await startEmbeddedMongo();
  env.MONGODB_URI = mongo.uri;
  stops.push(() => mongo.stop());
}
if (!env.REDIS_URL) {
  const redis = await startLocalRedis();
  env.REDIS_URL = redis.url;
  stops.push(() => redis.stop());
}
const config = loadConfig(env);
const rt = await startRuntime(config);
const started = Date.now();
const seeded = await seedDemo(rt.services, config, { log: rt.log, customers: Number(process.argv[2] ?? 2000) });
console.log(seeded ? `seeded in ${Date.now() - started} ms` : 'the tenant already has staff: nothing seeded');
await rt.stop();
for (const stop of stops.reverse()) await stop();
process.exit(0);
