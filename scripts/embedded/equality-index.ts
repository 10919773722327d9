/**
 * Equality indexes for the embedded MongoDB.
 *
 * CongoDB answers every find/update/delete by running mingo over the whole collection, which makes
 * anything that touches one document per request (ingesting orders, seeding the demo, imports)
 * quadratic. Real MongoDB uses the indexes we declare; here we keep, per collection and per field
 * that a filter has asked for by equality, a map from value to document ids, maintained on every
 * write. A query then tests only the candidates of its most selective equality field, and the
 * filter (compiled, or mingo) still decides what matches — the index can only leave out documents
 * that cannot match.
 *
 * Values that are not plain (arrays, sub-documents, null, missing) are kept in an "unknown" set
 * that is always a candidate, and a field holding values of more than one kind (a number here, a
 * string there) is not used at all, so type-bracketing questions stay with mingo.
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

function pathValue(doc: unknown, path: string): unknown {
  let v = doc as Record<string, unknown> | unknown;
  for (const k of path.split('.')) {
    if (Array.isArray(v)) return UNCERTAIN;
    if (v == null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return Array.isArray(v) ? UNCERTAIN : v;
}

class FieldIndex {
  private readonly byValue = new Map<string, Set<string>>();
  private readonly unknown = new Set<string>();
  private readonly keyOf = new Map<string, string | null>();
  private readonly kinds = new Map<string, number>();

  constructor(private readonly field: string) {}

  add(id: string, doc: unknown): void {
    this.addKey(id, valueKey(pathValue(doc, this.field)));
  }

  /**
   * remove + add, skipped when the field's key is unchanged: the same state but for the order of ids
   * within a value's set, which candidates() does not depend on (it orders them by seq).
   */
  update(id: string, doc: unknown): void {
    const k = valueKey(pathValue(doc, this.field));
    const old = this.keyOf.get(id);
    if (old !== undefined && old === (k === UNCERTAIN ? null : k)) return;
    this.remove(id);
    this.addKey(id, k);
  }

  private addKey(id: string, k: string | typeof UNCERTAIN): void {
    if (k === UNCERTAIN) {
      this.unknown.add(id);
      this.keyOf.set(id, null);
      return;
    }
    let ids = this.byValue.get(k);
    if (!ids) this.byValue.set(k, (ids = new Set()));
    ids.add(id);
    this.keyOf.set(id, k);
    this.kinds.set(k[0], (this.kinds.get(k[0]) ?? 0) + 1);
  }

  remove(id: string): void {
    const k = this.keyOf.get(id);
    if (k === undefined) return;
    this.keyOf.delete(id);
    if (k === null) {
      this.unknown.delete(id);
      return;
    }
    const ids = this.byValue.get(k)!;
    ids.delete(id);
    if (!ids.size) this.byValue.delete(k);
    const n = (this.kinds.get(k[0]) ?? 1) - 1;
    if (n) this.kinds.set(k[0], n);
    else this.kinds.delete(k[0]);
  }

  /** How many ids may match any of `keys`, or null when the index cannot say. */
  count(keys: string[]): number | null {
    for (const kind of this.kinds.keys()) if (!keys.some((k) => k[0] === kind)) return null;
    let n = this.unknown.size;
    for (const k of keys) n += this.byValue.get(k)?.size ?? 0;
    return n;
  }

  /** The ids counted by count(keys) (an id may appear twice when `keys` repeats a value). */
  ids(keys: string[]): string[] {
    const out: string[] = [...this.unknown];
    for (const k of keys) for (const id of this.byValue.get(k) ?? []) out.push(id);
    return out;
  }
}

class CollectionIndexes {
  readonly fields = new Map<string, FieldIndex>();
  readonly seq = new Map<string, number>();
  private next = 0;

  constructor(private readonly docs: () => Map<string, Doc>) {
    for (const id of docs().keys()) this.seq.set(id, this.next++);
  }

  field(name: string): FieldIndex {
    let f = this.fields.get(name);
    if (!f) {
      f = new FieldIndex(name);
      for (const [id, doc] of this.docs()) f.add(id, doc);
      this.fields.set(name, f);
    }
    return f;
  }

  inserted(id: string, doc: Doc): void {
    this.seq.set(id, this.next++);
    for (const f of this.fields.values()) f.add(id, doc);
  }

  updated(id: string, doc: Doc): void {
    for (const f of this.fields.values()) f.update(id, doc);
  }

  deleted(id: string): void {
    this.seq.delete(id);
    for (const f of this.fields.values()) f.remove(id);
  }
}

/** The equality keys a filter asks for on one field, or null when that field is not an equality. */
function wantedKeys(want: unknown): string[] | null {
  const plain = valueKey(want);
  if (plain !== UNCERTAIN) return [plain];
  if (want && typeof want === 'object' && !Array.isArray(want) && Object.keys(want).length === 1) {
    const op = want as { $eq?: unknown; $in?: unknown };
    if ('$eq' in op) return wantedKeys(op.$eq);
    if (Array.isArray(op.$in)) {
      const keys = op.$in.map(valueKey);
      return keys.includes(UNCERTAIN) ? null : (keys as string[]);
    }
  }
  return null;
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

  /** The candidates of the filter's most selective equality field, in natural order; null when none narrows enough. */
  const candidates = (db: string, coll: string, total: number, filter: Record<string, unknown>, worth: NarrowingWorth): Doc[] | null => {
    const c = indexesFor(db, coll);
    let best: { field: FieldIndex; keys: string[]; n: number } | null = null;
    for (const [field, want] of Object.entries(filter)) {
      if (field.startsWith('$')) continue;
      const keys = wantedKeys(want);
      if (!keys) continue;
      const index = c.field(field);
      const n = index.count(keys);
      if (n !== null && (!best || n < best.n)) best = { field: index, keys, n };
      if (best && best.n <= 1) break;
    }
    if (!best || !worth(best.n, total)) return null;
    const docs: Map<string, Doc> = storage.ensureCollection(db, coll);
    const unique = [...new Set(best.field.ids(best.keys))].filter((id) => docs.has(id));
    unique.sort((a, b) => c.seq.get(a)! - c.seq.get(b)!);
    return unique.map((id) => docs.get(id)!);
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
    known(db, coll)?.inserted(stored._id.toHexString(), stored);
    return stored;
  };
  const updateById = storage.updateById.bind(storage);
  storage.updateById = async (db: string, coll: string, id: Doc['_id'], doc: Doc) => {
    const ok = await updateById(db, coll, id, doc);
    if (ok) known(db, coll)?.updated(id.toHexString(), doc);
    return ok;
  };
  const deleteById = storage.deleteById.bind(storage);
  storage.deleteById = async (db: string, coll: string, id: Doc['_id']) => {
    const ok = await deleteById(db, coll, id);
    if (ok) known(db, coll)?.deleted(id.toHexString());
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
