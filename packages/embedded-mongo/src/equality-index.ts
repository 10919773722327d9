import { idKey } from './bson-keys.js';

/**
 * Equality indexes for the embedded MongoDB.
 *
 * CongoDB answers every find/update/delete by running mingo over the whole collection, which makes
 * anything that touches one document per request (ingesting orders, seeding the demo, imports)
 * quadratic, and every audience count a full scan. Real MongoDB uses the indexes we declare; here we
 * keep, per collection and per field that a filter has asked for by equality, a map from value to
 * the documents holding it, maintained on every write. A query then tests only the candidates the
 * indexes leave, and the filter (compiled, or mingo) still decides what matches — the index can only
 * leave out documents that cannot match.
 *
 * - An array of plain values is indexed under each of its elements (a multikey index, as MongoDB's
 *   on `tags`): `{tags: x}`, `$in` and `$all` over plain values match an array only through an
 *   element equal to one of them. A missing field, null and `[]` hold no key: no plain value
 *   matches them (nor a null element). Anything else (sub-documents, arrays of arrays or of sub-documents, a path through
 *   an array) is kept in an "unknown" set that is always a candidate.
 * - A field holding values of more than one kind (a number here, a string there) is not used at all,
 *   so type-bracketing questions stay with the matcher.
 * - Conditions combine as a query planner would: of the conditions that must all hold (the fields of
 *   one filter object and each member of its `$and`), the one with the fewest candidates; a `$or` only
 *   when every branch has candidates of its own (their union).
 * - Candidates come back in natural order (the order `findAll` gives): each document keeps the
 *   sequence number of its insertion, and candidates are sorted by it.
 */
type Doc = Record<string, unknown> & { _id: { toHexString(): string } };
const UNCERTAIN = Symbol('uncertain');

function valueKey(v: unknown): string | typeof UNCERTAIN {
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'number') return `n${v}`;
  if (typeof v === 'boolean') return `b${v}`;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v && typeof v === 'object' && (v as { _bsontype?: string })._bsontype === 'ObjectId') return `o${(v as Doc['_id']).toHexString()}`;
  return UNCERTAIN;
}

/** The keys a document holds at `path`: none for missing, null or [], each element of an array of plain values. */
function documentKeys(doc: unknown, path: string[]): string[] | typeof UNCERTAIN {
  let v = doc as Record<string, unknown> | unknown;
  for (const k of path) {
    if (Array.isArray(v)) return UNCERTAIN;
    if (v == null || typeof v !== 'object') return [];
    v = (v as Record<string, unknown>)[k];
  }
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    const key = valueKey(v);
    return key === UNCERTAIN ? UNCERTAIN : [key];
  }
  const keys = new Set<string>();
  for (const element of v) {
    // A null element matches no plain value either.
    if (element === null || element === undefined) continue;
    const key = valueKey(element);
    if (key === UNCERTAIN) return UNCERTAIN;
    keys.add(key);
  }
  return [...keys];
}

const sameKeys = (a: string[] | null | undefined, b: string[] | null) =>
  a === b || (a != null && b !== null && a.length === b.length && a.every((k, i) => k === b[i]));

/** One field's index: document sequence numbers by value key. */
class FieldIndex {
  private readonly byValue = new Map<string, Set<number>>();
  private readonly unknown = new Set<number>();
  private readonly keysOf = new Map<number, string[] | null>();
  private readonly kinds = new Map<string, number>();
  private readonly path: string[];

  constructor(field: string) {
    this.path = field.split('.');
  }

  add(seq: number, doc: unknown): void {
    const keys = documentKeys(doc, this.path);
    this.put(seq, keys === UNCERTAIN ? null : keys);
  }

  /** Re-reads a changed document; nothing moves when its keys are the same. */
  update(seq: number, doc: unknown): void {
    const found = documentKeys(doc, this.path);
    const keys = found === UNCERTAIN ? null : found;
    if (sameKeys(this.keysOf.get(seq), keys)) return;
    this.remove(seq);
    this.put(seq, keys);
  }

  private put(seq: number, keys: string[] | null): void {
    this.keysOf.set(seq, keys);
    if (keys === null) {
      this.unknown.add(seq);
      return;
    }
    for (const k of keys) {
      let seqs = this.byValue.get(k);
      if (!seqs) this.byValue.set(k, (seqs = new Set()));
      seqs.add(seq);
      this.kinds.set(k[0], (this.kinds.get(k[0]) ?? 0) + 1);
    }
  }

