// The package exposes CongoDB only by deep path.
import { FindHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/FindHandler.js';
import { idKey } from './bson-keys.js';
import { compileFilter } from './compiled-filter.js';
import { COMPILED_WORTH } from './compiled-matching.js';
import { narrow } from './equality-index.js';
import { isObjectId } from './filter-values.js';

/**
 * A `find` with a limit stops at its last document, as MongoDB's does when it can walk an index in
 * the order asked for. CongoDB's handleFind matches the whole collection, sorts every match and only
 * then takes `skip + limit` of them: the first page of an audience of a million profiles (`sort
 * {_id: 1}, limit 20`) tested every profile and sorted 74,000 matches to keep 20; paging through an
 * audience by `_id > last` did it again for every page.
 *
 * Here, when the filter is compiled (compiled-filter.ts) or empty and the order asked for is natural
 * order (no sort) or `{_id: 1}` / `{_id: -1}`, the candidates are walked in that order and the walk
 * stops after `skip + limit` matches. For `_id` order, natural order is tracked as ascending `_id`
 * plus a few misplaced documents (ids from several processes in one second arrive out of order),
 * which are tested apart and merged in. A top-level `_id: {$gt|$gte: ObjectId}` starts an ascending
 * walk at the bound by binary search when nothing is misplaced. The documents found are handed to
 * CongoDB's own handleFind in place of the collection, with the filter already applied, so sorting
 * them (already in order), skip, limit, projection and the cursor are its own code as before.
 *
 * Why the answer is the same: `_id`s are unique and the documents not misplaced are in ascending
 * natural order, so the stable sort of the matches by `_id` is the merge of those met walking that
 * way (reversed for -1) with the misplaced matches sorted; its first `skip + limit` come from the
 * first `skip + limit` of each. CongoDB's sort compares ObjectIds by their
 * hex strings through a collator, which for two 24-character lower-case hex strings is their code-unit
 * order; compiled `$gt`/`$gte` compare the same hex strings with `<`, so a document before the bound
 * cannot match. Anything else — another sort, a filter mingo must answer, a negative limit, a
 * collection that does not exist, more than 10,000 misplaced documents — goes to CongoDB's code.
 */
type Doc = Record<string, unknown> & { _id: { toHexString(): string } };
/**
 * Natural order as ascending `_id` plus exceptions: every document not in `misplaced` has a larger
 * `_id` than all inserted before it, so natural order without the misplaced ones is ascending. Ids
 * made by several processes in the same second arrive slightly out of order; those few are merged
 * in by sorting them. `broken` when a document was stored under another _id than its key.
 */
type IdOrder = { maxHex: string | null; misplaced: Set<string>; broken: boolean };
// More misplaced documents than this and the walk is not worth it: CongoDB's own code answers.
const MAX_MISPLACED = 10_000;

// Per collection Map (a dropped, renamed or restored collection is a new Map).
const idOrders = new WeakMap<Map<string, Doc>, IdOrder>();

function place(order: IdOrder, hex: string): void {
  // A document under another _id than an ObjectId (its key starts with '#', document-ids.ts): the
  // order is not of ObjectIds any more, and CongoDB's own code answers.
  if (hex.startsWith('#')) order.broken = true;
  else if (order.maxHex !== null && !(hex > order.maxHex)) order.misplaced.add(hex);
  else order.maxHex = hex;
}

function idOrderOf(collection: Map<string, Doc>): IdOrder {
  let order = idOrders.get(collection);
  if (!order) {
    order = { maxHex: null, misplaced: new Set(), broken: false };
    // The memory storage keys each document by its _id's hex string.
    for (const hex of collection.keys()) place(order, hex);
    idOrders.set(collection, order);
  }
  return order;
}

const usable = (order: IdOrder) => !order.broken && order.misplaced.size <= MAX_MISPLACED;

function trackIdOrder(storage: any): void {
  const tracked = (db: string, coll: string) => idOrders.get(storage.ensureCollection(db, coll));
  const insertOne = storage.insertOne.bind(storage);
  storage.insertOne = async (db: string, coll: string, doc: Doc) => {
    const stored = (await insertOne(db, coll, doc)) as Doc;
    // A new key goes to the end of the Map.
    const order = tracked(db, coll);
    if (order) place(order, idKey(stored._id));
    return stored;
  };
  const updateById = storage.updateById.bind(storage);
  storage.updateById = async (db: string, coll: string, id: Doc['_id'], doc: Doc) => {
    // The document keeps its place; one stored under another _id than its key would break the order.
    const sameId = doc?._id !== undefined && idKey(doc._id) === idKey(id);
    const order = sameId ? undefined : tracked(db, coll);
    if (order) order.broken = true;
    return updateById(db, coll, id, doc);
  };
  const deleteById = storage.deleteById.bind(storage);
  storage.deleteById = async (db: string, coll: string, id: Doc['_id']) => {
    const ok = await deleteById(db, coll, id);
    // maxHex may now be a deleted document's: larger than any left, which keeps the rule true.
    if (ok) tracked(db, coll)?.misplaced.delete(idKey(id));
    return ok;
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

/**
 * The hex string documents must exceed (or reach, when `inclusive`) by a top-level `_id: {$gt|$gte}`,
 * or null. An ObjectId bound as the compiled range test recognises one (filter-values.ts), whose
 * comparison is then of these same hex strings.
 */
function idLowerBound(filter: Record<string, unknown>): { hex: string; inclusive: boolean } | null {
  const cond = filter._id;
  if (!cond || typeof cond !== 'object' || isObjectId(cond) || Array.isArray(cond)) return null;
  const ops = cond as Record<string, unknown>;
  if (isObjectId(ops.$gt)) return { hex: ops.$gt.toString(), inclusive: false };
  if (isObjectId(ops.$gte)) return { hex: ops.$gte.toString(), inclusive: true };
  return null;
}

/** `found` (in `direction`'s order) with the misplaced documents that match merged in, the first `want`. */
function mergeMisplaced(
  found: Doc[],
  misplaced: Set<string>,
  collection: Map<string, Doc>,
  test: (doc: Doc) => boolean,
  direction: 1 | -1,
  want: number,
): Doc[] {
  const extra: Array<{ hex: string; doc: Doc }> = [];
  for (const hex of misplaced) {
    const doc = collection.get(hex);
    if (doc && test(doc)) extra.push({ hex, doc });
  }
  if (!extra.length) return found;
  extra.sort((a, b) => (a.hex < b.hex ? -direction : a.hex > b.hex ? direction : 0));
  const out: Doc[] = [];
  let i = 0;
  let j = 0;
  while (out.length < want && (i < found.length || j < extra.length)) {
    const takeFound = j >= extra.length || (i < found.length && (found[i]._id.toHexString() < extra[j].hex ? direction === 1 : direction === -1));
    out.push(takeFound ? found[i++] : extra[j++].doc);
  }
  return out;
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
    const collection: Map<string, Doc> = store.ensureCollection(database, command.find);
    const order = direction === 0 ? null : idOrderOf(collection);
    if (order && !usable(order)) return handleFind.call(this, context);

    const all = (await store.findAll(database, command.find)) as Doc[];
    const candidates = empty ? all : narrow(all, filter, COMPILED_WORTH);
    const want = skip + limit;
    // Natural order walks forwards from the start; _id order forwards from the bound or backwards from
    // the end, leaving the misplaced documents to be merged in after.
    const misplaced = order && order.misplaced.size ? order.misplaced : null;
    const bound = direction === 1 && !misplaced ? idLowerBound(filter) : null;
    const step = direction === -1 ? -1 : 1;
    let found: Doc[] = [];
    for (
      let i = step < 0 ? candidates.length - 1 : bound ? firstPast(candidates, bound) : 0;
      i >= 0 && i < candidates.length && found.length < want;
      i += step
    ) {
      const doc = candidates[i];
      if ((!misplaced || !misplaced.has(doc._id.toHexString())) && test(doc)) found.push(doc);
    }
    if (misplaced) found = mergeMisplaced(found, misplaced, collection, test, direction as 1 | -1, want);
    // CongoDB's handleFind on the documents found, the filter applied already.
    const view = Object.create(store, { findAll: { value: async () => found } });
    return handleFind.call(this, { ...context, storage: view, command: { ...command, filter: {} } });
  };
}
