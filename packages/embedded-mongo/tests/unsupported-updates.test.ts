import { embeddedClient, embeddedTest } from '../../../tests/support/embedded-server.js';

/**
 * Updates the embedded server cannot run are refused with NotImplemented (238), not answered "matched
 * 1" with nothing changed: CongoDB ignores `arrayFilters` and positional paths (`$`, `$[]`,
 * `$[name]`), so product code using them would pass its tests here and do something else on MongoDB.
 * Only on the embedded server (MongoDB runs them all).
 */
const client = embeddedClient();
const items = [
  { sku: 'a', state: 'open' },
  { sku: 'b', state: 'open' },
];

embeddedTest('positional paths and arrayFilters fail loudly through every update command, and change nothing', async () => {
  const col = client().db('unsupported_updates').collection<{ _id: number; items: typeof items }>('orders');
  await col.deleteMany({});
  await col.insertOne({ _id: 1, items });
  const refused = { code: 238, message: expect.stringMatching(/embedded MongoDB .* does not run/) };

  await expect(col.updateOne({ _id: 1, 'items.sku': 'b' }, { $set: { 'items.$.state': 'shipped' } })).rejects.toMatchObject(refused);
  await expect(col.updateMany({}, { $set: { 'items.$[].state': 'shipped' } })).rejects.toMatchObject(refused);
  await expect(col.updateOne({ _id: 1 }, { $set: { 'items.$[i].state': 'shipped' } }, { arrayFilters: [{ 'i.sku': 'a' }] })).rejects.toMatchObject(refused);
  await expect(col.findOneAndUpdate({ _id: 1, 'items.sku': 'a' }, { $set: { 'items.$.state': 'shipped' } })).rejects.toMatchObject(refused);
  await expect(col.bulkWrite([{ updateOne: { filter: { _id: 1 }, update: { $inc: { 'items.$[].n': 1 } } } }])).rejects.toMatchObject({ code: 238 });
  expect((await col.findOne({ _id: 1 }))!.items).toEqual(items);

  // What it does run still runs: a whole array, or an element by its index.
  await col.updateOne({ _id: 1 }, { $set: { 'items.1.state': 'shipped' } });
  expect((await col.findOne({ _id: 1 }))!.items[1].state).toBe('shipped');
});
