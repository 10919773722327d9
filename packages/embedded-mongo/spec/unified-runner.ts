import { BSON, MongoClient, MongoServerError, type AnyBulkWriteOperation, type BulkWriteResult, type Collection, type Db, type Document } from 'mongodb';
import { exactlyEqual, matches, UnsupportedMatch, type Mismatch } from './unified-match.js';

/**
 * A small runner of the unified test format (mongodb/specifications,
 * source/unified-test-format/unified-test-format.md), enough for the CRUD files
 * (source/crud/tests/unified): it sets `initialData`, creates the client/database/collection
 * entities, runs each operation through the real driver and checks `expectResult`, `expectError` and
 * `outcome`. It measures a server, not a driver, so it does not compare `expectEvents` (the commands
 * the driver sent).
 *
 * A test is skipped, with its reason, when its `runOnRequirements` cannot be met by the server, when
 * it uses a feature the embedded server declares it lacks (README "What it does not do"), or an
 * operation or entity this runner does not run.
 */
const { EJSON } = BSON;

export interface UnifiedFile {
  description: string;
  schemaVersion: string;
  runOnRequirements?: Requirement[];
  createEntities?: Document[];
  initialData?: CollectionData[];
  tests: UnifiedTest[];
}
interface Requirement {
  minServerVersion?: string;
  maxServerVersion?: string;
  topologies?: string[];
  serverless?: 'require' | 'forbid' | 'allow';
  auth?: boolean;
  serverParameters?: Document;
  csfle?: unknown;
}
interface CollectionData {
  collectionName: string;
  databaseName: string;
  createOptions?: Document;
  documents: Document[];
}
interface Operation {
  name: string;
  object: string;
  arguments?: Document;
  expectResult?: unknown;
  expectError?: ExpectedError;
  ignoreResultAndError?: boolean;
  saveResultAsEntity?: string;
}
interface ExpectedError {
  isError?: true;
  isClientError?: boolean;
  isTimeoutError?: boolean;
  errorContains?: string;
  errorCode?: number;
  errorCodeName?: string;
  errorLabelsContain?: string[];
  errorLabelsOmit?: string[];
  errorResponse?: Document;
  expectResult?: unknown;
  writeErrors?: unknown;
  writeConcernErrors?: unknown;
}
interface UnifiedTest {
  description: string;
  runOnRequirements?: Requirement[];
  skipReason?: string;
  operations: Operation[];
  outcome?: CollectionData[];
}

export type Status = 'passed' | 'failed' | 'skipped';
export interface Verdict {
  file: string;
  test: string;
  /** The operation the test is about: its last one that is not a test-runner step. */
  operation: string;
  status: Status;
  /** Why it failed or was skipped. */
  reason?: string;
}

/** What the runner knows of the server under test, read once (buildInfo). */
export interface ServerFacts {
  version: number[];
  topology: 'single' | 'replicaset' | 'sharded' | 'load-balanced';
}

/** Parses a unified test file: Extended JSON, relaxed (numbers as JS numbers, `$oid` as ObjectId...). */
export function parseUnifiedFile(text: string): UnifiedFile {
  return EJSON.parse(text, { relaxed: true }) as UnifiedFile;
}

export async function serverFacts(uri: string): Promise<ServerFacts> {
  const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect();
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const hello = await client.db('admin').command({ hello: 1 });
    const topology = hello.msg === 'isdbgrid' ? 'sharded' : hello.setName ? 'replicaset' : 'single';
    return { version: (info.versionArray as number[]).slice(0, 3), topology };
  } finally {
    await client.close();
  }
}

const versionParts = (v: string) => [...v.split('.').map(Number), 0, 0, 0].slice(0, 3);
function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Why no requirement of the list can be met, or null when one can (or there is none). */
function unmetRequirements(list: Requirement[] | undefined, server: ServerFacts): string | null {
  if (!list || list.length === 0) return null;
  const reasons: string[] = [];
  for (const r of list) {
    const why: string[] = [];
    if (r.minServerVersion && compareVersions(server.version, versionParts(r.minServerVersion)) < 0) why.push(`server ≥ ${r.minServerVersion}`);
    if (r.maxServerVersion && compareVersions(server.version, versionParts(r.maxServerVersion)) > 0) why.push(`server ≤ ${r.maxServerVersion}`);
    if (r.topologies && !r.topologies.includes(server.topology)) why.push(`a ${r.topologies.join('/')} topology`);
    if (r.serverless === 'require') why.push('serverless');
    if (r.auth === true) why.push('authentication');
    if (r.serverParameters) why.push('server parameters');
    if (r.csfle) why.push('client-side encryption');
    if (why.length === 0) return null;
    reasons.push(why.join(' and '));
  }
  return `needs ${reasons.join(', or ')}`;
}

