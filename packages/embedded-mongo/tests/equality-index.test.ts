import fc from 'fast-check';
import { ObjectId } from 'mongodb';
import { embeddedClient, embeddedTest } from '../../../tests/support/embedded-server.js';
import { Query } from 'mingo';

/**
 * The embedded MongoDB answers equality filters from its own indexes (packages/embedded-mongo/src/
 * equality-index.ts). Whatever the documents hold — mixed types, arrays, nulls, missing fields —
 * and whatever writes happened since, a query must return exactly what a full scan would.
 */
// The run's embedded server (tests/support/global-setup.mjs), loaded by Node as in the demo; a
// server started inside Jest's module sandbox would not be the same code path.
const maybe = embeddedTest;
const client = embeddedClient();

const ids = [new ObjectId(), new ObjectId(), new ObjectId()];
// Small domains, so that filters and documents often meet. `a` holds strings (as scalars and inside
// arrays), `c.d` ObjectIds: one kind of scalar each, so the index answers for them. `b` mixes every
// kind (numbers equal as int and double, dates, booleans, sub-documents), where it must stand aside.
const strVal = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', '1'), weight: 5 },
  { arbitrary: fc.constantFrom(['a', 'b'], ['b'], []), weight: 3 },
  { arbitrary: fc.constantFrom(null, { nested: 'a' }), weight: 1 },
);
const oidVal = fc.oneof(
  { arbitrary: fc.constantFrom(...ids), weight: 4 },
  { arbitrary: fc.constantFrom([ids[0]], [ids[1], ids[2]]), weight: 2 },
  { arbitrary: fc.constant(null), weight: 1 },
);
const mixedVal = fc.oneof(strVal, fc.constantFrom(1, 2, 1.5), oidVal, fc.constant(new Date('2026-01-01T00:00:00Z')), fc.boolean());
const doc = fc.record({ a: strVal, b: mixedVal, c: fc.record({ d: oidVal }, { requiredKeys: [] }) }, { requiredKeys: [] });
const condition = <T>(v: fc.Arbitrary<T>) =>
  fc.oneof(
    v,
    fc.array(v, { minLength: 1, maxLength: 3 }).map((vs) => ({ $in: vs })),
    v.map((x) => ({ $eq: x })),
  );
const filter = fc.record({ a: condition(strVal), b: condition(mixedVal), 'c.d': condition(oidVal) }, { requiredKeys: [] });

maybe(
  'equality lookups on the embedded server return exactly what a full scan returns, after inserts, updates and deletes',
  async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(doc, { minLength: 40, maxLength: 80 }),
        fc.array(filter, { minLength: 3, maxLength: 8 }),
        filter,
        doc,
        async (docs, filters, updateFilter, replacement) => {
          const col = client().db(`equality_${process.pid}`).collection(`c${run++}`);
          await col.insertMany(docs.map((d) => ({ ...d })));
          // Ask once before writing so the indexes exist and must then follow the writes.
          for (const f of filters) await col.find(f).toArray();
          await col.updateMany(updateFilter, { $set: { a: replacement.a ?? 'b', 'c.d': replacement.c?.d ?? ids[1] } });
          await col.deleteMany({ b: 2 });
          const all = await col.find({}).toArray();
          for (const f of filters) {
            const expected = all.filter((d) => new Query(f).test(d)).map((d) => String(d._id));
            const got = (await col.find(f).toArray()).map((d) => String(d._id));
            expect(got).toEqual(expected);
            expect(await col.countDocuments(f)).toBe(expected.length);
          }
          await col.drop();
        },
      ),
      { numRuns: 60 },
    );
  },
  60_000,
);

maybe('a unique index refuses a duplicate key with E11000, and the key is free again after a delete', async () => {
  const col = client().db(`unique_${process.pid}`).collection('keys');
  await col.createIndex({ tenantId: 1, key: 1 }, { unique: true });
  await col.insertOne({ tenantId: 't', key: 'k1' });
  await expect(col.insertOne({ tenantId: 't', key: 'k1' })).rejects.toMatchObject({ code: 11000 });
  await col.insertOne({ tenantId: 'other', key: 'k1' });
  await col.deleteMany({ tenantId: 't' });
  await col.insertOne({ tenantId: 't', key: 'k1' });
  expect(await col.countDocuments({ key: 'k1' })).toBe(2);
});