  remove(seq: number): void {
    const keys = this.keysOf.get(seq);
    if (keys === undefined) return;
    this.keysOf.delete(seq);
    if (keys === null) {
      this.unknown.delete(seq);
      return;
    }
    for (const k of keys) {
      const seqs = this.byValue.get(k)!;
      seqs.delete(seq);
      if (!seqs.size) this.byValue.delete(k);
      const n = (this.kinds.get(k[0]) ?? 1) - 1;
      if (n) this.kinds.set(k[0], n);
      else this.kinds.delete(k[0]);
    }
  }

  /** The candidates for a value equal to (or an element equal to) any of `keys`; null when the index cannot say. */
  candidates(keys: string[]): Plan | null {
    for (const kind of this.kinds.keys()) if (!keys.some((k) => k[0] === kind)) return null;
    const sources: Set<number>[] = this.unknown.size ? [this.unknown] : [];
    let n = this.unknown.size;
    for (const k of new Set(keys)) {
      const seqs = this.byValue.get(k);
      if (!seqs) continue;
      sources.push(seqs);
      n += seqs.size;
    }
    return { n, sources };
  }
}

/** Candidates as sets of sequence numbers (which may overlap) and their total size. */
interface Plan {
  n: number;
  sources: Set<number>[];
}

class CollectionIndexes {
  readonly fields = new Map<string, FieldIndex>();
  private readonly seqOf = new Map<string, number>();
  private readonly idAt: Array<string | undefined> = [];

  constructor(private readonly docs: () => Map<string, Doc>) {
    for (const id of docs().keys()) this.assign(id);
  }

  private assign(id: string): number {
    const seq = this.idAt.length;
    this.idAt.push(id);
    this.seqOf.set(id, seq);
    return seq;
  }

  field(name: string): FieldIndex {
    let f = this.fields.get(name);
    if (!f) {
      f = new FieldIndex(name);
      for (const [id, doc] of this.docs()) f.add(this.seqOf.get(id)!, doc);
      this.fields.set(name, f);
    }
    return f;
  }

  inserted(id: string, doc: Doc): void {
    const seq = this.assign(id);
    for (const f of this.fields.values()) f.add(seq, doc);
  }

  updated(id: string, doc: Doc): void {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return;
    for (const f of this.fields.values()) f.update(seq, doc);
  }

  deleted(id: string): void {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return;
    this.seqOf.delete(id);
    this.idAt[seq] = undefined;
    for (const f of this.fields.values()) f.remove(seq);
  }

  /** The fewest candidates the indexes allow for `filter`, or null when no condition is indexable. */
  plan(filter: Record<string, unknown>): Plan | null {
    let best: Plan | null = null;
    const consider = (p: Plan | null) => {
      if (p && (!best || p.n < best.n)) best = p;
    };
    for (const [key, want] of Object.entries(filter)) {
      if (key === '$and') {
        if (Array.isArray(want)) for (const sub of want) if (isFilter(sub)) consider(this.plan(sub));
      } else if (key === '$or') {
        consider(this.union(want));
      } else if (!key.startsWith('$')) {
        consider(this.fieldPlan(key, want));
      }
      if (best && (best as Plan).n === 0) break;
    }
    return best;
  }

  private union(branches: unknown): Plan | null {
    if (!Array.isArray(branches) || branches.length === 0) return null;
    const out: Plan = { n: 0, sources: [] };
    for (const branch of branches) {
      const p = isFilter(branch) ? this.plan(branch) : null;
      if (!p) return null;
      out.n += p.n;
      out.sources.push(...p.sources);
    }
    return out;
  }

  private fieldPlan(field: string, want: unknown): Plan | null {
    const all = wantedAll(want);
    if (all) {
      // Every listed value must be an element: the rarest one's candidates are enough.
      let best: Plan | null = null;
      for (const key of all) {
        const p = this.field(field).candidates([key]);
        if (!p) return null;
        if (!best || p.n < best.n) best = p;
      }
      return best;
    }
    const keys = wantedKeys(want);
    return keys ? this.field(field).candidates(keys) : null;
  }

  /** The documents of `plan`, each once, in natural order. */
  documents(plan: Plan, docs: Map<string, Doc>): Doc[] {
    const seqs = new Float64Array(plan.n);
    let i = 0;
    for (const source of plan.sources) for (const seq of source) seqs[i++] = seq;
    seqs.sort();
    const out: Doc[] = [];
    for (let j = 0; j < seqs.length; j++) {
      if (j && seqs[j] === seqs[j - 1]) continue;
      const id = this.idAt[seqs[j]];
      const doc = id === undefined ? undefined : docs.get(id);
      if (doc) out.push(doc);
    }
    return out;
  }
}

