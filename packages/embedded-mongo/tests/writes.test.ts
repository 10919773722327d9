import fc from 'fast-check';
import { EJSON, ObjectId } from 'bson';
import { MongoClient, ObjectId as DriverObjectId } from 'mongodb';
import { embeddedClient, embeddedTest } from '../../../tests/support/embedded-server.js';
// The package exposes CongoDB only by deep path.
import { MemoryStorageAdapter } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { DeleteHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/DeleteHandler.js';
import { FindHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/FindHandler.js';
import { InsertHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/InsertHandler.js';
import { UpdateHandler } from '@push.rocks/smartmongo/dist_ts/congodb/server/handlers/UpdateHandler.js';
import { installStorageExtensions } from '../src/embedded-mongo.js';
import { installCompiledMatching } from '../src/compiled-matching.js';
import { installDecoratedSort } from '../src/decorated-sort.js';
import { installDuplicateKeyReplies } from '../src/duplicate-key.js';
import { installUpdateStatement, originalHandleUpdate } from '../src/update-statement.js';
import { runs } from './runs.js';

/**
 * The embedded server's write path (packages/embedded-mongo/src/collection-snapshots.ts: one array per collection
 * kept up to date by each write; update-statement.ts: "modified" by jsonEqual) against CongoDB's own:
 * the same random sequences of insert, update (multi, upsert, no-op, replacement), delete and
 * findAndModify commands go to a plain MemoryStorageAdapter with CongoDB's update handler and to one
 * with our storage extensions and handler. Every answer (n, nModified, upserted, write errors, the
 * documents findAndModify returns) must be the same, and after every command the collection — in its
 * natural order, which finds without a sort return — and a sorted find must be the same. The array
 * our storage hands out must be exactly the Map's values, in order, after every command.
 */
installCompiledMatching();
installDecoratedSort();
installUpdateStatement();
installDuplicateKeyReplies();

const ids = Array.from({ length: 60 }, (_, i) => new ObjectId(`64b7f0c2a1b2c3d4e5f607${i.toString(16).padStart(2, '0')}`));
const when = new Date('2026-03-01T10:00:00.000Z');
const id = fc.constantFrom(...ids);
const k = fc.integer({ min: 0, max: 5 });
const tag = fc.constantFrom('x', 'y', 'z');
const n = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(1.5), fc.constant(null));
const d = fc.constantFrom(when, new Date(when.getTime() + 1), when.toISOString(), null);
const doc = fc.record(
  { _id: id, k, tag, n, d, arr: fc.array(tag, { maxLength: 2 }), sub: fc.record({ x: k }, { requiredKeys: [] }) },
  { requiredKeys: ['_id', 'k'] },
);
const filter = fc.oneof(
  fc.constant({}),
  k.map((v) => ({ k: v })),
  fc.array(k, { minLength: 1, maxLength: 3 }).map((vs) => ({ k: { $in: vs } })),
  id.map((v) => ({ _id: v })),
  fc.tuple(tag, k).map(([t, v]) => ({ tag: t, k: { $gte: v } })),
  fc.array(id, { minLength: 1, maxLength: 4 }).map((vs) => ({ _id: { $in: vs } })),
  tag.map((t) => ({ arr: t })),
);
const update = fc.oneof(
  n.map((v) => ({ $set: { n: v } })),
  d.map((v) => ({ $set: { d: v } })),
  fc.constantFrom(0, 1).map((v) => ({ $inc: { k: v } })),
  fc.constant({ $unset: { tag: '' } }),
  fc.constant({ $unset: { missing: '' } }),
  tag.map((t) => ({ $push: { arr: t } })),
  tag.map((t) => ({ $addToSet: { arr: t } })),
  fc.constant({ $rename: { tag: 'label' } }),
  k.map((v) => ({ $max: { k: v }, $min: { 'sub.x': v } })),
  fc.tuple(k, tag).map(([v, t]) => ({ k: v, tag: t })),
  fc.tuple(n, k).map(([v, w]) => ({ $set: { n: v }, $setOnInsert: { created: true, k: w } })),
);
const updateSpec = fc.record({ q: filter, u: update, multi: fc.boolean(), upsert: fc.boolean(), upsertId: id }).map(({ q, u, multi, upsert, upsertId }) =>
  // An upsert's new _id is random unless the filter names one: name one, so both sides agree.
  upsert ? { q: { ...q, _id: upsertId }, u, multi, upsert } : { q, u, multi },
);
const command = fc.oneof(
  fc.record({ insert: fc.constant('c'), documents: fc.array(doc, { minLength: 1, maxLength: 4 }), ordered: fc.boolean() }),
  { arbitrary: fc.record({ update: fc.constant('c'), updates: fc.array(updateSpec, { minLength: 1, maxLength: 3 }), ordered: fc.boolean() }), weight: 3 },
  fc.record({ delete: fc.constant('c'), deletes: fc.array(fc.record({ q: filter, limit: fc.constantFrom(0, 1) }), { minLength: 1, maxLength: 2 }) }),
  fc.record({ findAndModify: fc.constant('c'), query: filter, update, new: fc.boolean(), sort: fc.constantFrom(undefined, { k: -1 }) }),
  fc.record({ findAndModify: fc.constant('c'), query: filter, remove: fc.constant(true) }),
);

const clone = <T>(v: T): T => EJSON.parse(EJSON.stringify(v, { relaxed: false }), { relaxed: false }) as T;
const text = (v: unknown) => EJSON.stringify(v, { relaxed: false });

// A handler that throws (findAndModify does not catch) is answered with its message, as the router would.
async function run(storage: any, cmd: Record<string, any>, original: boolean) {
  try {
    return await runHandler(storage, cmd, original);
  } catch (error) {
    return { threw: (error as Error).message };
  }
}

/**
 * CongoDB's answer to a second document with the same _id (its storage's own error, code 1 from an
 * upsert), restated as MongoDB's: E11000 on the _id_ index with keyPattern and keyValue
 * (document-ids.ts, duplicate-key.ts). Every other answer is compared as CongoDB gives it.
 */
function asMongoDb(reply: any) {
  for (const [i, we] of ((reply?.writeErrors ?? []) as any[]).entries()) {
    const m = /^Duplicate key error: _id ([0-9a-f]{24})$/.exec(we.errmsg);
    if (!m) continue;
    reply.writeErrors[i] = {
      index: we.index,
      code: 11000,
      errmsg: `E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: ObjectId('${m[1]}') }`,
      keyPattern: { _id: 1 },
      keyValue: { _id: new ObjectId(m[1]) },
    };
  }
  return reply;
}

async function runHandler(storage: any, cmd: Record<string, any>, original: boolean) {
  const context = { storage, database: 'db', command: clone(cmd) };
  if (cmd.insert) return new InsertHandler().handle(context as any);
  if (cmd.delete) return new DeleteHandler().handle(context as any);
  const handler = new UpdateHandler();
  if (typeof cmd.update === 'string' && original) return originalHandleUpdate.call(handler, context);
  return handler.handle(context as any);
}

async function find(storage: any, f: Record<string, unknown>, sort?: Record<string, unknown>) {
  const finder = new FindHandler(new Map(), () => 1n);
  const answer: any = await finder.handle({ storage, database: 'db', command: { find: 'c', filter: clone(f), sort, batchSize: 1000 } } as any);
  return answer.cursor.firstBatch;
}

test('writes and the reads after them answer as CongoDB does, command by command', async () => {
  let commands = 0;
  let modifiedNothing = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(doc, { selector: (x) => x._id.toHexString(), minLength: 20, maxLength: 50 }),
      fc.array(command, { minLength: 5, maxLength: 25 }),
      filter,
      async (seed, cmds, probe) => {
        const ref = new MemoryStorageAdapter();
        const ours = new MemoryStorageAdapter();
        installStorageExtensions(ours);
        await run(ref, { insert: 'c', documents: seed }, true);
        await run(ours, { insert: 'c', documents: seed }, false);
        // Our storage builds its array on the first read: read before writing, as the server does.
        await find(ours, {});
        for (const cmd of cmds) {
          commands++;
          const expected = asMongoDb(await run(ref, cmd, true));
          const actual = await run(ours, cmd, false);
          expect(text(actual)).toBe(text(expected));
          if (typeof (cmd as Record<string, unknown>).update === 'string' && (expected as any).nModified === 0 && (expected as any).n > 0) modifiedNothing++;
          const map = [...(ours as any).ensureCollection('db', 'c').values()];
          const array = await ours.findAll('db', 'c');
          expect(array.length).toBe(map.length);
          array.forEach((docInArray: unknown, i: number) => expect(docInArray).toBe(map[i]));
          expect(text(await find(ours, {}))).toBe(text(await find(ref, {})));
          expect(text(await find(ours, probe, { k: 1, n: -1 }))).toBe(text(await find(ref, probe, { k: 1, n: -1 })));
        }
      },
    ),
    { numRuns: runs(300), endOnFailure: true },
  );
  // Updates that matched and changed nothing (the JSON comparison said "same") must have occurred.
  expect(modifiedNothing).toBeGreaterThan(runs(300) / 6);
  expect(commands).toBeGreaterThan(runs(300) * 10);
});