/**
 * The features README "What it does not do" lists, as they show in a test: such a test is skipped
 * with the feature as its reason (its failure would say nothing new).
 */
function lackedFeature(test: UnifiedTest, file: UnifiedFile): string | null {
  const found = new Set<string>();
  const walk = (v: unknown, key: string) => {
    if (key === 'collation') found.add('collation');
    if (key === 'arrayFilters') found.add('arrayFilters');
    if (key === 'session') found.add('sessions and transactions');
    if ((key === 'update' || key === 'updateMods') && Array.isArray(v)) found.add('updates with an aggregation pipeline');
    if (key === '$merge') found.add('$merge');
    if (key === 'validator' || key === 'capped') found.add('validators and capped collections');
    if (key === '$text' || key === '$near' || key === '$nearSphere' || key === '$geoNear') found.add('$text and geo queries');
    if (Array.isArray(v)) v.forEach((x) => walk(x, ''));
    else if (typeof v === 'object' && v !== null && !('_bsontype' in v)) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const op of test.operations) {
    if (['failPoint', 'targetedFailPoint'].includes(op.name)) found.add('fail points (configureFailPoint)');
    if (['startTransaction', 'commitTransaction', 'abortTransaction', 'withTransaction'].includes(op.name)) found.add('sessions and transactions');
    if (op.name === 'createChangeStream') found.add('change streams');
    if (op.name === 'explain') found.add('explain');
    walk(op.arguments, '');
  }
  for (const data of file.initialData ?? []) walk(data.createOptions, '');
  for (const e of file.createEntities ?? []) {
    const kind = Object.keys(e)[0];
    if (kind === 'session') found.add('sessions and transactions');
    else if (!['client', 'database', 'collection'].includes(kind)) found.add(`${kind} entities`);
  }
  return found.size ? [...found].join(', ') : null;
}

interface Entities {
  clients: Map<string, MongoClient>;
  databases: Map<string, Db>;
  collections: Map<string, Collection>;
}

class Skip extends Error {}

async function createEntities(uri: string, specs: Document[]): Promise<Entities> {
  const entities: Entities = { clients: new Map(), databases: new Map(), collections: new Map() };
  for (const spec of specs) {
    if (spec.client) {
      const { id, uriOptions = {} } = spec.client as { id: string; uriOptions?: Document };
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, ...uriOptions });
      entities.clients.set(id, await client.connect());
    } else if (spec.database) {
      const { id, client, databaseName, databaseOptions } = spec.database as { id: string; client: string; databaseName: string; databaseOptions?: Document };
      entities.databases.set(id, entities.clients.get(client)!.db(databaseName, databaseOptions));
    } else if (spec.collection) {
      const { id, database, collectionName, collectionOptions } = spec.collection as {
        id: string;
        database: string;
        collectionName: string;
        collectionOptions?: Document;
      };
      entities.collections.set(id, entities.databases.get(database)!.collection(collectionName, collectionOptions));
    }
  }
  return entities;
}

async function setUp(internal: MongoClient, data: CollectionData[]): Promise<void> {
  for (const { databaseName, collectionName, createOptions, documents } of data) {
    const db = internal.db(databaseName);
    await db
      .collection(collectionName)
      .drop({ writeConcern: { w: 'majority' } })
      .catch(() => undefined);
    if (createOptions || documents.length === 0) await db.createCollection(collectionName, { ...createOptions, writeConcern: { w: 'majority' } });
    if (documents.length) await db.collection(collectionName).insertMany(documents, { writeConcern: { w: 'majority' } });
  }
}

/** The unified format's argument names to the Node driver's: `returnDocument: 'After'` → `'after'`. */
function options(args: Document, ...taken: string[]): Document {
  const rest: Document = {};
  for (const [k, v] of Object.entries(args)) {
    if (taken.includes(k)) continue;
    rest[k] = k === 'returnDocument' && typeof v === 'string' ? v.toLowerCase() : v;
  }
  return rest;
}

function plainBulkResult(r: BulkWriteResult): Document {
  return {
    insertedCount: r.insertedCount,
    matchedCount: r.matchedCount,
    modifiedCount: r.modifiedCount,
    deletedCount: r.deletedCount,
    upsertedCount: r.upsertedCount,
    insertedIds: r.insertedIds,
    upsertedIds: r.upsertedIds,
  };
}

