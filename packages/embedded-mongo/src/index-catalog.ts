// The package exposes CongoDB only by deep path.
import { bson } from '@push.rocks/smartmongo/dist_ts/congodb/congodb.plugins.js';
import { IndexHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/IndexHandler.js';
import { bsonKey } from './bson-keys.js';
import { DuplicateKeyError, indexKey, type IndexSpec } from './duplicate-key.js';

/**
 * createIndexes, listIndexes and dropIndexes answered from the storage's own index lists, as MongoDB
 * answers them. CongoDB's IndexHandler kept one IndexEngine per collection name for the life of the
 * process and believed it over the storage: after a collection was dropped (its indexes with it) the
 * re-created unique index was "already there", never saved, and so never enforced; and an index
 * re-created under the same name with other options (unique added, another partialFilterExpression)
 * was accepted silently, where MongoDB refuses it — which on a real server fails the product's
 * syncIndexes at boot.
 *
 * The rules are the server's (src/mongo/db/catalog/index_catalog_impl.cpp,
 * `_doesSpecConflictWithExisting`, and index_descriptor.cpp, `compareIndexOptions`; manual:
 * reference/command/createIndexes): two specs are *different* when the key pattern, `unique`,
 * `sparse`, the collation or the partialFilterExpression differ, *identical* when the other options
 * (here expireAfterSeconds and hidden) match too, and *equivalent* otherwise.
 * - an index of the same name: different → IndexKeySpecsConflict (86); equivalent →
 *   IndexOptionsConflict (85); identical → nothing to do;
 * - else an index with the same key and identifying options under another name → IndexOptionsConflict (85);
 * - else the index is built; a unique one over documents that already repeat a key fails with E11000.
 * listIndexes shows each spec as stored (partialFilterExpression included); dropIndexes takes a
 * name, a key pattern, a list of names or "*", and answers IndexNotFound (27) for an unknown one.
 */
type Doc = Record<string, any>;
type Context = { storage: any; database: string; command: Doc };

const IDENTIFYING = ['unique', 'sparse', 'collation', 'partialFilterExpression'] as const;
const OTHER_OPTIONS = ['expireAfterSeconds', 'hidden'] as const;
const STORED_OPTIONS = [...IDENTIFYING, ...OTHER_OPTIONS] as const;

const same = (a: unknown, b: unknown) => bsonKey(a) === bsonKey(b);
const sameKey = (a: IndexSpec, b: IndexSpec) => same(a.key, b.key);

function compare(candidate: IndexSpec, existing: IndexSpec): 'different' | 'equivalent' | 'identical' {
  if (!sameKey(candidate, existing)) return 'different';
  if (!!candidate.unique !== !!existing.unique || !!candidate.sparse !== !!existing.sparse) return 'different';
  if (!same(candidate.collation, existing.collation) || !same(candidate.partialFilterExpression, existing.partialFilterExpression)) return 'different';
  return OTHER_OPTIONS.every((o) => same(candidate[o], existing[o])) ? 'identical' : 'equivalent';
}

/**
 * The index as MongoDB shows it: name and key, then the options given (falsy unique/sparse left out;
 * the _id index is unique by nature and shows no `unique`, so `{_id: 1}` asked again is identical).
 */
function specOf(raw: Doc): IndexSpec {
  const spec: IndexSpec = { name: raw.name, key: raw.key };
  for (const o of STORED_OPTIONS) {
    const v = raw[o];
    if (v === undefined || ((o === 'unique' || o === 'sparse' || o === 'hidden') && !v) || (o === 'unique' && raw.name === '_id_')) continue;
    spec[o] = v;
  }
  return spec;
}

const show = (spec: IndexSpec) => JSON.stringify({ v: 2, ...spec });
const failure = (code: number, codeName: string, errmsg: string) => ({ ok: 0, code, codeName, errmsg });

async function handleCreateIndexes(this: unknown, { storage, database, command }: Context) {
  const collection = command.createIndexes;
  const requested = command.indexes;
  if (typeof collection !== 'string') return failure(2, 'BadValue', 'collection name must be a string');
  if (!Array.isArray(requested) || requested.length === 0) return failure(2, 'BadValue', 'Must specify at least one index to create');
  const created = !(await storage.collectionExists(database, collection));
  await storage.createCollection(database, collection);
  const existing = ((await storage.getIndexes(database, collection)) as Doc[]).map(specOf);
  const toBuild: IndexSpec[] = [];
  for (const raw of requested as Doc[]) {
    if (!raw || typeof raw.key !== 'object' || Object.keys(raw.key).length === 0) return failure(2, 'BadValue', "Index spec must have a non-empty 'key'");
    if (typeof raw.name !== 'string' || !raw.name) return failure(9, 'FailedToParse', "The 'name' field is a required property of an index specification");
    const candidate = specOf(raw);
    const byName = [...existing, ...toBuild].find((e) => e.name === candidate.name);
    if (byName) {
      const c = compare(candidate, byName);
      if (c === 'different') {
        return failure(
          86,
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${show(candidate)}, existing index: ${show(byName)}`,
        );
      }
      if (c === 'equivalent') {
        return failure(
          85,
          'IndexOptionsConflict',
          `An equivalent index already exists with the same name but different options. Requested index: ${show(candidate)}, existing index: ${show(byName)}`,
        );
      }
      continue;
    }
    const byKey = [...existing, ...toBuild].find((e) => compare(candidate, e) !== 'different');
    if (byKey) {
      return compare(candidate, byKey) === 'identical'
        ? failure(85, 'IndexOptionsConflict', `Index already exists with a different name: ${byKey.name}`)
        : failure(
            85,
            'IndexOptionsConflict',
            `An equivalent index already exists with a different name and options. Requested index: ${show(candidate)}, existing index: ${show(byKey)}`,
          );
    }
    toBuild.push(candidate);
  }
  const ns = `${database}.${collection}`;
  for (const spec of toBuild.filter((s) => s.unique)) {
    const seen = new Set<string>();
    for (const doc of (await storage.findAll(database, collection)) as Doc[]) {
      const k = indexKey(spec, doc);
      if (k === null) continue;
      if (seen.has(k)) {
        const dup = new DuplicateKeyError(ns, spec, doc);
        return { ...failure(11000, 'DuplicateKey', `Index build failed: ${dup.message}`), keyPattern: dup.keyPattern, keyValue: dup.keyValue };
      }
      seen.add(k);
    }
  }
  for (const spec of toBuild) {
    const { name, ...rest } = spec;
    await storage.saveIndex(database, collection, name, rest);
  }
  const reply: Doc = { ok: 1, numIndexesBefore: existing.length, numIndexesAfter: existing.length + toBuild.length, createdCollectionAutomatically: created };
  if (!toBuild.length) reply.note = 'all indexes already exist';
  return reply;
}

async function handleListIndexes(this: unknown, { storage, database, command }: Context) {
  const collection = command.listIndexes;
  if (!(await storage.collectionExists(database, collection))) return failure(26, 'NamespaceNotFound', `ns does not exist: ${database}.${collection}`);
  const indexes = ((await storage.getIndexes(database, collection)) as Doc[]).map(specOf);
  const firstBatch = indexes.map(({ name, key, ...options }) => ({ v: 2, key, name, ...options }));
  return { ok: 1, cursor: { id: bson.Long.fromNumber(0), ns: `${database}.${collection}`, firstBatch } };
}

async function handleDropIndexes(this: unknown, { storage, database, command }: Context) {
  const collection = command.dropIndexes;
  if (!(await storage.collectionExists(database, collection))) return failure(26, 'NamespaceNotFound', `ns not found ${database}.${collection}`);
  const indexes = ((await storage.getIndexes(database, collection)) as Doc[]).map(specOf);
  const which = command.index;
  let names: string[];
  if (which === '*') names = indexes.filter((i) => i.name !== '_id_').map((i) => i.name);
  else if (typeof which === 'string') names = [which];
  else if (Array.isArray(which)) names = which.map(String);
  else if (which && typeof which === 'object') {
    const matches = indexes.filter((i) => same(i.key, which));
    if (matches.length === 0) return failure(27, 'IndexNotFound', `can't find index with key: ${JSON.stringify(which)}`);
    if (matches.length > 1)
      return failure(72, 'InvalidOptions', `${matches.length} indexes found for key: ${JSON.stringify(which)}, identify by name instead.`);
    names = [matches[0].name];
  } else return failure(2, 'BadValue', 'invalid index name spec');
  for (const name of names) {
    if (name === '_id_') return failure(72, 'InvalidOptions', 'cannot drop _id index');
    if (!indexes.some((i) => i.name === name)) return failure(27, 'IndexNotFound', `index not found with name [${name}]`);
  }
  for (const name of names) await storage.dropIndex(database, collection, name);
  return { ok: 1, nIndexesWas: indexes.length };
}

export function installIndexCatalog(): void {
  const proto = IndexHandler.prototype as any;
  if (proto.__indexCatalog) return;
  proto.__indexCatalog = true;
  proto.handleCreateIndexes = handleCreateIndexes;
  proto.handleListIndexes = handleListIndexes;
  proto.handleDropIndexes = handleDropIndexes;
}
