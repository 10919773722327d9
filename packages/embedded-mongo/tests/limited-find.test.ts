import fc from 'fast-check';
import { ObjectId } from 'mongodb';
import { embeddedClient, embeddedTest } from '../../../tests/support/embedded-server.js';
import { Query } from 'mingo';

/**
 * The embedded server stops a limited find at its last document (packages/embedded-mongo/src/limited-find.ts)
 * and narrows by multikey equality indexes through `$and` / `$or` (equality-index.ts). Whatever the
 * documents, the order they were inserted in and the writes since, a find with skip, limit, a sort
 * on `_id` or none, and an `_id` bound returns exactly the page a full scan, a stable sort and a
 * slice give (computed here from `find({})` and mingo).
 */
// The run's embedded server (tests/support/global-setup.mjs).
const maybe = embeddedTest;
const client = embeddedClient();

const TAGS = ['t0', 't1', 't2', 't3'];
const tagList = fc.oneof(
  { arbitrary: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }), weight: 6 },
  { arbitrary: fc.constantFrom<unknown>('t1', null, [null, 't2'], [['t1']], [{ v: 't1' }]), weight: 1 },
);
const doc = fc.record(
  { tags: tagList, r: fc.integer({ min: 1, max: 5 }), cls: fc.constantFrom('a', 'b', 'c'), paid: fc.integer({ min: 0, max: 100 }) },
  { requiredKeys: ['r'] },
);
const tagCond = fc.oneof(
  fc.constantFrom(...TAGS),
  fc.uniqueArray(fc.constantFrom(...TAGS), { minLength: 1, maxLength: 3 }).map((v) => ({ $in: v })),
  fc.uniqueArray(fc.constantFrom(...TAGS), { minLength: 1, maxLength: 2 }).map((v) => ({ $all: v })),
);
const leaf = fc.oneof(
  tagCond.map((c) => ({ tags: c })),
  fc.integer({ min: 1, max: 5 }).map((n) => ({ r: { $gte: n } })),
  fc.constantFrom('a', 'b').map((c) => ({ cls: c })),
  fc.integer({ min: 0, max: 100 }).map((n) => ({ paid: { $gte: n } })),
);
const branch = fc.oneof(
  leaf,
  fc.array(leaf, { minLength: 1, maxLength: 3 }).map((xs) => ({ $or: xs })),
);
const filter = fc.oneof(
  fc.constant({}),
  leaf,
  fc.array(branch, { minLength: 1, maxLength: 3 }).map((xs) => ({ $and: xs })),
  fc.tuple(leaf, branch).map(([a, b]) => ({ ...a, $and: [b] })),
);
const page = fc.record({
  sort: fc.constantFrom<Record<string, 1 | -1> | undefined>(undefined, { _id: 1 }, { _id: -1 }),
  skip: fc.constantFrom(0, 0, 3),
  limit: fc.constantFrom(1, 5, 20),
  after: fc.option(fc.nat({ max: 99 }), { nil: undefined }),
});

const hex = (d: { _id: unknown }) => String(d._id);

maybe(
  'a limited find returns the page a full scan, sort and slice return, in any insertion order and after writes',
  async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(doc, { minLength: 40, maxLength: 90 }),
        fc.boolean(),
        fc.array(fc.tuple(filter, page), { minLength: 3, maxLength: 6 }),
        fc.array(doc, { minLength: 1, maxLength: 5 }),
        async (docs, shuffled, queries, late) => {
          const col = client().db(`limited_${process.pid}`).collection(`c${run++}`);
          // Ids from spread-out times; inserted in _id order, or not (the fast path must notice).
          const ids = docs.map((_, i) => ObjectId.createFromTime(1_700_000_000 + i * 97));
          const rows = docs.map((d, i) => ({ _id: ids[i], ...d }));
          if (shuffled) rows.reverse();
          await col.insertMany(rows.map((r) => ({ ...r })));
          // Ask once before writing, so indexes and the order tracking exist and must follow the writes.
          for (const [f, p] of queries) await col.find(f, { sort: p.sort, skip: p.skip, limit: p.limit }).toArray();
          await col.updateMany({ r: 2 }, { $set: { tags: ['t3'] } });
          await col.deleteMany({ cls: 'c', r: { $lte: 2 } });
          // Late inserts: a new _id goes last in both orders; an old time goes last in natural order only.
          await col.insertMany(late.map((d, i) => ({ _id: i % 2 ? new ObjectId() : ObjectId.createFromTime(1_600_000_000 + i), ...d })));

          const all = await col.find({}).toArray();
          for (const [f, p] of queries) {
            const bound = p.after === undefined ? undefined : ObjectId.createFromTime(1_700_000_000 + p.after * 97);
            const q = bound ? { ...f, _id: { $gt: bound } } : f;
            let expected = all.filter((d) => new Query(q).test(d));
            if (p.sort) expected = [...expected].sort((a, b) => (hex(a) < hex(b) ? -1 : hex(a) > hex(b) ? 1 : 0) * p.sort!._id);
            const want = expected.slice(p.skip, p.skip + p.limit).map(hex);
            const got = (await col.find(q, { sort: p.sort, skip: p.skip, limit: p.limit }).toArray()).map(hex);
            expect({ q, p, got }).toEqual({ q, p, got: want });
            expect(await col.countDocuments(q)).toBe(expected.length);
          }
          await col.drop();
        },
      ),
      { numRuns: 60 },
    );
  },
  90_000,
);

maybe('paging an audience by _id > last visits every match once, in order, also over a cursor of several batches', async () => {
  const col = client().db(`limited_${process.pid}`).collection('paging');
  const rows = Array.from({ length: 700 }, (_, i) => ({ _id: new ObjectId(), tags: i % 3 ? ['vip'] : ['new'], n: i }));
  await col.insertMany(rows);
  const seen: number[] = [];
  let after: ObjectId | null = null;
  for (;;) {
    const filter: Record<string, unknown> = after ? { tags: 'vip', _id: { $gt: after } } : { tags: 'vip' };
    const batch = await col.find(filter).sort({ _id: 1 }).limit(150).toArray();
    if (!batch.length) break;
    seen.push(...batch.map((d) => d.n as number));
    after = batch[batch.length - 1]._id;
  }
  expect(seen).toEqual(rows.filter((r) => r.tags[0] === 'vip').map((r) => r.n));
  // A limit above the first batch size continues through getMore with the same documents.
  const many = await col.find({ tags: 'new' }, { batchSize: 10 }).sort({ _id: -1 }).limit(120).toArray();
  expect(many.map((d) => d.n)).toEqual(
    rows
      .filter((r) => r.tags[0] === 'new')
      .reverse()
      .slice(0, 120)
      .map((r) => r.n),
  );
  await col.drop();
});

test("ObjectId hex strings sort the same through a collator (CongoDB's sort) as by code units (the walk and $gt)", () => {
  const collator = new Intl.Collator();
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9a-f]{24}$/), fc.stringMatching(/^[0-9a-f]{24}$/), (a, b) => {
      expect(Math.sign(collator.compare(a, b))).toBe(a < b ? -1 : a > b ? 1 : 0);
    }),
    { numRuns: 5000 },
  );
});
