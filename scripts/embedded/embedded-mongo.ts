import { createServer } from 'node:net';
// The package exposes CongoDB only by deep path.
import { CongoServer, IndexEngine, QueryEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { HelloHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/HelloHandler.js';
import { installCollectionSnapshots } from './collection-snapshots.js';
import { installCompiledMatching } from './compiled-matching.js';
import { installDecoratedSort } from './decorated-sort.js';
import { installEqualityIndexes } from './equality-index.js';
import { installLimitedFind } from './limited-find.js';
import { installPullCondition } from './pull-condition.js';
import { installUpdateStatement } from './update-statement.js';

/**
 * The embedded MongoDB used by the demo and the tests when MONGODB_URI is unset: CongoDB, a MongoDB
 * wire-protocol server in TypeScript, reached by the real driver over TCP.
 *
 * CongoDB records unique indexes but does not enforce them. Every idempotency key in this product
 * rests on a unique index, so this launcher adds the enforcement to its storage: inserts and updates
 * that would duplicate a unique key fail with E11000, as on a real server. Without it the embedded
 * server would hide exactly the bugs the unique indexes exist to catch.
 */
interface IndexSpec {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Record<string, unknown>;
}
type Doc = Record<string, any> & { _id: { toHexString(): string } };

class DuplicateKeyError extends Error {
  code = 11000;
  codeName = 'DuplicateKey';
  keyPattern: Record<string, unknown>;
  keyValue: Record<string, unknown>;
  constructor(ns: string, index: IndexSpec, doc: Doc) {
    const keyValue = Object.fromEntries(Object.keys(index.key).map((p) => [p, getPath(doc, p) ?? null]));
    super(`E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: ${JSON.stringify(keyValue)}`);
    this.keyPattern = index.key;
    this.keyValue = keyValue;
  }
}

function getPath(doc: any, path: string): unknown {
  return path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), doc);
}

function keyString(index: IndexSpec, doc: Doc): string | null {
  if (index.partialFilterExpression && QueryEngine.filter([doc as any], index.partialFilterExpression).length === 0) return null;
  const values = Object.keys(index.key).map((p) => getPath(doc, p));
  if (index.sparse && values.every((v) => v === undefined)) return null;
  return JSON.stringify(values.map((v) => (v === undefined ? null : v)));
}

/**
 * CongoDB's index engine drops `partialFilterExpression` before storing the index; keep it here so
 * partial unique indexes (unique only where a field is set) behave as on a real server.
 */
const partialFilters = new Map<string, Record<string, unknown>>();
const partialKey = (db: string, coll: string, index: string) => `${db}\u0000${coll}\u0000${index}`;
/** Moves whenever a unique index list read from storage could change (see uniqueIndexes below). */
let indexEpoch = 0;
const engineProto = IndexEngine.prototype as any;
if (!engineProto.__partialFiltersKept) {
  const createIndex = engineProto.createIndex;
  engineProto.createIndex = async function (this: any, key: unknown, options?: { partialFilterExpression?: Record<string, unknown> }) {
    const name = await createIndex.call(this, key, options);
    if (options?.partialFilterExpression) partialFilters.set(partialKey(this.dbName, this.collName, name), options.partialFilterExpression);
    indexEpoch++;
    return name;
  };
  engineProto.__partialFiltersKept = true;
}

