// The package exposes CongoDB only by deep path.
import { FindHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/FindHandler.js';
import { compileFilter } from './compiled-filter.js';
import { COMPILED_WORTH } from './compiled-matching.js';
import { narrow } from './equality-index.js';

/**
 * A `find` with a limit stops at its last document, as MongoDB's does when it can walk an index in
 * the order asked for. CongoDB's handleFind matches the whole collection, sorts every match and only
 * then takes `skip + limit` of them: the first page of an audience of a million profiles (`sort
 * {_id: 1}, limit 20`) tested every profile and sorted 74,000 matches to keep 20; paging through an
 * audience by `_id > last` did it again for every page.
 *
 * Here, when the filter is compiled (compiled-filter.ts) or empty and the order asked for is the
 * collection's natural order — no sort, or `{_id: 1}` / `{_id: -1}` on a collection whose natural
 * order is ascending `_id` (tracked below) — the candidates are walked in that order (forwards or
 * backwards) and the walk stops after `skip + limit` matches. A top-level `_id: {$gt|$gte: ObjectId}`
 * starts the walk at the bound by binary search instead of testing every document before it. The
 * documents found are handed to CongoDB's own handleFind in place of the collection, with the filter
 * already applied, so sorting them (already in order), skip, limit, projection and the cursor are its
 * own code as before.
 *
 * Why the answer is the same: with unique `_id`s in ascending natural order, the stable sort of the
 * matches by `_id` is the matches in natural order (reversed for -1), so its first `skip + limit` are
 * the first `skip + limit` matches met walking that way. CongoDB's sort compares ObjectIds by their
 * hex strings through a collator, which for two 24-character lower-case hex strings is their code-unit
 * order; compiled `$gt`/`$gte` compare the same hex strings with `<`, so a document before the bound
 * cannot match. Anything else — another sort, a filter mingo must answer, a negative limit, a
 * collection that does not exist, natural order that is not ascending `_id` — goes to CongoDB's code.
 */
type Doc = Record<string, unknown> & { _id: { toHexString(): string } };
type IdOrder = { lastHex: string | null; ascending: boolean };

// Per collection Map (a dropped, renamed or restored collection is a new Map): is natural order ascending _id?
const idOrders = new WeakMap<Map<string, Doc>, IdOrder>();

function idOrderOf(collection: Map<string, Doc>): IdOrder {
  let order = idOrders.get(collection);
  if (!order) {
    order = { lastHex: null, ascending: true };
    // The memory storage keys each document by its _id's hex string.
    for (const hex of collection.keys()) {
      if (order.lastHex !== null && !(hex > order.lastHex)) order.ascending = false;
      order.lastHex = hex;
    }
    idOrders.set(collection, order);
  }
  return order;
}

function trackIdOrder(storage: any): void {
  const insertOne = storage.insertOne.bind(storage);
  storage.insertOne = async (db: string, coll: string, doc: Doc) => {
    const stored = (await insertOne(db, coll, doc)) as Doc;
    const order = idOrders.get(storage.ensureCollection(db, coll));
    if (order) {
      // A new key goes to the end of the Map. lastHex may be a deleted document's: if anything, larger
      // than the largest left, so the check stays on the safe side.
      const hex = stored._id.toHexString();
      if (order.lastHex !== null && !(hex > order.lastHex)) order.ascending = false;
      order.lastHex = hex;
    }
    return stored;
  };
  const updateById = storage.updateById.bind(storage);
  storage.updateById = async (db: string, coll: string, id: Doc['_id'], doc: Doc) => {
    // The document keeps its place; one stored under another _id than its key would break the order.
    const sameId = typeof doc?._id?.toHexString === 'function' && doc._id.toHexString() === id.toHexString();
    const order = sameId ? undefined : idOrders.get(storage.ensureCollection(db, coll));
    if (order) order.ascending = false;
    return updateById(db, coll, id, doc);
  };
}

/** 0 for natural order, 1 / -1 for `_id` ascending / descending, null for any other sort. */
function idDirection(sort: unknown): 0 | 1 | -1 | null {
  if (sort === undefined || sort === null) return 0;
  if (typeof sort !== 'object' || Array.isArray(sort)) return null;
  const keys = Object.keys(sort);
  if (keys.length === 0) return 0;
  if (keys.length !== 1 || keys[0] !== '_id') return null;
  const d = (sort as { _id: unknown })._id;
  return d === 1 || d === -1 ? d : null;
}

const isObjectId = (v: unknown): v is Doc['_id'] => !!v && typeof v === 'object' && (v as { _bsontype?: string })._bsontype === 'ObjectId';

/** The hex string documents must exceed (or reach, when `inclusive`) by a top-level `_id: {$gt|$gte}`, or null. */
function idLowerBound(filter: Record<string, unknown>): { hex: string; inclusive: boolean } | null {
  const cond = filter._id;
  if (!cond || typeof cond !== 'object' || isObjectId(cond) || Array.isArray(cond)) return null;
  const ops = cond as Record<string, unknown>;
  if (isObjectId(ops.$gt)) return { hex: ops.$gt.toHexString(), inclusive: false };
  if (isObjectId(ops.$gte)) return { hex: ops.$gte.toHexString(), inclusive: true };
  return null;
}

/** The first position in `docs` (ascending _id) whose _id is past the bound. */
function firstPast(docs: Doc[], bound: { hex: string; inclusive: boolean }): number {
  let lo = 0;
  let hi = docs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const hex = docs[mid]._id.toHexString();
    if (hex > bound.hex || (bound.inclusive && hex === bound.hex)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function installLimitedFind(storage: any): void {
  trackIdOrder(storage);
  const proto = FindHandler.prototype as any;
  if (proto.__limitedFind) return;
  proto.__limitedFind = true;
  const handleFind = proto.handleFind;
  proto.handleFind = async function (this: unknown, context: { storage: any; database: string; command: Record<string, any> }) {
    const { storage: store, database, command } = context;
    const limit = command.limit || 0;
    const skip = command.skip || 0;
    const filter = (command.filter || {}) as Record<string, unknown>;
    const direction = idDirection(command.sort);
    const empty = Object.keys(filter).length === 0;
    const test = empty ? () => true : compileFilter(filter);
    if (!(limit > 0) || skip < 0 || direction === null || !test || !(await store.collectionExists(database, command.find))) {
      return handleFind.call(this, context);
    }
    if (direction !== 0 && !idOrderOf(store.ensureCollection(database, command.find)).ascending) return handleFind.call(this, context);

    const all = (await store.findAll(database, command.find)) as Doc[];
    const candidates = empty ? all : narrow(all, filter, COMPILED_WORTH);
    const bound = direction !== -1 ? idLowerBound(filter) : null;
    const want = skip + limit;
    const found: Doc[] = [];
    if (direction === -1) {
      for (let i = candidates.length - 1; i >= 0 && found.length < want; i--) if (test(candidates[i])) found.push(candidates[i]);
    } else {
      // Without a sort the walk is natural order, which is ascending _id only when tracked so.
      const start = bound && (direction === 1 || idOrderOf(store.ensureCollection(database, command.find)).ascending) ? firstPast(candidates, bound) : 0;
      for (let i = start; i < candidates.length && found.length < want; i++) if (test(candidates[i])) found.push(candidates[i]);
    }
    // CongoDB's handleFind on the documents found, the filter applied already.
    const view = Object.create(store, { findAll: { value: async () => found } });
    return handleFind.call(this, { ...context, storage: view, command: { ...command, filter: {} } });
  };
}
