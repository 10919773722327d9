// The package exposes CongoDB only by deep path.
import { QueryEngine, UpdateEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { UpdateHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/UpdateHandler.js';
import { bson } from '@push.rocks/smartmongo/dist_ts/congodb/congodb.plugins.js';
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
 * findAndModify is left to CongoDB (it writes without comparing).
 */
type Doc = Record<string, any>;
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
      const documents = await storage.findAll(database, collection);
      const matchingDocs = QueryEngine.filter(documents, filter) as Doc[];
      if (matchingDocs.length === 0 && upsert) {
        const newDoc: Doc = { _id: new bson.ObjectId() };
        this.applyFilterToDoc(newDoc, filter);
        const updatedDoc = UpdateEngine.applyUpdate(newDoc as any, update, arrayFilters) as Doc;
        if (update.$setOnInsert) {
          Object.assign(updatedDoc, update.$setOnInsert);
        }
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
      writeErrors.push({ index: i, code: error.code || 1, errmsg: error.message || 'Update failed' });
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

export function installUpdateStatement(): void {
  if (proto.__originalHandleUpdate) return;
  proto.__originalHandleUpdate = proto.handleUpdate;
  proto.handleUpdate = handleUpdate;
}
