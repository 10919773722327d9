import { jest } from '@jest/globals';
import { MongoClient, ObjectId } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/embedded-mongo.js';
import { ValueSet } from '../src/filter-values.js';

/**
 * A `$in` with thousands of values costs the embedded server one hashing of the list per query, not
 * one per document: the product reads a whole ingest batch's customers with one `$in`, as MongoDB
 * serves it from an index (server/src/modules/events/recent-order-dates.ts, loyalty/member.service.ts).
 * mingo, which CongoDB matches with, hashes the list again for every document it tests, which made the
 * product cut its reads into slices of 50; the compiled filters (compiled-filter.ts) hash it once.
 */
let mongo: EmbeddedMongo;
let client: MongoClient;
beforeAll(async () => {
  mongo = await startEmbeddedMongo({ dbName: 'in_list' });
  client = await new MongoClient(mongo.uri).connect();
});
afterAll(async () => {
  await client?.close();
  await mongo?.stop();
});

test('a 5,000-customer $in with a sort and a limit returns every customer’s newest orders, hashing the list once', async () => {
  const col = client.db().collection('counted_orders');
  await col.createIndex({ tenantId: 1, customerId: 1, kind: 1, at: -1 });
  const customers = Array.from({ length: 5_000 }, () => new ObjectId());
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n));
  const docs = customers.flatMap((customerId, i) =>
    [0, 1, 2, 3].map((k) => ({ tenantId: 't', customerId, kind: k === 3 ? 'refund' : 'paid', at: day((i + k * 7) % 300) })),
  );
  for (let i = 0; i < docs.length; i += 5_000) await col.insertMany(docs.slice(i, i + 5_000));

  const hashed = jest.spyOn(ValueSet, 'of');
  const perCustomer = 3; // every paid order of each: the limit is what the product sets, reached exactly
  const rows = await col
    .find({ tenantId: 't', customerId: { $in: customers }, kind: 'paid' })
    .sort({ customerId: 1, at: -1 })
    .limit(customers.length * perCustomer)
    .project({ _id: 0, customerId: 1, at: 1 })
    .toArray();
  // Compiled once or twice per statement (planning and matching), never per document (20,000 here).
  expect(hashed.mock.calls.length).toBeGreaterThanOrEqual(1);
  expect(hashed.mock.calls.length).toBeLessThanOrEqual(3);
  hashed.mockRestore();

  const got = new Map<string, number[]>();
  for (const r of rows) got.set(String(r.customerId), [...(got.get(String(r.customerId)) ?? []), (r.at as Date).getTime()]);
  const newest = (i: number) =>
    [0, 1, 2]
      .map((k) => day((i + k * 7) % 300).getTime())
      .sort((a, b) => b - a)
      .slice(0, perCustomer);
  expect(got.size).toBe(customers.length);
  for (const [i, id] of customers.entries()) expect(got.get(String(id))).toEqual(newest(i));
}, 60_000);