// Through the driver, against the run's embedded server (tests/support/global-setup.mjs).
const maybe = embeddedTest;
describe('the embedded server after writes, through the driver', () => {
  const client = embeddedClient();
  const db = () => client().db(`writes_${process.pid}`);

  maybe('a unique index created after writes refuses duplicates on insert, update and upsert; dropping it lets them in', async () => {
    const col = db().collection('unique');
    await col.insertMany(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, n: i })));
    await col.updateMany({ n: { $lt: 10 } }, { $inc: { n: 100 } });
    expect(await col.countDocuments({ n: { $gte: 100 } })).toBe(10);
    await col.createIndex({ key: 1 }, { unique: true });
    await expect(col.insertOne({ key: 'k3' })).rejects.toMatchObject({ code: 11000 });
    await expect(col.updateOne({ key: 'k4' }, { $set: { key: 'k5' } })).rejects.toMatchObject({ code: 11000 });
    await expect(col.updateOne({ key: 'new' }, { $set: { key: 'k6' } }, { upsert: true })).rejects.toMatchObject({ code: 11000 });
    // A key freed by an update can be taken; the old value of an updated document is free again.
    await col.updateOne({ key: 'k7' }, { $set: { key: 'k7b' } });
    await col.insertOne({ key: 'k7' });
    expect(await col.countDocuments({ key: { $in: ['k7', 'k7b'] } })).toBe(2);
    await col.dropIndex('key_1');
    await col.insertOne({ key: 'k3' });
    expect(await col.countDocuments({ key: 'k3' })).toBe(2);
    // A partial unique index applies only where its filter matches, after writes; built over rows
    // without the field (none of them in the index), as MongoDB builds it.
    const partial = db().collection('partial');
    await partial.insertMany(Array.from({ length: 40 }, (_, i) => ({ key: `k${i}` })));
    await partial.createIndex({ code: 1 }, { unique: true, partialFilterExpression: { code: { $exists: true } } });
    await partial.updateMany({}, { $set: { seen: true } });
    await partial.updateOne({ key: 'k30' }, { $set: { code: 'c' } });
    await expect(partial.updateOne({ key: 'k31' }, { $set: { code: 'c' } })).rejects.toMatchObject({ code: 11000 });
    await partial.updateOne({ key: 'k30' }, { $unset: { code: '' } });
    await partial.updateOne({ key: 'k31' }, { $set: { code: 'c' } });
    expect(await partial.countDocuments({ code: 'c' })).toBe(1);
  });

  maybe('every kind of write is seen by the next read, in natural order, and an updateMany while others write counts what it changed', async () => {
    const col = db().collection('order');
    const base = Array.from({ length: 200 }, (_, i) => ({ _id: new DriverObjectId(), i, g: i % 4, n: 0 }));
    await col.insertMany(base);
    const natural = async () => (await col.find({}).toArray()).map((d) => d.i);
    let expected = base.map((d) => d.i);
    expect(await natural()).toEqual(expected);
    await col.updateOne({ i: 5 }, { $set: { n: 1 } });
    expect((await col.findOne({ i: 5 }))?.n).toBe(1);
    await col.replaceOne({ i: 6 }, { i: 6, g: 9, n: 2 });
    expect(await col.countDocuments({ g: 9 })).toBe(1);
    await col.deleteMany({ i: { $in: [1, 2, 3] } });
    expected = expected.filter((i) => ![1, 2, 3].includes(i));
    expect(await natural()).toEqual(expected);
    await col.insertOne({ _id: base[1]._id, i: 1, g: 1, n: 0 });
    expected.push(1);
    expect(await natural()).toEqual(expected);
    await col.findOneAndUpdate({ i: 7 }, { $inc: { n: 5 } });
    expect((await col.findOne({ i: 7 }))?.n).toBe(5);
    await col.findOneAndDelete({ i: 8 });
    expected = expected.filter((i) => i !== 8);
    expect(await natural()).toEqual(expected);
    await col.updateOne({ i: 1000 }, { $set: { g: 7 } }, { upsert: true });
    expected.push(1000);
    expect(await natural()).toEqual(expected);
    // An update that changes nothing is matched and not modified (g 0: fifty, i 8 deleted).
    expect(await col.updateMany({ g: 0 }, { $set: { n: 0 } })).toMatchObject({ matchedCount: 49, modifiedCount: 0 });

    // updateMany({}) on its own connection while two other clients insert and update.
    const others = await Promise.all([1, 2].map(() => new MongoClient(process.env.MONGODB_URI!, { maxPoolSize: 4 }).connect()));
    try {
      const before = await col.countDocuments({});
      const [many] = await Promise.all([
        col.updateMany({}, { $inc: { n: 10 } }),
        ...Array.from({ length: 20 }, (_, j) =>
          others[0]
            .db(`writes_${process.pid}`)
            .collection('order')
            .insertOne({ i: 2000 + j, g: 5, n: 0 }),
        ),
        ...Array.from({ length: 20 }, (_, j) =>
          others[1]
            .db(`writes_${process.pid}`)
            .collection('order')
            .updateOne({ i: 100 + j }, { $set: { touched: true } }),
        ),
      ]);
      const after = await col.find({}).toArray();
      const incremented = after.filter((d) => d.n >= 10).length;
      expect(many.modifiedCount).toBe(incremented);
      expect(incremented).toBeGreaterThanOrEqual(before);
      expect(after.length).toBe(before + 20);
      expect(after.filter((d) => d.touched).length).toBe(20);
      // Each document was incremented at most once.
      expect(after.every((d) => d.n < 20)).toBe(true);
    } finally {
      await Promise.all(others.map((c) => c.close()));
    }
  });
});
