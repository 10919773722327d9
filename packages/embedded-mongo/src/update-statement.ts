// The package exposes CongoDB only by deep path.
import { QueryEngine, UpdateEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { UpdateHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/UpdateHandler.js';
import { bson } from '@push.rocks/smartmongo/dist_ts/congodb/congodb.plugins.js';
import { writeError } from './duplicate-key.js';
import { jsonEqual } from './json-equal.js';

/**
 * CongoDB's `update` command (`UpdateHandler.handleUpdate`, smartmongo 2.2 dist_ts/congodb), restated
 * line for line with one change: whether an update modified a matched document is decided by
 * `jsonEqual(doc, updatedDoc)` (json-equal.ts) instead of `JSON.stringify(doc) !== JSON.stringify(updatedDoc)`
 * — the same answer without building two strings of every matched document. Everything else is
 * CongoDB's: the statements in order, `findAll` + `QueryEngine.filter` per statement, the upsert
 * built from the filter's equalities and `$setOnInsert`, `UpdateEngine.applyUpdate` (its deep clone
 * included), one `updateById` per modified document, the counts (`n` = matched + upserted,
 * `nModified`), `upserted`, and the write errors (`error.code || 1`, stop at the first when ordered).
 * One more change, in both the update command and findAndModify (otherwise CongoDB's, which writes
 * without comparing): `$setOnInsert` is applied as `$set` is, so dotted paths nest.
 *
 * A statement with a `sort` is refused as MongoDB 7.0, the version the server reports, refuses it.
 *
 * And what CongoDB cannot run is refused instead of ignored: its UpdateEngine takes `arrayFilters`
 * and paths through `$` (positional), `$[]` and `$[name]` and applies none of them, so the statement
 * answered "matched 1" and changed nothing — a product bug a test would not see. Such a statement
 * fails with NotImplemented (238), naming what the embedded server lacks (README.md, "What it does
 * not do"); MongoDB runs them (manual: reference/operator/update/positional,
 * positional-filtered, positional-all).
 */
type Doc = Record<string, any>;

/** Why the embedded server cannot run this update, or null when it can. */
export function unsupportedUpdate(update: unknown, arrayFilters: unknown): string | null {
  if (Array.isArray(arrayFilters) && arrayFilters.length) return 'arrayFilters';
  if (!update || typeof update !== 'object' || Array.isArray(update)) return null;
  for (const [op, fields] of Object.entries(update as Doc)) {
    if (!op.startsWith('$') || !fields || typeof fields !== 'object') continue;
    for (const path of Object.keys(fields)) {
      const positional = path.split('.').find((part) => part === '$' || part.startsWith('$['));
      if (positional) return `the positional operator ${positional} in ${op} '${path}'`;
    }
  }
  return null;
}

const notImplemented = (what: string) =>
  Object.assign(
    new Error(
      `the embedded MongoDB (packages/embedded-mongo) does not run ${what}; MongoDB does — run the tests on a real server, or write the update without it`,
    ),
    {
      code: 238,
      codeName: 'NotImplemented',
    },
  );

type Handler = { applyFilterToDoc(doc: Doc, filter: Doc): void };

const proto = UpdateHandler.prototype as any;
export const originalHandleUpdate: (this: unknown, context: unknown) => Promise<Doc> = proto.__originalHandleUpdate ?? proto.handleUpdate;

async function handleUpdate(this: Handler, context: { storage: any; database: string; command: Doc; documentSequences?: Map<string, Doc[]> }) {
  const { storage, database, command, documentSequences } = context;
  const collection = command.update;
  if (typeof collection !== 'string') {
    return { ok: 0, errmsg: 'update command requires a collection name', code: 2, codeName: 'BadValue' };
  }
  let updates = command.updates || [];
  if (documentSequences && documentSequences.has('updates')) {
    updates = documentSequences.get('updates');
  }
  if (!Array.isArray(updates) || updates.length === 0) {
    return { ok: 0, errmsg: 'update command requires updates array', code: 2, codeName: 'BadValue' };
  }
  // The embedded server says it is MongoDB 7.0 (buildInfo), whose update statement has no `sort` (added
  // in 8.0, SERVER-78140): mongod 7 refuses the whole command as its IDL parser refuses any unknown
  // field. CongoDB ignored it and updated whichever document came first — not the one asked for.
  if (updates.some((u: Doc) => u && u.sort !== undefined)) {
    return { ok: 0, errmsg: "BSON field 'update.updates.sort' is an unknown field.", code: 40415, codeName: 'Location40415' };
  }
  const ordered = command.ordered !== false;
  const writeErrors: Doc[] = [];
  let totalMatched = 0;
  let totalModified = 0;
  let totalUpserted = 0;
  const upserted: Doc[] = [];
  await storage.createCollection(database, collection);
  for (let i = 0; i < updates.length; i++) {
    const updateSpec = updates[i];
    const filter = updateSpec.q || updateSpec.filter || {};
    const update = updateSpec.u || updateSpec.update || {};
    const multi = updateSpec.multi || false;
    const upsert = updateSpec.upsert || false;
    const arrayFilters = updateSpec.arrayFilters;
    try {
      const unsupported = unsupportedUpdate(update, arrayFilters);
      if (unsupported) throw notImplemented(unsupported);
      const documents = await storage.findAll(database, collection);
      const matchingDocs = QueryEngine.filter(documents, filter) as Doc[];
      if (matchingDocs.length === 0 && upsert) {
        const newDoc: Doc = { _id: new bson.ObjectId() };
        this.applyFilterToDoc(newDoc, filter);
        const updatedDoc = UpdateEngine.applyUpdate(newDoc as any, update, arrayFilters) as Doc;
        // CongoDB assigned $setOnInsert's keys as they are: a dotted path ("sla.responses", what
        // mongoose writes for a nested default) became a literal key. MongoDB sets it as $set does.
        if (update.$setOnInsert) setOnInsert(updatedDoc, update.$setOnInsert);
        await storage.insertOne(database, collection, updatedDoc);
        totalUpserted++;
        upserted.push({ index: i, _id: updatedDoc._id });
      } else {
        const docsToUpdate = multi ? matchingDocs : matchingDocs.slice(0, 1);
        totalMatched += docsToUpdate.length;
        for (const doc of docsToUpdate) {
          const updatedDoc = UpdateEngine.applyUpdate(doc as any, update, arrayFilters) as Doc;
          const changed = !jsonEqual(doc, updatedDoc);
          if (changed) {
            await storage.updateById(database, collection, doc._id, updatedDoc);
            totalModified++;
          }
        }
      }
    } catch (error: any) {
      writeErrors.push({ ...writeError(i, error), errmsg: error.message || 'Update failed' });
      if (ordered) {
        break;
      }
    }
  }
  const response: Doc = { ok: 1, n: totalMatched + totalUpserted, nModified: totalModified };
  if (upserted.length > 0) {
    response.upserted = upserted;
  }
  if (writeErrors.length > 0) {
    response.writeErrors = writeErrors;
  }
  return response;
}

/**
 * `$setOnInsert` on the document an upsert inserts, as `$set` (manual: reference/operator/update/setOnInsert,
 * "To specify a <field> in an embedded document or in an array, use dot notation").
 */
function setOnInsert(doc: Doc, fields: Doc): void {
  // The values themselves, as CongoDB's Object.assign stored them: they are the command's own.
  const engine = UpdateEngine as unknown as { setNestedValue(d: Doc, path: string, v: unknown): void };
  for (const [path, value] of Object.entries(fields)) engine.setNestedValue(doc, path, value);
}

/**
 * CongoDB's findAndModify, with `$setOnInsert` applied as above: the upsert's new document is built
 * without it and completed on its way to `insertOne` (the only insert findAndModify makes), in place,
 * so the document findAndModify answers with (`new: true`) is the one stored.
 */
async function handleFindAndModify(this: unknown, context: { storage: any; command: Doc }) {
  const { storage, command } = context;
  const update = command.update;
  const unsupported = unsupportedUpdate(update, command.arrayFilters);
  if (unsupported) {
    const error = notImplemented(unsupported);
    return { ok: 0, code: error.code, codeName: error.codeName, errmsg: error.message };
  }
  if (!command.upsert || !update || typeof update !== 'object' || Array.isArray(update) || !update.$setOnInsert) {
    return proto.__originalFindAndModify.call(this, context);
  }
  const onInsert = update.$setOnInsert as Doc;
  // An empty $setOnInsert keeps the update an operator update (without one it would be a replacement).
  const rest = { ...update, $setOnInsert: {} };
  const view = Object.create(storage, {
    insertOne: {
      value: (db: string, coll: string, doc: Doc) => {
        setOnInsert(doc, onInsert);
        return storage.insertOne(db, coll, doc);
      },
    },
  });
  return proto.__originalFindAndModify.call(this, { ...context, storage: view, command: { ...command, update: rest } });
}

export function installUpdateStatement(): void {
  if (proto.__originalHandleUpdate) return;
  proto.__originalHandleUpdate = proto.handleUpdate;
  proto.handleUpdate = handleUpdate;
  proto.__originalFindAndModify = proto.handleFindAndModify;
  proto.handleFindAndModify = handleFindAndModify;
}
