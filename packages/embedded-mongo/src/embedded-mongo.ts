// The package exposes CongoDB only by deep path.
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { HelloHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/HelloHandler.js';
import { idKey } from './bson-keys.js';
import { installCollectionSnapshots } from './collection-snapshots.js';
import { installCompiledMatching } from './compiled-matching.js';
import { countWrites, restoreSnapshot, writeSnapshot } from './data-folder.js';
import { installDecoratedSort } from './decorated-sort.js';
import { installDocumentIds } from './document-ids.js';
import { DuplicateKeyError, indexKey, installDuplicateKeyReplies, type IndexSpec } from './duplicate-key.js';
import { installEqualityIndexes } from './equality-index.js';
import { installIndexCatalog } from './index-catalog.js';
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
 *
 * Where CongoDB answers otherwise than MongoDB in ways the product relies on, the files below restate
 * MongoDB's answer (each names its source): pull-condition.ts ($pull conditions), update-statement.ts
 * ($setOnInsert with dotted paths), index-catalog.ts (createIndexes/listIndexes/dropIndexes after a
 * drop, IndexOptionsConflict / IndexKeySpecsConflict), duplicate-key.ts (E11000 errmsg, keyPattern,
 * keyValue), document-ids.ts (any `_id` type).
 */
type Doc = Record<string, any>;

function enforceUniqueIndexes(storage: any): void {
  // db -> coll -> index name -> (key -> idKey of the document's _id)
  const maps = new Map<string, Map<string, string>>();
  const nsKey = (db: string, coll: string, index: string) => `${db}\u0000${coll}\u0000${index}`;
  const forget = (prefix: string) => {
    for (const k of maps.keys()) if (k.startsWith(prefix)) maps.delete(k);
  };

  // A collection's unique indexes, read once per index change instead of on every write. The storage's
  // index lists change only through saveIndex, dropIndex, dropCollection, renameCollection and
  // dropDatabase (wrapped below), restore (not used: no persistPath), and a new collection's default
  // list (the _id index alone). Each moves the epoch. The specs are stored whole, partial filters
  // included (index-catalog.ts).
  let indexEpoch = 0;
  const uniqueCache = new Map<string, { epoch: number; indexes: IndexSpec[] }>();
  const uniqueIndexes = async (db: string, coll: string): Promise<IndexSpec[]> => {
    const k = `${db}\u0000${coll}`;
    const cached = uniqueCache.get(k);
    if (cached && cached.epoch === indexEpoch) return cached.indexes;
    const epoch = indexEpoch;
    const indexes = ((await storage.getIndexes(db, coll)) as IndexSpec[]).filter((i) => i.unique && i.name !== '_id_');
    if (epoch === indexEpoch) uniqueCache.set(k, { epoch, indexes });
    return indexes;
  };

  const mapFor = async (db: string, coll: string, index: IndexSpec) => {
    const k = nsKey(db, coll, index.name);
    let m = maps.get(k);
    if (!m) {
      m = new Map();
      for (const doc of (await storage.findAll(db, coll)) as Doc[]) {
        const ks = indexKey(index, doc);
        if (ks !== null) m.set(ks, idKey(doc._id));
      }
      maps.set(k, m);
    }
    return m;
  };

  const check = async (db: string, coll: string, doc: Doc, oldDoc: Doc | null) => {
    const id = idKey(doc._id);
    const changes: Array<() => void> = [];
    for (const index of await uniqueIndexes(db, coll)) {
      const m = await mapFor(db, coll, index);
      const ks = indexKey(index, doc);
      const oldKs = oldDoc ? indexKey(index, oldDoc) : null;
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
    if (doc._id === undefined) return insertOne(db, coll, doc);
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
  installDocumentIds(storage);
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

export interface EmbeddedMongo {
  uri: string;
  port: number;
  /** With a data folder: it held a snapshot, now loaded (and kept from here on). */
  restored: boolean;
  /**
   * With a data folder: writes a snapshot now, then again every `snapshotEveryMs` when something was
   * written, and on stop. Until then nothing is written to the folder (the demo calls it once its seed
   * is complete, so a stop mid-seed leaves the folder empty and the next start seeds again).
   */
  persist(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedMongoOptions {
  /** Default: a free port the system picks. */
  port?: number;
  dbName?: string;
  /** Keep the data in this folder (data-folder.ts); without it the data lives in memory only. */
  dataDir?: string;
  snapshotEveryMs?: number;
}

export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  // Before the server: its command router wraps its handlers when it is constructed.
  installDuplicateKeyReplies();
  installIndexCatalog();
  // Port 0: the system picks a free one as the server listens (read back below), so two servers
  // started at once cannot be handed the same port.
  const server = new CongoServer({ port: options.port ?? 0, host: '127.0.0.1', storage: 'memory' });
  const storage = (server as any).storage;
  installStorageExtensions(storage);
  installCompiledMatching();
  installDecoratedSort();
  installUpdateStatement();
  installPullCondition();
  installLimitedFind(storage);
  const { dataDir } = options;
  const restored = dataDir ? await restoreSnapshot(storage, dataDir) : false;
  const writes = countWrites(storage);

  let timer: NodeJS.Timeout | undefined;
  let written = -1;
  let last: Promise<void> = Promise.resolve();
  /** One snapshot at a time, each after the previous one; skipped when nothing was written since. */
  const snapshot = () => {
    last = last
      .catch(() => undefined)
      .then(async () => {
        const count = writes();
        if (count === written) return;
        await writeSnapshot(storage, dataDir!);
        written = count;
      });
    return last;
  };
  const persist = async () => {
    if (!dataDir || timer) return;
    timer = setInterval(
      () => void snapshot().catch((err) => console.error(`embedded MongoDB: snapshot into ${dataDir} failed`, err)),
      options.snapshotEveryMs ?? 10_000,
    );
    timer.unref();
    await snapshot();
  };
  if (restored) {
    written = writes();
    await persist();
  }
  await server.start();
  const port: number = (server as any).server.address().port;
  (server as any).options.port = port; // serverStatus and whatsmyuri show it
  return {
    port,
    uri: `mongodb://127.0.0.1:${port}/${options.dbName ?? 'scrm'}`,
    restored,
    persist,
    stop: async () => {
      const persisting = !!timer;
      clearInterval(timer);
      timer = undefined;
      await server.stop();
      if (persisting) await snapshot();
    },
  };
}
