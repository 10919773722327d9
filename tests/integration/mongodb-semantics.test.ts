import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { ConversationModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * What the product relies on MongoDB to do, asked of the run's server: the embedded one
 * (packages/embedded-mongo/) or a real MongoDB when MONGODB_URI is given. Each case is MongoDB's documented
 * answer (the manual page or server source named beside it); the embedded server used to answer
 * several of them differently, which hid product bugs (issue 17, item 6).
 */
let client: MongoClient;
let db: Db;
const dbName = `semantics_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  client = await new MongoClient(process.env.MONGODB_URI!).connect();
  db = client.db(dbName);
});
afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

const fresh = (name: string) => db.collection(`${name}_${randomBytes(3).toString('hex')}`);

// manual: reference/operator/update/pull; server: src/mongo/db/update/pull_node.cpp
describe('$pull removes the array elements its condition matches', () => {
  test('a query on sub-documents, with operators inside, removes every matching member and keeps the others', async () => {
    const col = fresh('pull');
    const a = new ObjectId();
    const b = new ObjectId();
    const c = new ObjectId();
    await col.insertOne({
      k: 1,
      members: [
        { customerId: a, name: 'A' },
        { customerId: b, name: 'B' },
        { customerId: c, name: 'C' },
      ],
    });
    const res = await col.updateOne({ k: 1 }, { $pull: { members: { customerId: { $in: [a, c] } } } } as never);
    expect(res.modifiedCount).toBe(1);
    expect((await col.findOne({ k: 1 }))!.members).toEqual([{ customerId: b, name: 'B' }]);
  });

  test('a sub-document condition without operators matches elements that have those values, whatever else they hold', async () => {
    const col = fresh('pull');
    await col.insertOne({ k: 1, members: [{ userid: 'u1', type: 2 }, { userid: 'u2', type: 2 }, 'u1'] });
    await col.updateOne({ k: 1 }, { $pull: { members: { userid: 'u1' } } } as never);
    expect((await col.findOne({ k: 1 }))!.members).toEqual([{ userid: 'u2', type: 2 }, 'u1']);
  });

  test('an operator condition on plain values ($in, $gte) applies to each element itself', async () => {
    const col = fresh('pull');
    await col.insertOne({ k: 1, tags: ['x', 'y', 'z'], n: [1, 5, 9] });
    await col.updateOne({ k: 1 }, { $pull: { tags: { $in: ['x', 'z'] }, n: { $gte: 5 } } } as never);
    expect(await col.findOne({ k: 1 }, { projection: { _id: 0 } })).toEqual({ k: 1, tags: ['y'], n: [1] });
  });

  test('a plain value removes the elements equal to it; an updateMany pulls from every matched document', async () => {
    const col = fresh('pull');
    await col.insertMany([
      { k: 1, followers: ['s1', 's2', 's1'] },
      { k: 2, followers: ['s3'] },
      { k: 3, followers: ['s1'] },
    ]);
    const res = await col.updateMany({}, { $pull: { followers: 's1' } } as never);
    expect(res).toMatchObject({ matchedCount: 3, modifiedCount: 2 });
    expect(
      await col
        .find({}, { projection: { _id: 0 } })
        .sort({ k: 1 })
        .toArray(),
    ).toEqual([
      { k: 1, followers: ['s2'] },
      { k: 2, followers: ['s3'] },
      { k: 3, followers: [] },
    ]);
  });
});

// manual: reference/operator/update/setOnInsert ("To specify a <field> in an embedded document ... use dot notation")
describe('an upsert that inserts sets dotted paths as nested fields', () => {
  test('$setOnInsert, $set, $inc and $push with dotted paths, through update and findAndModify', async () => {
    const col = fresh('upsert');
    await col.updateOne(
      { k: 1 },
      { $setOnInsert: { 'sla.responses': 0, 'sla.breaches': [] }, $set: { 'a.b': 1 }, $inc: { 'c.d': 2 }, $push: { 'e.f': 3 } } as never,
      { upsert: true },
    );
    expect(await col.findOne({ k: 1 }, { projection: { _id: 0 } })).toEqual({
      k: 1,
      sla: { responses: 0, breaches: [] },
      a: { b: 1 },
      c: { d: 2 },
      e: { f: [3] },
    });
    const after = await col.findOneAndUpdate(
      { k: 2 },
      { $setOnInsert: { 'sla.responses': 0 }, $set: { 'sla.kind': 'first' } },
      { upsert: true, returnDocument: 'after', projection: { _id: 0 } },
    );
    expect(after).toEqual({ k: 2, sla: { responses: 0, kind: 'first' } });
    expect(await col.findOne({ k: 2 }, { projection: { _id: 0 } })).toEqual({ k: 2, sla: { responses: 0, kind: 'first' } });
    // Found, not inserted: $setOnInsert does nothing.
    await col.updateOne({ k: 1 }, { $setOnInsert: { 'sla.responses': 9 }, $inc: { 'c.d': 1 } } as never, { upsert: true });
    expect(await col.findOne({ k: 1 }, { projection: { _id: 0, sla: 1, c: 1 } })).toEqual({ sla: { responses: 0, breaches: [] }, c: { d: 3 } });
  });

  test("a conversation opened by mongoose's upsert stores its SLA defaults nested, and the SLA counter adds to them", async () => {
    const conn = await mongoose.createConnection(process.env.MONGODB_URI!, { dbName }).asPromise();
    try {
      const Conversation = conn.model('Conversation', ConversationModel.schema, `conversations_${randomBytes(3).toString('hex')}`);
      const filter = { tenantId: 't', botAccountId: 'bot', peerId: 'wxid_1' };
      await Conversation.findOneAndUpdate(filter, { $setOnInsert: { ...filter, kind: 'private', state: 'bot' } }, { upsert: true, returnDocument: 'after' });
      const raw = await Conversation.collection.findOne(filter);
      expect(Object.keys(raw!).filter((k) => k.includes('.'))).toEqual([]);
      expect(raw!.sla).toEqual({ responses: 0, totalResponseMs: 0, breaches: [] });
      await Conversation.updateOne(filter, { $inc: { 'sla.responses': 1, 'sla.totalResponseMs': 500 } });
      expect((await Conversation.collection.findOne(filter))!.sla).toEqual({ responses: 1, totalResponseMs: 500, breaches: [] });
    } finally {
      await conn.close();
    }
  });
});

// server: src/mongo/db/catalog/index_catalog_impl.cpp (_doesSpecConflictWithExisting),
// src/mongo/db/index/index_descriptor.cpp (compareIndexOptions); manual: reference/command/createIndexes
describe('indexes are created, re-created and refused as MongoDB does', () => {
  test('a unique index dropped with its collection and created again refuses duplicates again', async () => {
    const col = fresh('unique');
    await col.createIndex({ key: 1 }, { unique: true });
    await col.insertOne({ key: 'a' });
    await col.drop();
    await col.createIndex({ key: 1 }, { unique: true });
    await col.insertOne({ key: 'a' });
    await expect(col.insertOne({ key: 'a' })).rejects.toMatchObject({ code: 11000 });
    expect(await col.countDocuments({ key: 'a' })).toBe(1);
  });

  test('the same spec again is accepted; its name with other options or another key is refused, and so is its key under another name', async () => {
    const col = fresh('conflict');
    await col.createIndex({ k: 1 });
    await col.createIndex({ p: 1 }, { unique: true, partialFilterExpression: { p: { $exists: true } } });
    await col.createIndex({ t: 1 }, { expireAfterSeconds: 60 });
    await expect(col.createIndex({ k: 1 })).resolves.toBe('k_1');
    // unique, sparse, collation and the partial filter identify an index: another one under the same name is a key-spec conflict.
    await expect(col.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 86, codeName: 'IndexKeySpecsConflict' });
    await expect(col.createIndex({ p: 1 }, { unique: true, partialFilterExpression: { p: { $type: 'string' } } })).rejects.toMatchObject({ code: 86 });
    await expect(col.createIndex({ other: 1 }, { name: 'k_1' })).rejects.toMatchObject({ code: 86 });
    // The same index with another TTL is an options conflict.
    await expect(col.createIndex({ t: 1 }, { expireAfterSeconds: 120 })).rejects.toMatchObject({ code: 85, codeName: 'IndexOptionsConflict' });
    await expect(col.createIndex({ k: 1 }, { name: 'k_again' })).rejects.toMatchObject({ code: 85 });
    const listed = await col.indexes();
    expect(listed.map((i) => i.name)).toEqual(['_id_', 'k_1', 'p_1', 't_1']);
    expect(listed.find((i) => i.name === 'p_1')).toMatchObject({ key: { p: 1 }, unique: true, partialFilterExpression: { p: { $exists: true } } });
    expect(listed.find((i) => i.name === 'k_1')!.unique).toBeUndefined();
  });

  test('a unique index over documents that already repeat a key is not built', async () => {
    const col = fresh('build');
    await col.insertMany([{ key: 'a' }, { key: 'a' }, { other: 1 }]);
    await expect(col.createIndex({ key: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    expect((await col.indexes()).map((i) => i.name)).toEqual(['_id_']);
    await col.insertOne({ key: 'a' });
    expect(await col.countDocuments({ key: 'a' })).toBe(3);
  });
});

// server: src/mongo/db/storage/duplicate_key_error_info.cpp; specifications: source/crud/crud.md (WriteError)
describe('a duplicate key names its index, pattern and values', () => {
  const dupKey = (ns: string, index: string, key: string) => `E11000 duplicate key error collection: ${ns} index: ${index} dup key: ${key}`;

  test('on insert, update, upsert, findOneAndUpdate and an unordered insertMany', async () => {
    const col = fresh('dup');
    const ns = `${dbName}.${col.collectionName}`;
    await col.createIndex({ tenantId: 1, code: 1 }, { unique: true });
    await col.insertMany([
      { tenantId: 't', code: 'A' },
      { tenantId: 't', code: 'B' },
    ]);
    const expected = {
      code: 11000,
      keyPattern: { tenantId: 1, code: 1 },
      keyValue: { tenantId: 't', code: 'A' },
      errmsg: dupKey(ns, 'tenantId_1_code_1', '{ tenantId: "t", code: "A" }'),
    };
    await expect(col.insertOne({ tenantId: 't', code: 'A' })).rejects.toMatchObject(expected);
    await expect(col.updateOne({ code: 'B' }, { $set: { code: 'A' } })).rejects.toMatchObject(expected);
    await expect(col.updateOne({ tenantId: 't', code: 'C' }, { $set: { code: 'A' } }, { upsert: true })).rejects.toMatchObject(expected);
    await expect(col.findOneAndUpdate({ code: 'B' }, { $set: { code: 'A' } })).rejects.toMatchObject(expected);
    const many = await col
      .insertMany(
        [
          { tenantId: 't', code: 'D' },
          { tenantId: 't', code: 'B' },
        ],
        { ordered: false },
      )
      .catch((e) => e);
    expect(many.writeErrors.map((w: any) => ({ index: w.index, code: w.code, errmsg: w.errmsg }))).toEqual([
      { index: 1, code: 11000, errmsg: dupKey(ns, 'tenantId_1_code_1', '{ tenantId: "t", code: "B" }') },
    ]);
  });

  // specifications: source/crud/tests/unified/findOneAndUpdate-errorResponse.yml
  test('an upserting findOneAndUpdate that collides answers with the key pattern and values', async () => {
    const col = fresh('dup');
    await col.insertOne({ _id: 1 as never, x: 'foo' });
    await col.createIndex({ x: 1 }, { unique: true });
    await expect(col.findOneAndUpdate({ _id: 2 as never }, { $set: { x: 'foo' } }, { upsert: true })).rejects.toMatchObject({
      code: 11000,
      errorResponse: expect.objectContaining({ keyPattern: { x: 1 }, keyValue: { x: 'foo' } }),
    });
  });

  test('values print as MongoDB prints them; a missing field is null', async () => {
    const col = fresh('dup');
    const ns = `${dbName}.${col.collectionName}`;
    const id = new ObjectId();
    await col.createIndex({ customerId: 1, slot: 1, missing: 1 }, { unique: true });
    await col.insertOne({ customerId: id, slot: 0 });
    await expect(col.insertOne({ customerId: id, slot: 0 })).rejects.toMatchObject({
      keyValue: { customerId: id, slot: 0, missing: null },
      errmsg: dupKey(ns, 'customerId_1_slot_1_missing_1', `{ customerId: ObjectId('${id.toHexString()}'), slot: 0, missing: null }`),
    });
  });
});

// manual: core/document ("The _id field ... may be of any type other than an array or regex")
describe('_id may be any value but an array', () => {
  test('strings, numbers, sub-documents and 0 are stored as given, found, updated, deleted and kept unique', async () => {
    const col = fresh('ids');
    const ids = ['order-1', 7, { tenant: 't', n: 1 }, 0, new ObjectId().toHexString()];
    for (const _id of ids) await col.insertOne({ _id: _id as never, v: 1 });
    expect((await col.find({}).toArray()).map((d) => d._id)).toEqual(ids);
    for (const _id of ids) expect(await col.findOne({ _id: _id as never })).toEqual({ _id, v: 1 });
    await expect(col.insertOne({ _id: 'order-1' as never })).rejects.toMatchObject({ code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 'order-1' } });
    await expect(col.insertOne({ _id: [1, 2] as never })).rejects.toMatchObject({ code: 53 });
    await col.updateOne({ _id: 7 as never }, { $inc: { v: 1 } });
    await col.updateOne({ _id: 'order-2' as never }, { $set: { v: 5 } }, { upsert: true });
    await col.deleteOne({ _id: { tenant: 't', n: 1 } as never });
    expect(await col.find({}, { projection: { v: 1 } }).toArray()).toEqual([
      { _id: 'order-1', v: 1 },
      { _id: 7, v: 2 },
      { _id: 0, v: 1 },
      { _id: ids[4], v: 1 },
      { _id: 'order-2', v: 5 },
    ]);
    // specifications: source/crud/tests/unified/create-null-ids.yml (an upsert; the Node driver itself
    // gives a null _id of insertOne a new ObjectId).
    await col.updateOne({ _id: null as never }, { $unset: { a: '' } }, { upsert: true });
    expect(await col.countDocuments({ _id: { $type: 'null' } as never })).toBe(1);
    await col.deleteOne({ _id: null as never });
    // A 24-hex-digit string stays a string: it is not the ObjectId it spells.
    expect(await col.countDocuments({ _id: new ObjectId(ids[4] as string) as never })).toBe(0);
  });
});
