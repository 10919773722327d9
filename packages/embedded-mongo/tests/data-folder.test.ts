import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Binary, Decimal128, Long, MongoClient, ObjectId } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/embedded-mongo.js';
import { snapshotFile } from '../src/data-folder.js';

/**
 * The embedded server keeps its data in a folder (the demo's `npm start`): what was written is there
 * after a restart, with the same types, and the unique indexes still refuse duplicates.
 */
const root = mkdtempSync(path.join(tmpdir(), 'scrm-embedded-data-'));
const servers: EmbeddedMongo[] = [];
const clients: MongoClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const s of servers) await s.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

/** Polls `check` until it holds or `ms` have passed. */
async function until(check: () => Promise<boolean>, ms: number, everyMs: number): Promise<boolean> {
  for (const end = performance.now() + ms; performance.now() < end; await new Promise((r) => setTimeout(r, everyMs))) if (await check()) return true;
  return false;
}

async function start(dir: string, snapshotEveryMs?: number) {
  const mongo = await startEmbeddedMongo({ dbName: 'kept', dataDir: dir, snapshotEveryMs });
  servers.push(mongo);
  const client = await new MongoClient(mongo.uri).connect();
  clients.push(client);
  return { mongo, client, col: client.db().collection('things') };
}

const at = new Date('2026-03-01T08:00:00Z');
const oid = new ObjectId();
const docs = [
  {
    _id: oid,
    key: 'a',
    at,
    n: 1,
    big: Long.fromString('9007199254740993'),
    price: Decimal128.fromString('12.30'),
    bytes: new Binary(Buffer.from([1, 2, 3])),
    nested: { list: [1, 'x', null], when: at },
  },
  { _id: 'order-17', key: 'b', phone: '13800000000' },
  { _id: 42, key: 'c', phone: '13800000000', deleted: true },
];

test('a restart keeps documents of every type, their _ids and the unique indexes', async () => {
  const dir = path.join(root, 'restart');
  const first = await start(dir);
  expect(first.mongo.restored).toBe(false);
  await first.mongo.persist();
  await first.col.createIndex({ key: 1 }, { unique: true });
  await first.col.createIndex({ phone: 1 }, { unique: true, partialFilterExpression: { deleted: { $ne: true } } });
  await first.col.insertMany(docs.map((d) => ({ ...d })) as never);
  await first.col.updateOne({ _id: 'order-17' } as never, { $set: { note: 'changed' } });
  await first.mongo.stop();

  const second = await start(dir);
  expect(second.mongo.restored).toBe(true);
  const read = await second.col.find({}).sort({ key: 1 }).toArray();
  expect(read).toEqual([docs[0], { ...docs[1], note: 'changed' }, docs[2]]);
  expect(read[0].big).toBeInstanceOf(Long);
  expect(read[0].at).toBeInstanceOf(Date);
  expect(await second.col.findOne({ _id: oid })).toEqual(docs[0]);
  const indexes = await second.col.listIndexes().toArray();
  expect(indexes.map((i) => i.name).sort()).toEqual(['_id_', 'key_1', 'phone_1']);
  expect(indexes.find((i) => i.name === 'phone_1')!.partialFilterExpression).toEqual({ deleted: { $ne: true } });
  await expect(second.col.insertOne({ key: 'a' })).rejects.toMatchObject({ code: 11000 });
  await expect(second.col.insertOne({ key: 'd', phone: '13800000000' })).rejects.toMatchObject({ code: 11000 });
  await expect(second.col.insertOne({ _id: 'order-17', key: 'e' } as never)).rejects.toMatchObject({ code: 11000 });
  await second.mongo.stop();
}, 30_000);

test('nothing is kept until persist() is called: a start stopped before that leaves the folder empty', async () => {
  const dir = path.join(root, 'not-yet');
  const first = await start(dir);
  await first.col.insertOne({ key: 'half-seeded' });
  await first.mongo.stop();
  expect(existsSync(snapshotFile(dir))).toBe(false);
  const second = await start(dir);
  expect(second.mongo.restored).toBe(false);
  expect(await second.col.countDocuments({})).toBe(0);
  await second.mongo.stop();
}, 30_000);

test('writes reach the folder on schedule, without a stop (a crash loses only the last moments)', async () => {
  const dir = path.join(root, 'scheduled');
  const running = await start(dir, 100);
  await running.mongo.persist();
  await running.col.insertOne({ key: 'written-while-running' });
  // A copy of the folder, taken while the server runs, is what a crash would leave behind.
  const copy = path.join(root, 'crash-copy');
  const seen = await until(
    async () => {
      if (!existsSync(snapshotFile(dir))) return false;
      rmSync(copy, { recursive: true, force: true });
      cpSync(dir, copy, { recursive: true });
      const after = await start(copy);
      const n = await after.col.countDocuments({ key: 'written-while-running' });
      await after.mongo.stop();
      return n === 1;
    },
    10_000,
    100,
  );
  expect(seen).toBe(true);
  await running.mongo.stop();
}, 30_000);
