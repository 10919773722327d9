// The package exposes CongoDB only by deep path.
import { QueryEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { CommandRouter } from '@push.rocks/smartmongo/dist_ts/congodb/server/CommandRouter.js';
import { InsertHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/InsertHandler.js';
import { bsonKey, bsonText } from './bson-keys.js';

/**
 * Unique-index keys and the duplicate-key error as MongoDB reports it. A write that would duplicate a
 * unique key fails with code 11000, an errmsg of the form
 *   E11000 duplicate key error collection: <db>.<coll> index: <name> dup key: { <field>: <value>, … }
 * and `keyPattern` / `keyValue` naming the index and the values (the driver's MongoServerError
 * carries both; the product reads keyPattern to tell which unique index a write hit, e.g.
 * broadcasts/frequency-cap.service.ts). Sources: src/mongo/db/storage/duplicate_key_error_info.cpp
 * and the CRUD spec's write errors (specifications: source/crud/crud.md, "WriteError").
 *
 * CongoDB answered insert write errors with keyPattern `{_id: 1}` only when its own message said
 * "Duplicate key", update write errors with code and errmsg only, and a findAndModify that threw with
 * code and errmsg only: the unique-index errors raised by our storage wrappers lost both fields.
 */
export interface IndexSpec {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Record<string, unknown>;
  [option: string]: unknown;
}
type Doc = Record<string, unknown>;

export function getPath(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v == null ? undefined : (v as Doc)[k]), doc);
}

/** The values of the index's fields in `doc`, missing ones as null. */
export function keyValueOf(index: IndexSpec, doc: Doc): Doc {
  return Object.fromEntries(Object.keys(index.key).map((p) => [p, getPath(doc, p) ?? null]));
}

/** The document's entry in a unique index, or null when the index leaves it out (partial, sparse). */
export function indexKey(index: IndexSpec, doc: Doc): string | null {
  if (index.partialFilterExpression && QueryEngine.filter([doc as any], index.partialFilterExpression).length === 0) return null;
  const values = Object.keys(index.key).map((p) => getPath(doc, p));
  if (index.sparse && values.every((v) => v === undefined)) return null;
  return bsonKey(values);
}

export class DuplicateKeyError extends Error {
  code = 11000;
  codeName = 'DuplicateKey';
  keyPattern: Doc;
  keyValue: Doc;
  constructor(ns: string, index: Pick<IndexSpec, 'name' | 'key'>, doc: Doc) {
    const keyValue = keyValueOf(index as IndexSpec, doc);
    super(`E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: ${bsonText(keyValue)}`);
    this.keyPattern = index.key;
    this.keyValue = keyValue;
  }
}

const details = (error: unknown) => {
  const e = error as Partial<DuplicateKeyError> | null;
  return e && e.code === 11000 && e.keyPattern ? { keyPattern: e.keyPattern, keyValue: e.keyValue } : null;
};

/** The write error of a failed statement (an update or delete statement, or an insert). */
export function writeError(index: number, error: any): Doc {
  return { index, code: error.code || 1, errmsg: error.message || 'Write failed', ...details(error) };
}

export function installDuplicateKeyReplies(): void {
  const insert = InsertHandler.prototype as any;
  if (insert.__duplicateKeyReplies) return;
  insert.__duplicateKeyReplies = true;

  // Inserts: CongoDB's handler, with each document's storage error remembered and its write error
  // completed from it. The handler also replaced any falsy _id (0, '', false, null) with a new
  // ObjectId; MongoDB keeps those, so the document's own _id is put back on its way to storage.
  const handle = insert.handle;
  insert.handle = async function (this: unknown, context: { storage: any; command: Doc; documentSequences?: Map<string, Doc[]> }) {
    const docs = (context.documentSequences?.get('documents') ?? context.command.documents) as Doc[] | undefined;
    if (!Array.isArray(docs)) return handle.call(this, context);
    const ownIds = new Map<Doc, unknown>();
    for (const doc of docs) if (doc && typeof doc === 'object' && doc._id !== undefined && !doc._id) ownIds.set(doc, doc._id);
    const errors = new Map<Doc, unknown>();
    const storage = Object.create(context.storage, {
      insertOne: {
        value: async (db: string, coll: string, doc: Doc) => {
          if (ownIds.has(doc)) doc._id = ownIds.get(doc);
          try {
            return await context.storage.insertOne(db, coll, doc);
          } catch (error) {
            errors.set(doc, error);
            throw error;
          }
        },
      },
    });
    const reply = await handle.call(this, { ...context, storage });
    for (const we of (reply.writeErrors ?? []) as Doc[]) {
      const error = errors.get(docs[we.index as number]);
      if (error) Object.assign(we, writeError(we.index as number, error));
    }
    return reply;
  };

  // Commands that throw (findAndModify): the command error carries the key too. Each router wraps
  // its handlers once, when it registers them (CongoServer's constructor): install this before.
  const router = CommandRouter.prototype as any;
  const registerHandlers = router.registerHandlers;
  router.registerHandlers = function (this: { handlers: Map<string, any> }) {
    registerHandlers.call(this);
    const wrapped = new Map<unknown, unknown>();
    for (const [name, handler] of this.handlers) {
      if (!wrapped.has(handler)) wrapped.set(handler, withDuplicateKeyReply(handler));
      this.handlers.set(name, wrapped.get(handler));
    }
  };
}

function withDuplicateKeyReply(handler: { handle(context: unknown): Promise<Doc> }) {
  return Object.create(handler, {
    handle: {
      value: async (context: unknown) => {
        try {
          return await handler.handle(context);
        } catch (error) {
          const d = details(error);
          if (!d) throw error;
          return { ok: 0, errmsg: (error as Error).message, code: 11000, codeName: 'DuplicateKey', ...d };
        }
      },
    },
  });
}
