// Jest loads global setup outside its module mapper, so the TypeScript launchers are loaded with tsx.
import { tsImport } from 'tsx/esm/api';

/**
 * Real servers for the whole run: Debian's redis-server, one per Jest worker (a worker runs one test
 * file at a time, and a redis-server of its own keeps keys and pub/sub channels from crossing between
 * files running side by side; tests/support/per-file.ts picks the worker's and empties it before each
 * file), and MongoDB: a local mongod when the machine has one, else the embedded wire-protocol server,
 * unless REDIS_URL / MONGODB_URI point at real ones. Each test file then uses a database of its own (see harness.ts).
 */
export default async function globalSetup(globalConfig) {
  const g = globalThis;
  if (!process.env.REDIS_URL) {
    const { startLocalRedis } = await tsImport('../../scripts/lib/redis-server.ts', import.meta.url);
    const workers = Math.max(1, Number(globalConfig?.maxWorkers) || 1);
    g.__redis = await Promise.all(Array.from({ length: workers }, () => startLocalRedis()));
    g.__redis.forEach((r, i) => (process.env[`SCRM_TEST_REDIS_${i + 1}`] = r.url));
    process.env.REDIS_URL = g.__redis[0].url;
  }
  let mongo = 'MongoDB at MONGODB_URI';
  if (!process.env.MONGODB_URI) {
    // A real mongod where the machine has one (MONGOMS_SYSTEM_BINARY, mongodb-memory-server's cache),
    // as a single-node replica set; the embedded server otherwise (scripts/lib/mongo-server.ts).
    const { startLocalMongo } = await tsImport('../../scripts/lib/mongo-server.ts', import.meta.url);
    g.__mongo = await startLocalMongo({ dbName: 'scrm_test' });
    process.env.MONGODB_URI = g.__mongo.uri;
    if (g.__mongo.kind === 'embedded') process.env.SCRM_EMBEDDED_MONGO = '1';
    mongo = g.__mongo.describe;
  }
  const redis = g.__redis ? `${g.__redis.length} local redis-server(s), one per worker` : 'Redis at REDIS_URL';
  process.stdout.write(`\nTest servers: ${mongo}; ${redis}\n`);
}
