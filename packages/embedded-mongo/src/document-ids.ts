// The package exposes CongoDB only by deep path.
import { bson } from '@push.rocks/smartmongo/dist_ts/congodb/congodb.plugins.js';
import { idKey } from './bson-keys.js';
import { DuplicateKeyError } from './duplicate-key.js';

/**
 * Documents stored under any `_id` MongoDB accepts: an ObjectId, a string, a number, a date, a
 * sub-document (manual: core/document, "The field name _id is reserved for use as a primary key; its
 * value must be unique in the collection, is immutable, and may be of any type other than an array or
 * regex"). CongoDB's memory storage converted every `_id` with `new ObjectId(_id)` and keyed its Map by
 * the hex string, so a string `_id` was refused (our unique-index check then answered the failure with
 * a misleading E11000) or, for a 24-hex-digit or 12-character string, silently became an ObjectId.
 *
 * Here insertOne, findById, updateById and deleteById key the collection Map by `idKey(_id)`: the hex
 * string for an ObjectId, as before, so every document CongoDB stored keeps its key. A second
 * document with the same `_id` fails with a duplicate-key error on the `_id_` index, as MongoDB's.
 * Installed innermost: our other storage wrappers call these.
 */
type Doc = Record<string, unknown>;

function invalidId(id: unknown): string | null {
  if (Array.isArray(id)) return "The '_id' value cannot be of type array";
  if (id instanceof RegExp) return "The '_id' value cannot be of type regex";
  return null;
}

export function installDocumentIds(storage: any): void {
  storage.insertOne = async (db: string, coll: string, doc: Doc) => {
    const collection: Map<string, Doc> = storage.ensureCollection(db, coll);
    const stored = { ...doc, _id: doc._id === undefined ? new bson.ObjectId() : doc._id };
    const invalid = invalidId(stored._id);
    if (invalid) throw Object.assign(new Error(invalid), { code: 53, codeName: 'InvalidIdField' });
    const key = idKey(stored._id);
    if (collection.has(key)) throw new DuplicateKeyError(`${db}.${coll}`, { name: '_id_', key: { _id: 1 } }, stored);
    collection.set(key, stored);
    return stored;
  };
  storage.findById = async (db: string, coll: string, id: unknown) => storage.ensureCollection(db, coll).get(idKey(id)) ?? null;
  storage.updateById = async (db: string, coll: string, id: unknown, doc: Doc) => {
    const collection: Map<string, Doc> = storage.ensureCollection(db, coll);
    const key = idKey(id);
    if (!collection.has(key)) return false;
    collection.set(key, doc);
    return true;
  };
  storage.deleteById = async (db: string, coll: string, id: unknown) => storage.ensureCollection(db, coll).delete(idKey(id));
}