/** Runs one operation; a cursor's documents are read to the end. */
async function execute(op: Operation, entities: Entities): Promise<{ value: unknown; cursor: boolean }> {
  const a = op.arguments ?? {};
  const collection = entities.collections.get(op.object);
  const database = entities.databases.get(op.object);
  if (collection) {
    const c = collection;
    switch (op.name) {
      case 'insertOne':
        return { value: await c.insertOne(a.document, options(a, 'document')), cursor: false };
      case 'insertMany':
        return { value: await c.insertMany(a.documents, options(a, 'documents')), cursor: false };
      case 'find':
        return { value: await c.find(a.filter, options(a, 'filter')).toArray(), cursor: true };
      case 'findOne':
        return { value: await c.findOne(a.filter, options(a, 'filter')), cursor: false };
      case 'aggregate':
        return { value: await c.aggregate(a.pipeline, options(a, 'pipeline')).toArray(), cursor: true };
      case 'countDocuments':
        return { value: await c.countDocuments(a.filter, options(a, 'filter')), cursor: false };
      case 'count':
        return { value: await c.count(a.filter, options(a, 'filter')), cursor: false };
      case 'estimatedDocumentCount':
        return { value: await c.estimatedDocumentCount(options(a)), cursor: false };
      case 'distinct':
        return { value: await c.distinct(a.fieldName, a.filter, options(a, 'fieldName', 'filter')), cursor: false };
      case 'updateOne':
        return { value: await c.updateOne(a.filter, a.update, options(a, 'filter', 'update')), cursor: false };
      case 'updateMany':
        return { value: await c.updateMany(a.filter, a.update, options(a, 'filter', 'update')), cursor: false };
      case 'replaceOne':
        return { value: await c.replaceOne(a.filter, a.replacement, options(a, 'filter', 'replacement')), cursor: false };
      case 'deleteOne':
        return { value: await c.deleteOne(a.filter, options(a, 'filter')), cursor: false };
      case 'deleteMany':
        return { value: await c.deleteMany(a.filter, options(a, 'filter')), cursor: false };
      case 'findOneAndUpdate':
        return { value: await c.findOneAndUpdate(a.filter, a.update, options(a, 'filter', 'update')), cursor: false };
      case 'findOneAndReplace':
        return { value: await c.findOneAndReplace(a.filter, a.replacement, options(a, 'filter', 'replacement')), cursor: false };
      case 'findOneAndDelete':
        return { value: await c.findOneAndDelete(a.filter, options(a, 'filter')), cursor: false };
      case 'bulkWrite':
        return { value: plainBulkResult(await c.bulkWrite(a.requests as AnyBulkWriteOperation[], options(a, 'requests'))), cursor: false };
      case 'createIndex':
        return { value: await c.createIndex(a.keys, options(a, 'keys')), cursor: false };
      case 'drop':
        return { value: await c.drop(options(a)), cursor: false };
    }
  }
  if (database) {
    switch (op.name) {
      case 'aggregate':
        return { value: await database.aggregate(a.pipeline, options(a, 'pipeline')).toArray(), cursor: true };
      case 'createCollection':
        return { value: (await database.createCollection(a.collection, options(a, 'collection'))) && undefined, cursor: false };
      case 'dropCollection':
        return { value: await database.dropCollection(a.collection, options(a, 'collection')), cursor: false };
      case 'runCommand':
        return { value: await database.command(a.command, options(a, 'command', 'commandName')), cursor: false };
      case 'modifyCollection':
        return { value: await database.command({ collMod: a.collection, ...options(a, 'collection') }), cursor: false };
    }
  }
  throw new Skip(`operation ${op.name} on ${op.object} not run by this runner`);
}

function checkError(expected: ExpectedError, err: unknown): Mismatch {
  const e = err as MongoServerError & { result?: unknown; errorResponse?: Document };
  if (expected.isTimeoutError) throw new Skip('timeout errors (CSOT) not checked by this runner');
  if (expected.writeErrors || expected.writeConcernErrors) throw new Skip('client bulk write errors not checked by this runner');
  const server = err instanceof MongoServerError;
  if (expected.isClientError === true && server) return `expected a client error, got the server's ${e.codeName ?? e.code}: ${e.message}`;
  if (expected.isClientError === false && !server) return `expected a server error, got ${e?.message}`;
  if (expected.errorContains && !String(e?.message).toLowerCase().includes(expected.errorContains.toLowerCase()))
    return `expected an error containing "${expected.errorContains}", got "${e?.message}"`;
  if (expected.errorCode !== undefined && e?.code !== expected.errorCode) return `expected error code ${expected.errorCode}, got ${e?.code} (${e?.message})`;
  if (expected.errorCodeName !== undefined && e?.codeName !== expected.errorCodeName)
    return `expected error ${expected.errorCodeName}, got ${e?.codeName ?? e?.code} (${e?.message})`;
  for (const label of expected.errorLabelsContain ?? []) if (!e?.hasErrorLabel?.(label)) return `expected the error label ${label}`;
  for (const label of expected.errorLabelsOmit ?? []) if (e?.hasErrorLabel?.(label)) return `expected no error label ${label}`;
  if (expected.errorResponse) {
    const miss = matches(expected.errorResponse, e?.errorResponse ?? e, true, 'errorResponse');
    if (miss) return miss;
  }
  if (expected.expectResult !== undefined) {
    const result = e?.result && typeof e.result === 'object' && 'upsertedIds' in e.result ? plainBulkResult(e.result as BulkWriteResult) : e?.result;
    const miss = matches(expected.expectResult, result, true, 'error.result');
    if (miss) return miss;
  }
  return null;
}

