import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
// The package exposes CongoDB only by deep path. The wire protocol deserializes with this `bson`, so
// documents read back from a snapshot have exactly the types a client's writes gave them.
import { bson } from '@push.rocks/smartmongo/dist_ts/congodb/congodb.plugins.js';

/**
 * The embedded server's data kept in a folder, so the demo survives a restart.
 *
 * CongoDB's own persistence (`persistPath`) writes `JSON.stringify` of its maps: dates come back as
 * strings, Longs and binaries lose their type, and every `_id` is turned back into an ObjectId (a
 * string `_id`, which document-ids.ts allows, is lost). So the folder holds a snapshot of our own: a
 * sequence of BSON documents — a header, then per collection its index list and its documents — the
 * format the data arrived in. It is written whole to a temporary file, flushed and renamed over the
 * previous one, so a crash leaves the last complete snapshot, never half of one.
 *
 * Reading the storage is synchronous from the first collection to the last (documents serialized as
 * they are read), so a snapshot is one moment of the database even while requests are running.
 * Restoring goes through the storage's methods (saveIndex, insertOne), so our wrappers' own state
 * (unique keys, equality indexes, collection arrays) is built as for any write.
 */
const FILE = 'snapshot.bson';
const FORMAT = 'scrm-embedded-mongo-snapshot';
const VERSION = 1;

type Doc = Record<string, unknown>;
interface Storage {
  databases: Map<string, Map<string, Map<string, Doc>>>;
  indexes: Map<string, Map<string, Array<Doc & { name: string }>>>;
  saveIndex(db: string, coll: string, name: string, spec: Doc): Promise<void>;
  createCollection(db: string, coll: string): Promise<void>;
  insertOne(db: string, coll: string, doc: Doc): Promise<Doc>;
}

export function snapshotFile(dir: string): string {
  return path.join(dir, FILE);
}

/** The whole storage as BSON, read in one synchronous pass. */
function serialize(storage: Storage): Buffer {
  const parts: Uint8Array[] = [bson.serialize({ format: FORMAT, version: VERSION })];
  for (const [db, collections] of storage.databases) {
    for (const [coll, docs] of collections) {
      const indexes = storage.indexes.get(db)?.get(coll) ?? [];
      parts.push(bson.serialize({ db, coll, indexes, count: docs.size }));
      for (const doc of docs.values()) parts.push(bson.serialize(doc));
    }
  }
  return Buffer.concat(parts);
}

/** Writes a snapshot of the storage into `dir` (created if missing), replacing the previous one. */
export async function writeSnapshot(storage: Storage, dir: string): Promise<void> {
  const data = serialize(storage);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${snapshotFile(dir)}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, snapshotFile(dir));
}

/** Loads the snapshot in `dir` into an empty storage; false when the folder holds none. */
export async function restoreSnapshot(storage: Storage, dir: string): Promise<boolean> {
  let data: Buffer;
  try {
    data = await readFile(snapshotFile(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  let offset = 0;
  const next = (): Doc => {
    if (offset + 4 > data.length) throw new Error(`${snapshotFile(dir)} is truncated`);
    const size = data.readInt32LE(offset);
    const doc = bson.deserialize(data.subarray(offset, offset + size)) as Doc;
    offset += size;
    return doc;
  };
  const header = next();
  if (header.format !== FORMAT || header.version !== VERSION)
    throw new Error(`${snapshotFile(dir)} is not a snapshot this version reads (${JSON.stringify(header)})`);
  while (offset < data.length) {
    const { db, coll, indexes, count } = next() as { db: string; coll: string; indexes: Array<Doc & { name: string }>; count: number };
    await storage.createCollection(db, coll);
    for (const { name, ...spec } of indexes) if (name !== '_id_') await storage.saveIndex(db, coll, name, spec);
    for (let i = 0; i < count; i++) await storage.insertOne(db, coll, next());
  }
  return true;
}

/** Empties the folder's database (`npm start -- --fresh`). */
export async function wipeDataFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Counts the storage's writes, so a scheduled snapshot is skipped while nothing changed. Installed
 * outermost: every write reaches the storage through one of these methods.
 */
export function countWrites(storage: Record<string, unknown>): () => number {
  let writes = 0;
  for (const method of [
    'insertOne',
    'updateById',
    'deleteById',
    'saveIndex',
    'dropIndex',
    'createCollection',
    'dropCollection',
    'renameCollection',
    'dropDatabase',
  ]) {
    const original = (storage[method] as (...args: unknown[]) => Promise<unknown>).bind(storage);
    storage[method] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return () => writes;
}
