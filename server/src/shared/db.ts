import mongoose from 'mongoose';
import type { Logger } from './logger.js';

/**
 * One mongoose connection per process. Models register on the default mongoose instance, so services
 * import their models directly; `connectDb` is called once at boot.
 */
export async function connectDb(uri: string, log?: Logger): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  const conn = await mongoose.connect(uri, {
    serverSelectionTimeoutMS: 5000,
    // The embedded wire-protocol server answers only the commands a driver needs; keep the pool small.
    maxPoolSize: 20,
  });
  log?.info({ db: conn.connection.name }, 'connected to MongoDB');
  return conn;
}

/** Creates every model's indexes; unique indexes carry the idempotency keys, so this runs before traffic. */
export async function syncIndexes(): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    await model.createIndexes();
  }
}

export async function disconnectDb(): Promise<void> {
  await mongoose.disconnect();
}

export function isDuplicateKeyError(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: Array<{ code?: number }> } | null;
  return !!e && (e.code === 11000 || e.code === 11001);
}

export function isDbReady(): boolean {
  return mongoose.connection.readyState === 1;
}
