import { embeddedClient, embeddedTest } from '../../../tests/support/embedded-server.js';

/**
 * An update statement with a `sort` (`updateOne`/`replaceOne` with `{ sort }`, also inside bulkWrite)
 * is refused as MongoDB 7.0 — the version the embedded server reports — refuses it: the option came
 * with MongoDB 8.0. CongoDB ignored it and changed the first document it held, so code choosing "the
 * newest" or "the cheapest" would pass here and change another document elsewhere. Found by the
 * official CRUD tests (updateOne-sort, replaceOne-sort, bulkWrite-replaceOne-sort; README "Fidelity").
 * findOneAndUpdate's sort, which every version runs, still picks the document by the sort.
 */
const client = embeddedClient();
const docs = [
  { _id: 1, x: 11 },
  { _id: 2, x: 22 },
  { _id: 3, x: 33 },
];

embeddedTest('an update with a sort is refused as MongoDB 7.0 refuses it, and changes nothing', async () => {
  const col = client().db('update_sort').collection<{ _id: number; x: number }>('coll');
  await col.deleteMany({});
  await col.insertMany(docs);
  const refused = { code: 40415, message: "BSON field 'update.updates.sort' is an unknown field." };

  await expect(col.updateOne({ _id: { $gt: 1 } }, { $inc: { x: 1 } }, { sort: { _id: -1 } })).rejects.toMatchObject(refused);
  await expect(col.replaceOne({ _id: { $gt: 1 } }, { x: 1 }, { sort: { _id: -1 } })).rejects.toMatchObject(refused);
  await expect(col.bulkWrite([{ updateOne: { filter: {}, update: { $inc: { x: 1 } }, sort: { x: -1 } } }])).rejects.toMatchObject({ code: 40415 });
  await expect(col.bulkWrite([{ replaceOne: { filter: {}, replacement: { x: 0 }, sort: { x: -1 } } }])).rejects.toMatchObject({ code: 40415 });
  expect(await col.find({}, { sort: { _id: 1 } }).toArray()).toEqual(docs);

  // findAndModify has always had a sort: the document updated is the first by it.
  expect(await col.findOneAndUpdate({ _id: { $gt: 1 } }, { $inc: { x: 1 } }, { sort: { _id: -1 }, returnDocument: 'after' })).toEqual({ _id: 3, x: 34 });
  expect(await col.findOneAndUpdate({}, { $inc: { x: 1 } }, { sort: { x: 1 } })).toEqual({ _id: 1, x: 11 });
});