const isFilter = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The equality keys a filter asks for on one field, or null when that field is not an equality. */
function wantedKeys(want: unknown): string[] | null {
  const plain = valueKey(want);
  if (plain !== UNCERTAIN) return [plain];
  if (want && typeof want === 'object' && !Array.isArray(want) && Object.keys(want).length === 1) {
    const op = want as { $eq?: unknown; $in?: unknown };
    if ('$eq' in op) return wantedKeys(op.$eq);
    if (Array.isArray(op.$in)) return plainKeys(op.$in);
  }
  return null;
}

/** The keys of `{$all: [plain values]}` (non-empty), or null. */
function wantedAll(want: unknown): string[] | null {
  if (!want || typeof want !== 'object' || Array.isArray(want) || Object.keys(want).length !== 1) return null;
  const values = (want as { $all?: unknown }).$all;
  return Array.isArray(values) && values.length > 0 ? plainKeys(values) : null;
}

/** The keys of a list of plain values, or null when any is not plain. */
function plainKeys(values: unknown[]): string[] | null {
  const keys = values.map(valueKey);
  return keys.includes(UNCERTAIN) ? null : (keys as string[]);
}

/**
 * Decides whether narrowing to `candidates` of `total` documents is worth it: collecting and
 * ordering candidates costs more per document than testing one with a compiled filter.
 */
export type NarrowingWorth = (candidates: number, total: number) => boolean;

// Arrays handed out by findAll, and how to narrow each by its collection's indexes.
const narrowers = new WeakMap<object, (filter: Record<string, unknown>, worth: NarrowingWorth) => Doc[] | null>();

/**
 * The documents of `documents` (an array from the storage's findAll) worth testing against
 * `filter`, in their natural order: all of them unless an equality index rules some out.
 */
export function narrow<T>(documents: T[], filter: Record<string, unknown>, worth: NarrowingWorth): T[] {
  const by = documents.length > 32 ? narrowers.get(documents) : undefined;
  return ((by && by(filter, worth)) as T[] | null) ?? documents;
}

export function installEqualityIndexes(storage: any): void {
  const collections = new Map<string, CollectionIndexes>();
  const ns = (db: string, coll: string) => `${db}\u0000${coll}`;
  const forget = (prefix: string) => {
    for (const k of collections.keys()) if (k.startsWith(prefix)) collections.delete(k);
  };
  const indexesFor = (db: string, coll: string) => {
    let c = collections.get(ns(db, coll));
    if (!c) collections.set(ns(db, coll), (c = new CollectionIndexes(() => storage.ensureCollection(db, coll))));
    return c;
  };
  const known = (db: string, coll: string) => collections.get(ns(db, coll));

  /** The candidates `filter`'s indexable conditions leave, in natural order; null when they do not narrow enough. */
  const candidates = (db: string, coll: string, total: number, filter: Record<string, unknown>, worth: NarrowingWorth): Doc[] | null => {
    const c = indexesFor(db, coll);
    const plan = c.plan(filter);
    if (!plan || !worth(plan.n, total)) return null;
    return c.documents(plan, storage.ensureCollection(db, coll));
  };

  // The handlers fetch every document with findAll and then filter; remember which collection an
  // array came from so the filter can use that collection's indexes.
  const findAll = storage.findAll.bind(storage);
  storage.findAll = async (db: string, coll: string) => {
    const docs = await findAll(db, coll);
    narrowers.set(docs, (filter, worth) => candidates(db, coll, docs.length, filter, worth));
    return docs;
  };

  const insertOne = storage.insertOne.bind(storage);
  storage.insertOne = async (db: string, coll: string, doc: Doc) => {
    const stored = (await insertOne(db, coll, doc)) as Doc;
    known(db, coll)?.inserted(idKey(stored._id), stored);
    return stored;
  };
  const updateById = storage.updateById.bind(storage);
  storage.updateById = async (db: string, coll: string, id: Doc['_id'], doc: Doc) => {
    const ok = await updateById(db, coll, id, doc);
    if (ok) known(db, coll)?.updated(idKey(id), doc);
    return ok;
  };
  const deleteById = storage.deleteById.bind(storage);
  storage.deleteById = async (db: string, coll: string, id: Doc['_id']) => {
    const ok = await deleteById(db, coll, id);
    if (ok) known(db, coll)?.deleted(idKey(id));
    return ok;
  };
  for (const method of ['dropCollection', 'renameCollection'] as const) {
    const original = storage[method].bind(storage);
    storage[method] = async (db: string, coll: string, ...rest: unknown[]) => {
      forget(ns(db, coll));
      if (method === 'renameCollection') forget(ns(db, String(rest[0])));
      return original(db, coll, ...rest);
    };
  }
  const dropDatabase = storage.dropDatabase.bind(storage);
  storage.dropDatabase = async (db: string) => {
    forget(`${db}\u0000`);
    return dropDatabase(db);
  };
}
