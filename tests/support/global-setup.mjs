// Jest loads global setup outside its module mapper, so the TypeScript launchers are loaded with tsx.
import { tsImport } from 'tsx/esm/api';

/**
 * Real servers for the whole run: Debian's redis-server on a free port, and the embedded MongoDB
 * wire-protocol server, unless REDIS_URL / MONGODB_URI point at real ones. Each test file then uses
 * its own database (see harness.ts).
 */
export default async function globalSetup() {
  const g = globalThis;
  if (!process.env.REDIS_URL) {
    const { startLocalRedis } = await tsImport('../../scripts/embedded/redis-server.ts', import.meta.url);
    g.__redis = await startLocalRedis();
    process.env.REDIS_URL = g.__redis.url;
  }
  if (!process.env.MONGODB_URI) {
    const { startEmbeddedMongo } = await tsImport('../../scripts/embedded/embedded-mongo.ts', import.meta.url);
    g.__mongo = await startEmbeddedMongo({ dbName: 'scrm_test' });
    process.env.MONGODB_URI = g.__mongo.uri;
    process.env.SCRM_EMBEDDED_MONGO = '1';
  }
}
