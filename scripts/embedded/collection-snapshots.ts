/**
 * CongoDB's memory storage answers every read statement's `findAll` with a fresh array of the whole
 * collection (a million profiles: ~30–50 ms, twice per segment preview). None of its callers changes
 * the array it gets (they filter, slice, map or copy it), so while a collection is unchanged the last
 * array is handed out again. A collection changes only through insertOne, updateById and deleteById
 * (insertMany and deleteByIds go through them); dropping, renaming or restoring a collection puts a
 * new Map in its place, which the snapshot is checked against.
 */
type Doc = Record<string, unknown>;

export function installCollectionSnapshots(storage: any): void {
  const snapshots = new Map<string, { of: Map<string, Doc>; version: number; docs: Doc[] }>();
  const versions = new Map<string, number>();
  const ns = (db: string, coll: string) => `${db}\u0000${coll}`;
  const bump = (key: string) => versions.set(key, (versions.get(key) ?? 0) + 1);

  // Installed first, so these wrap the storage's own methods: the array is built, and a write is
  // applied, synchronously inside the call — no other statement runs between reading the version
  // and the storage doing its part.
  const findAll = storage.findAll.bind(storage);
  storage.findAll = async (db: string, coll: string) => {
    const key = ns(db, coll);
    const version = versions.get(key) ?? 0;
    const collection: Map<string, Doc> = storage.ensureCollection(db, coll);
    const last = snapshots.get(key);
    if (last && last.of === collection && last.version === version) return last.docs;
    const docs = (await findAll(db, coll)) as Doc[];
    snapshots.set(key, { of: collection, version, docs });
    return docs;
  };

  for (const method of ['insertOne', 'updateById', 'deleteById'] as const) {
    const original = storage[method].bind(storage);
    storage[method] = async (db: string, coll: string, ...rest: unknown[]) => {
      bump(ns(db, coll));
      try {
        return await original(db, coll, ...rest);
      } finally {
        bump(ns(db, coll));
      }
    };
  }
}
