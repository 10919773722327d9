import { MongoClient, ObjectId } from 'mongodb';
import { embeddedClient, embeddedTest } from '../../../tests/support/embedded-server.js';
import { Query } from 'mingo';

/**
 * Through the driver, against the run's embedded server (tests/support/global-setup.mjs): with
 * compiled filters (packages/embedded-mongo/src/compiled-matching.ts) and reused collection arrays
 * (collection-snapshots.ts), every kind of statement returns what mingo over every row returns.
 * The predicates themselves are checked against mingo in embedded-filter.test.ts.
 */
const maybe = embeddedTest;
describe('the embedded server with compiled filters', () => {
  const client = embeddedClient();

  const ids = [0, 1, 2].map(() => new ObjectId());
  const rows = Array.from({ length: 400 }, (_, i) => ({
    k: i % 7,
    tag: ['x', 'y', 'z'][i % 3],
    tags: i % 5 ? ['x', String(i % 4)] : [],
    owner: ids[i % 3],
    score: i % 11 === 0 ? null : i % 13 === 0 ? 'n/a' : (i * 37) % 100,
    at: new Date(Date.UTC(2026, 0, 1 + (i % 60))),
    nested: i % 4 ? { list: [{ v: i % 6 }, { v: (i + 1) % 6 }] } : {},
  }));
  const matching = async (col: ReturnType<ReturnType<MongoClient['db']>['collection']>, f: Record<string, unknown>) => {
    const all = await col.find({}).toArray();
    return all.filter((d) => new Query(f).test(d)).map((d) => String(d._id));
  };

  maybe('find, countDocuments, distinct, an update and a delete with $in return what mingo over every row returns', async () => {
    const col = client().db(`compiled_${process.pid}`).collection('rows');
    await col.insertMany(rows.map((r) => ({ ...r })));
    const filters: Record<string, unknown>[] = [
      { k: 3 },
      { k: { $in: [1, 2] }, tag: 'x' },
      { owner: { $in: [ids[0], ids[2]] }, score: { $gte: 20, $lt: 70 } },
      { $or: [{ tags: { $all: ['x', '1'] } }, { 'nested.list.v': 5 }], at: { $lt: new Date(Date.UTC(2026, 1, 1)) } },
      { score: null },
      { score: { $nin: [null, 'n/a'] }, 'nested.list': { $exists: false } },
      { tags: { $ne: 'x' }, $nor: [{ k: 0 }] },
    ];
    for (const f of filters) {
      const expected = await matching(col, f);
      expect((await col.find(f).toArray()).map((d) => String(d._id))).toEqual(expected);
      expect(await col.countDocuments(f)).toBe(expected.length);
      expect(await col.countDocuments(f, { skip: 2, limit: 5 })).toBe(Math.max(0, Math.min(5, expected.length - 2)));
      expect((await col.find(f).sort({ at: -1, _id: 1 }).limit(3).toArray()).length).toBe(Math.min(3, expected.length));
      const tags = new Set((await col.find(f).toArray()).map((d) => d.tag));
      expect(new Set(await col.distinct('tag', f))).toEqual(tags);
    }

    const some = (await col.find({ k: { $in: [2, 4] } }).toArray()).map((d) => d._id);
    const toUpdate = { _id: { $in: some }, tag: { $in: ['x', 'z'] } };
    const expectedUpdated = await matching(col, toUpdate);
    const res = await col.updateMany(toUpdate, { $set: { touched: true } });
    expect(res.matchedCount).toBe(expectedUpdated.length);
    expect((await col.find({ touched: true }).toArray()).map((d) => String(d._id))).toEqual(expectedUpdated);

    const grouped = await col
      .aggregate([{ $match: { owner: ids[1], score: { $type: 'number' } } }, { $group: { _id: '$tag', n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
      .toArray();
    const byTag = new Map<string, number>();
    for (const d of await col.find({ owner: ids[1] }).toArray()) if (typeof d.score === 'number') byTag.set(d.tag, (byTag.get(d.tag) ?? 0) + 1);
    expect(grouped).toEqual([...byTag].sort(([a], [b]) => a.localeCompare(b)).map(([tag, n]) => ({ _id: tag, n })));

    const toDelete = { k: { $nin: [0, 1, 2, 3, 4] }, touched: { $exists: false } };
    const expectedLeft = (await col.find({}).toArray()).filter((d) => !new Query(toDelete).test(d)).map((d) => String(d._id));
    await col.deleteMany(toDelete);
    expect((await col.find({}).toArray()).map((d) => String(d._id))).toEqual(expectedLeft);
    await col.drop();
  });

  maybe('a read right after each kind of write sees it (an unchanged collection hands out its last array again)', async () => {
    const col = client().db(`compiled_${process.pid}`).collection('snapshots');
    await col.insertMany(rows.slice(0, 60).map((r) => ({ ...r })));
    const first = await col.find({}).toArray();
    expect(await col.find({}).toArray()).toEqual(first);
    await col.updateOne({ _id: first[5]._id }, { $set: { tag: 'changed' } });
    expect((await col.find({}).toArray())[5].tag).toBe('changed');
    await col.replaceOne({ _id: first[6]._id }, { k: 99 });
    expect(await col.countDocuments({ k: 99 })).toBe(1);
    await col.deleteOne({ _id: first[7]._id });
    expect(await col.countDocuments({})).toBe(59);
    await col.insertOne({ k: 100 });
    expect((await col.find({}).toArray()).map((d) => d.k).slice(-1)).toEqual([100]);
    await col.drop();
    expect(await col.find({}).toArray()).toEqual([]);
    await col.insertOne({ k: 101 });
    expect((await col.find({}).toArray()).map((d) => d.k)).toEqual([101]);
    await col.drop();
  });

  maybe('a count group after a compiled $match answers one group with the number of matches, or none; other groups still group', async () => {
    const col = client().db(`compiled_${process.pid}`).collection('counts');
    await col.insertMany(rows.map((r) => ({ ...r })));
    const n = (await matching(col, { k: 3 })).length;
    expect(n).toBeGreaterThan(0);
    expect(await col.aggregate([{ $match: { k: 3 } }, { $group: { _id: 1, n: { $sum: 1 } } }]).toArray()).toEqual([{ _id: 1, n }]);
    expect(await col.aggregate([{ $match: { k: 3 } }, { $group: { _id: 'all', total: { $sum: 1 } } }]).toArray()).toEqual([{ _id: 'all', total: n }]);
    expect(await col.aggregate([{ $match: { k: 99 } }, { $group: { _id: 1, n: { $sum: 1 } } }]).toArray()).toEqual([]);
    expect(await col.countDocuments({ k: 99 })).toBe(0);
    // Not a count: mingo groups as before.
    expect(await col.aggregate([{ $match: { k: 3 } }, { $group: { _id: 1, n: { $sum: 2 } } }]).toArray()).toEqual([{ _id: 1, n: 2 * n }]);
    expect(await col.aggregate([{ $match: { k: 3 } }, { $group: { _id: '$k', n: { $sum: 1 } } }]).toArray()).toEqual([{ _id: 3, n }]);
    await col.drop();
  });

  maybe('filters left to mingo (regex, $elemMatch, $size, a sub-document) still answer through find and countDocuments', async () => {
    const col = client().db(`compiled_${process.pid}`).collection('fallback');
    await col.insertMany(rows.map((r) => ({ ...r })));
    const filters: Record<string, unknown>[] = [
      { tag: { $regex: '^[xy]$' }, k: { $in: [1, 3] } },
      { 'nested.list': { $elemMatch: { v: { $gte: 4 } } } },
      { tags: { $size: 2 }, owner: ids[0] },
      { nested: {} },
    ];
    for (const f of filters) {
      const expected = await matching(col, f);
      expect(expected.length).toBeGreaterThan(0);
      expect((await col.find(f).toArray()).map((d) => String(d._id))).toEqual(expected);
      expect(await col.countDocuments(f)).toBe(expected.length);
    }
    await col.drop();
  });
});
