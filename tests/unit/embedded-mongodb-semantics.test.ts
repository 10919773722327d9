import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { ConversationModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * What the product relies on MongoDB to do, asked of the run's server: the embedded one
 * (scripts/embedded/) or a real MongoDB when MONGODB_URI is given. Each case is MongoDB's documented
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
    await col.insertOne({ k: 1, members: [{ customerId: a, name: 'A' }, { customerId: b, name: 'B' }, { customerId: c, name: 'C' }] });
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
    expect(await col.find({}, { projection: { _id: 0 } }).sort({ k: 1 }).toArray()).toEqual([
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
    await col.updateOne({ k: 1 }, { $setOnInsert: { 'sla.responses': 0, 'sla.breaches': [] }, $set: { 'a.b': 1 }, $inc: { 'c.d': 2 }, $push: { 'e.f': 3 } } as never, { upsert: true });
    expect(await col.findOne({ k: 1 }, { projection: { _id: 0 } })).toEqual({ k: 1, sla: { responses: 0, breaches: [] }, a: { b: 1 }, c: { d: 2 }, e: { f: [3] } });
    const after = await col.findOneAndUpdate({ k: 2 }, { $setOnInsert: { 'sla.responses': 0 }, $set: { 'sla.kind': 'first' } }, { upsert: true, returnDocument: 'after', projection: { _id: 0 } });
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
