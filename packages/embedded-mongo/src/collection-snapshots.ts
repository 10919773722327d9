import { idKey } from './bson-keys.js';

/**
 * CongoDB's memory storage answers every statement's `findAll` (find, count, distinct, aggregate,
 * update, delete, findAndModify) with `Array.from(collection.values())`: a fresh array of the whole
 * collection. Item 11 reused the last array while the collection was unchanged, but every write made
 * a new version, so in a write-heavy run each update statement after a write still copied the whole
 * collection — O(collection) per statement, which is what made ingest collapse at scale.
 *
 * What we do instead: one array per collection Map, kept equal to `Array.from(map.values())` by
 * applying each write to it — an insert pushes the stored document (a new key goes last in a Map),
 * an update puts the new document at the old one's position (`Map.set` on an existing key keeps its
 * place), a delete drops the array (rebuilt on the next read; deletes are rare here). A collection
 * changes only through insertOne, updateById and deleteById (insertMany and deleteByIds call them
 * through the instance, so through these wrappers); dropping, renaming or restoring a collection puts
 * a new Map in its place, which has its own array. Writes that overlap (a second one starts before
 * the first's wrapper has applied it) drop the array, and while a write is under way `findAll` hands
 * out a fresh copy, as CongoDB did: the array is only ever shared while it equals the Map.
 *
 * Why the answers are the same: the content and order handed out are those of a fresh copy at that
 * moment. The difference is that the array handed out can later change (CongoDB's never did), so every
 * `findAll` caller was checked (smartmongo 4.x, dist_ts/congodb) for holding it across a write to the
 * same collection:
 * - FindHandler (find, count, distinct), IndexEngine, AdminHandler's stats, createSnapshot, our
 *   unique-index and equality-index wrappers: read it synchronously, write nothing. Cursors keep
 *   `slice`s (copies).
 * - UpdateHandler (update, findAndModify), DeleteHandler: read it only inside `QueryEngine.filter`
 *   (and `sort`, which copies) before their first write; afterwards they use the filter's result. That
 *   result is the input array itself only for an empty filter, so our `QueryEngine.filter`
 *   (compiled-matching.ts) returns a copy in that case: an `updateMany({})` iterates its own list
 *   while its writes land in the shared array.
 * - AggregateHandler: runs the pipeline synchronously; `$lookup`/`$unionWith` copy or read their
 *   foreign arrays synchronously; `$out` writes into a new Map (it drops the target first); `$merge`
 *   re-reads the target per result document and reads it synchronously; the result array of a
 *   non-empty pipeline is mingo's (or our `$match`'s) own, never the input. An empty pipeline returns
 *   the input, which the handler only slices.
 * - AdminHandler's cross-database rename iterates the source while inserting into another database.
 * A statement's own awaits resolve without I/O (memory storage), so statements do not interleave in
 * practice; the wrappers above do not rely on it.
 */
type Doc = Record<string, unknown> & { _id: unknown };
type Collection = Map<string, Doc>;

interface State {
  /** Array.from(collection.values()), while known; null until the next read builds it. */
  docs: Doc[] | null;
  /** id → index in docs, built on the first update after docs was built. */
  pos: Map<string, number> | null;
  /** Writes started and not yet applied to docs. */
  busy: number;
  /** Counts writes started, so a read that spans one does not keep its copy. */
  writes: number;
  /** A write overlapped another, or deleted: docs is dropped once none is under way. */
  stale: boolean;
}

export function installCollectionSnapshots(storage: any): void {
  const states = new WeakMap<Collection, State>();
  const stateOf = (db: string, coll: string): State => {
    const collection: Collection = storage.ensureCollection(db, coll);
    let s = states.get(collection);
    if (!s) states.set(collection, (s = { docs: null, pos: null, busy: 0, writes: 0, stale: false }));
    return s;
  };

  // Installed first, so these wrap the storage's own methods. Each of those does its part
  // synchronously when called (no await inside): the Map has changed, or the copy been taken, by the
  // time the call returns, before any other code runs.
  const findAll = storage.findAll.bind(storage);
  storage.findAll = async (db: string, coll: string) => {
    const s = stateOf(db, coll);
    if (s.docs && s.busy === 0) return s.docs;
    const idle = s.busy === 0;
    const writes = s.writes;
    const docs = (await findAll(db, coll)) as Doc[];
    if (idle && s.busy === 0 && s.writes === writes && !s.docs) s.docs = docs;
    return docs;
  };

  /** Runs a write; `apply(s, result)` brings docs up to date, unless writes overlapped. */
  const write = async <R>(db: string, coll: string, run: () => Promise<R>, apply: (s: State & { docs: Doc[] }, result: R) => void) => {
    const s = stateOf(db, coll);
    s.writes++;
    if (s.busy > 0) s.stale = true;
    s.busy++;
    try {
      // A storage write that throws (a duplicate _id) has not changed the Map: nothing to apply.
      const result = await run();
      if (s.docs && !s.stale) apply(s as State & { docs: Doc[] }, result);
      return result;
    } finally {
      s.busy--;
      if (s.stale && s.busy === 0) {
        s.docs = null;
        s.pos = null;
        s.stale = false;
      }
    }
  };

  const insertOne = storage.insertOne.bind(storage);
  storage.insertOne = (db: string, coll: string, doc: Doc) =>
    write(
      db,
      coll,
      () => insertOne(db, coll, doc) as Promise<Doc>,
      (s, stored) => {
        s.docs.push(stored);
        s.pos?.set(idKey(stored._id), s.docs.length - 1);
      },
    );

  const updateById = storage.updateById.bind(storage);
  storage.updateById = (db: string, coll: string, id: Doc['_id'], doc: Doc) =>
    write(
      db,
      coll,
      () => updateById(db, coll, id, doc) as Promise<boolean>,
      (s, ok) => {
        if (!ok) return;
        if (!s.pos) s.pos = new Map(s.docs.map((d, i) => [idKey(d._id), i]));
        s.docs[s.pos.get(idKey(id))!] = doc;
      },
    );

  const deleteById = storage.deleteById.bind(storage);
  storage.deleteById = (db: string, coll: string, id: Doc['_id']) =>
    write(
      db,
      coll,
      () => deleteById(db, coll, id) as Promise<boolean>,
      (s, ok) => {
        if (ok) s.stale = true;
      },
    );
}