async function runOperations(test: UnifiedTest, entities: Entities): Promise<Mismatch> {
  for (const [i, op] of test.operations.entries()) {
    if (op.object === 'testRunner') throw new Skip(`test-runner operation ${op.name}`);
    let result: { value: unknown; cursor: boolean } | undefined;
    let error: unknown;
    try {
      result = await execute(op, entities);
    } catch (err) {
      if (err instanceof Skip) throw err;
      error = err;
    }
    const where = `operation ${i + 1} (${op.name})`;
    if (op.ignoreResultAndError) continue;
    if (op.expectError) {
      if (!error) return `${where}: expected an error, got ${EJSON.stringify(result!.value as Document, { relaxed: true })}`;
      const miss = checkError(op.expectError, error);
      if (miss) return `${where}: ${miss}`;
      continue;
    }
    if (error) return `${where}: ${(error as Error).name} ${(error as { code?: number }).code ?? ''}: ${(error as Error).message}`;
    if (op.expectResult !== undefined) {
      const { value, cursor } = result!;
      // A cursor's documents are root-level documents, each allowed extra fields.
      const miss =
        cursor && Array.isArray(op.expectResult) && Array.isArray(value) && value.length === op.expectResult.length
          ? (op.expectResult.map((e, k) => matches(e, value[k], true, `result[${k}]`)).find((m) => m) ?? null)
          : matches(op.expectResult, value, true, 'result');
      if (miss) return `${where}: ${miss}`;
    }
  }
  return null;
}

async function checkOutcome(internal: MongoClient, outcome: CollectionData[]): Promise<Mismatch> {
  for (const { databaseName, collectionName, documents } of outcome) {
    const actual = await internal
      .db(databaseName)
      .collection(collectionName)
      .find({}, { sort: { _id: 1 } })
      .toArray();
    const miss = exactlyEqual(documents, actual, `${databaseName}.${collectionName}`);
    if (miss) return `outcome: ${miss}`;
  }
  return null;
}

const TEST_TIMEOUT_MS = 20_000;

/** A passed test that had nothing to compare but the commands sent (expectEvents): only "no error". */
export const NOTHING_COMPARED = 'passed without an error; it compares nothing else (expectEvents are not checked)';
const comparesNothing = (test: UnifiedTest) => !test.outcome && test.operations.every((op) => op.expectResult === undefined && !op.expectError);

/** Runs every test of one file against the server at `uri`, each on fresh data and fresh clients. */
export async function runUnifiedFile(uri: string, name: string, file: UnifiedFile, server: ServerFacts): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  const fileUnmet = unmetRequirements(file.runOnRequirements, server);
  const internal = await new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect();
  try {
    for (const test of file.tests) {
      const operation = [...test.operations].reverse().find((op) => op.object !== 'testRunner')?.name ?? test.operations[0]?.name ?? '?';
      const verdict = (status: Status, reason?: string) =>
        verdicts.push({ file: name, test: test.description, operation, status, ...(reason ? { reason } : {}) });
      const unmet = fileUnmet ?? unmetRequirements(test.runOnRequirements, server);
      if (unmet) {
        verdict('skipped', unmet);
        continue;
      }
      if (test.skipReason) {
        verdict('skipped', `skipReason: ${test.skipReason}`);
        continue;
      }
      const lacked = lackedFeature(test, file);
      if (lacked) {
        verdict('skipped', `lacks ${lacked}`);
        continue;
      }
      let entities: Entities | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        const run = async () => {
          await setUp(internal, file.initialData ?? []);
          entities = await createEntities(uri, file.createEntities ?? []);
          return (await runOperations(test, entities)) ?? (test.outcome ? await checkOutcome(internal, test.outcome) : null);
        };
        const timeout = new Promise<Mismatch>((resolve) => {
          timer = setTimeout(() => resolve(`no answer within ${TEST_TIMEOUT_MS / 1000} s`), TEST_TIMEOUT_MS);
        });
        const miss = await Promise.race([run(), timeout]);
        verdict(miss ? 'failed' : 'passed', miss ?? (comparesNothing(test) ? NOTHING_COMPARED : undefined));
      } catch (err) {
        if (err instanceof Skip) verdict('skipped', err.message);
        else if (err instanceof UnsupportedMatch) verdict('skipped', err.message);
        else verdict('failed', `${(err as Error).name}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
        for (const client of entities?.clients.values() ?? []) await client.close(true);
      }
    }
  } finally {
    await internal.close();
  }
  return verdicts;
}
