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

/**
 * The indexes of an unordered insertMany/bulkWrite that hit a unique key (those rows were already
 * there); any other failure, or an error that names no rows, is thrown.
 */
export function duplicateIndexes(err: unknown): Set<number> {
  const raw = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const writeErrors = (raw ? [raw].flat() : []) as Array<{ index: number; code?: number; err?: { code?: number } }>;
  if (!writeErrors.length || writeErrors.some((we) => ![11000, 11001].includes((we.code ?? we.err?.code)!))) throw err;
  return new Set(writeErrors.map((we) => we.index));
}

/**
 * The plain object a model's `.lean()` queries return: the schema's fields and `_id`; `__v` only on
 * documents mongoose created (rows written through the raw driver have none).
 */
export type LeanDoc<M> =
  M extends mongoose.Model<infer _Raw, infer _Q, infer _I, infer _V, infer _H, infer _S, infer Lean> ? Omit<Lean, '__v'> & { __v?: number } : never;

/** One failed row of an unordered insertMany/bulkWrite, as the driver reports it. */
export interface WriteError {
  index: number;
  code?: number;
  errmsg?: string;
}

/** True when an unordered insertMany/bulkWrite failed on some rows (the driver's MongoBulkWriteError). */
export function hasWriteErrors(err: unknown): boolean {
  return !!(err as { writeErrors?: unknown } | null)?.writeErrors;
}

export function isDbReady(): boolean {
  return mongoose.connection.readyState === 1;
}