function enforceUniqueIndexes(storage: any): void {
  // db -> coll -> index name -> (key -> _id hex)
  const maps = new Map<string, Map<string, string>>();
  const nsKey = partialKey;
  const forget = (prefix: string) => {
    for (const k of maps.keys()) if (k.startsWith(prefix)) maps.delete(k);
  };

  // A collection's unique indexes, read once per index change instead of on every write. The storage's
  // index lists change only through saveIndex, dropIndex, dropCollection, renameCollection and
  // dropDatabase (wrapped below), restore (not used: no persistPath), and a new collection's default
  // list (the _id index alone); the partial filters when createIndex records one. Each moves the epoch.
  const uniqueCache = new Map<string, { epoch: number; indexes: IndexSpec[] }>();
  const uniqueIndexes = async (db: string, coll: string): Promise<IndexSpec[]> => {
    const k = `${db}\u0000${coll}`;
    const cached = uniqueCache.get(k);
    if (cached && cached.epoch === indexEpoch) return cached.indexes;
    const epoch = indexEpoch;
    const indexes = ((await storage.getIndexes(db, coll)) as IndexSpec[])
      .filter((i) => i.unique && i.name !== '_id_')
      .map((i) => ({ ...i, partialFilterExpression: partialFilters.get(partialKey(db, coll, i.name)) ?? i.partialFilterExpression }));
    if (epoch === indexEpoch) uniqueCache.set(k, { epoch, indexes });
    return indexes;
  };

  const mapFor = async (db: string, coll: string, index: IndexSpec) => {
    const k = nsKey(db, coll, index.name);
    let m = maps.get(k);
    if (!m) {
      m = new Map();
      for (const doc of (await storage.findAll(db, coll)) as Doc[]) {
        const ks = keyString(index, doc);
        if (ks !== null) m.set(ks, doc._id.toHexString());
      }
      maps.set(k, m);
    }
    return m;
  };

  const check = async (db: string, coll: string, doc: Doc, oldDoc: Doc | null) => {
    const id = doc._id.toHexString();
    const changes: Array<() => void> = [];
    for (const index of await uniqueIndexes(db, coll)) {
      const m = await mapFor(db, coll, index);
      const ks = keyString(index, doc);
      const oldKs = oldDoc ? keyString(index, oldDoc) : null;
      if (ks !== null && m.has(ks) && m.get(ks) !== id) throw new DuplicateKeyError(`${db}.${coll}`, index, doc);
      changes.push(() => {
        if (oldKs !== null && m.get(oldKs) === id) m.delete(oldKs);
        if (ks !== null) m.set(ks, id);
      });
    }
    return () => changes.forEach((apply) => apply());
  };

  const insertOne = storage.insertOne.bind(storage);
  storage.insertOne = async (db: string, coll: string, doc: Doc) => {
    if (!doc._id) return insertOne(db, coll, doc);
    const commit = await check(db, coll, doc, null);
    const stored = await insertOne(db, coll, doc);
    commit();
    return stored;
  };
  const updateById = storage.updateById.bind(storage);
  storage.updateById = async (db: string, coll: string, id: any, doc: Doc) => {
    const old = (await storage.findById(db, coll, id)) as Doc | null;
    const commit = await check(db, coll, { ...doc, _id: id }, old);
    const ok = await updateById(db, coll, id, doc);
    if (ok) commit();
    return ok;
  };
  const deleteById = storage.deleteById.bind(storage);
  storage.deleteById = async (db: string, coll: string, id: any) => {
    const old = (await storage.findById(db, coll, id)) as Doc | null;
    const ok = await deleteById(db, coll, id);
    if (ok && old) forget(`${db}\u0000${coll}\u0000`);
    return ok;
  };
  for (const method of ['saveIndex', 'dropIndex', 'dropCollection', 'renameCollection'] as const) {
    const original = storage[method].bind(storage);
    storage[method] = async (db: string, coll: string, ...rest: unknown[]) => {
      forget(`${db}\u0000${coll}\u0000`);
      if (method === 'renameCollection') forget(`${db}\u0000${String(rest[0])}\u0000`);
      indexEpoch++;
      try {
        return await original(db, coll, ...rest);
      } finally {
        indexEpoch++;
      }
    };
  }
  const dropDatabase = storage.dropDatabase.bind(storage);
  storage.dropDatabase = async (db: string) => {
    forget(`${db}\u0000`);
    indexEpoch++;
    try {
      return await dropDatabase(db);
    } finally {
      indexEpoch++;
    }
  };
}

/** Our additions to a CongoDB storage adapter, innermost first (collection-snapshots.ts relies on it). */
export function installStorageExtensions(storage: any): void {
  installCollectionSnapshots(storage);
  enforceUniqueIndexes(storage);
  installEqualityIndexes(storage);
}

/**
 * CongoDB leaves Nagle's algorithm on: a reply written while the previous one is unacknowledged
 * waits for the client's delayed ACK (~40 ms), which made request/response traffic mostly idle.
 */
const serverProto = CongoServer.prototype as any;
if (!serverProto.__noDelay) {
  const handleConnection = serverProto.handleConnection;
  serverProto.handleConnection = function (this: unknown, socket: { setNoDelay(v: boolean): void }) {
    socket.setNoDelay(true);
    return handleConnection.call(this, socket);
  };
  serverProto.__noDelay = true;
}

/**
 * CongoDB's hello advertises a topologyVersion (with a new processId on every call), which tells the
 * driver to use its streaming heartbeat (exhaust "moreToCome") that CongoDB cannot speak: about ten
 * seconds in, the monitor declares the server dead and clears the pool mid-request. Without a
 * topologyVersion the driver polls, as it does for old servers.
 */
const helloProto = HelloHandler.prototype as any;
if (!helloProto.__noTopologyVersion) {
  const handle = helloProto.handle;
  helloProto.handle = async function (this: unknown, context: unknown) {
    const response = await handle.call(this, context);
    delete response.topologyVersion;
    return response;
  };
  helloProto.__noTopologyVersion = true;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface EmbeddedMongo {
  uri: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedMongo(options: { port?: number; dbName?: string } = {}): Promise<EmbeddedMongo> {
  const port = options.port ?? (await freePort());
  const server = new CongoServer({ port, host: '127.0.0.1', storage: 'memory' });
  installStorageExtensions((server as any).storage);
  installCompiledMatching();
  installDecoratedSort();
  installUpdateStatement();
  installPullCondition();
  installLimitedFind((server as any).storage);
  await server.start();
  return {
    port,
    uri: `mongodb://127.0.0.1:${port}/${options.dbName ?? 'scrm'}`,
    stop: () => server.stop(),
  };
}
