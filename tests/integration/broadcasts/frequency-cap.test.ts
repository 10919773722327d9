import { jest } from '@jest/globals';
import { Types } from 'mongoose';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { TouchModel } from '../../../server/src/modules/broadcasts/broadcast.model.js';
import { localPeriods } from '../../../server/src/modules/broadcasts/send-window.js';

/**
 * The frequency cap claims a batch's slots together (`claimMany`, one insert per period when nothing
 * collides). Whatever the customers already hold — slots taken by other campaigns, this run's own
 * slots from an attempt that crashed, a full month — each must get the answer the one-by-one claim
 * gives, hold exactly one slot per period when allowed and none when refused; and two campaigns
 * claiming the same customers at once can never overbook them.
 */
let app: TestApp;
const tenantId = 'cap-brand';
beforeAll(async () => {
  app = await startTestApp({ env: { BROADCAST_CAP_PER_DAY: '2', BROADCAST_CAP_PER_MONTH: '3' } });
});
afterAll(() => app.stop());

const caps = () => app.rt.services.broadcasts.caps;
const ids = (n: number) => Array.from({ length: n }, () => String(new Types.ObjectId()));
const { day, month } = localPeriods(new Date(), 'Asia/Shanghai');
const take = (customerId: string, period: string, slot: number, campaignKey: string) =>
  TouchModel.create({ tenantId, customerId: new Types.ObjectId(customerId), period, slot, campaignKey, at: new Date() });
const holds = async (customerId: string, campaignKey: string) =>
  (await TouchModel.find({ tenantId, customerId: new Types.ObjectId(customerId), campaignKey }).lean()).map((t) => t.period).sort();

test('each customer gets the one-by-one answer and holds one slot per period exactly when allowed', async () => {
  const [fresh, oneTaken, dayFull, monthFull, retried, twice] = ids(6);
  await take(oneTaken, `d:${day}`, 0, 'other-1');
  await take(dayFull, `d:${day}`, 0, 'other-1');
  await take(dayFull, `d:${day}`, 1, 'other-2');
  for (let slot = 0; slot < 3; slot++) await take(monthFull, `m:${month}`, slot, `earlier-${slot}`);
  await take(retried, `d:${day}`, 0, 'run-1');
  await take(retried, `m:${month}`, 0, 'run-1');

  const allowed = await caps().claimMany(tenantId, [fresh, oneTaken, dayFull, monthFull, retried, twice, twice], 'run-1');
  expect([fresh, oneTaken, dayFull, monthFull, retried, twice].map((id) => allowed.has(id))).toEqual([true, true, false, false, true, true]);
  const both = [`d:${day}`, `m:${month}`].sort();
  for (const id of [fresh, oneTaken, retried, twice]) expect(await holds(id, 'run-1')).toEqual(both);
  for (const id of [dayFull, monthFull]) expect(await holds(id, 'run-1')).toEqual([]); // the day slot monthFull got is given back

  // The one-by-one claim agrees, and claiming again (a retry) changes nothing.
  for (const id of [fresh, oneTaken, dayFull, monthFull, retried, twice]) expect(await caps().claim(tenantId, id, 'run-1')).toBe(allowed.has(id));
  expect(await TouchModel.countDocuments({ tenantId, campaignKey: 'run-1' })).toBe(8);
});

test('three campaigns claiming the same 30 customers at once: each customer gets at most the day cap (2)', async () => {
  const customers = ids(30);
  const runs = await Promise.all(['a', 'b', 'c'].map((k) => caps().claimMany(tenantId, customers, `race-${k}`)));
  for (const id of customers) expect(runs.filter((r) => r.has(id)).length).toBe(2);
  for (const id of customers) expect(await TouchModel.countDocuments({ tenantId, customerId: new Types.ObjectId(id), period: `d:${day}` })).toBe(2);
});

test("a retry recognises its own slot from the duplicate-key error (the campaign's index) and stops there, without a look-up", async () => {
  const [customer] = ids(1);
  await take(customer, `d:${day}`, 0, 'run-own');
  await take(customer, `m:${month}`, 0, 'run-own');
  // What the claim reads: the second slot is free, this run's own row is what refuses it.
  const refused = await take(customer, `m:${month}`, 1, 'run-own').catch((e) => e);
  expect(refused).toMatchObject({
    code: 11000,
    keyPattern: { tenantId: 1, customerId: 1, period: 1, campaignKey: 1 },
    keyValue: { period: `m:${month}`, campaignKey: 'run-own' },
  });

  const creates = jest.spyOn(TouchModel, 'create');
  const lookups = jest.spyOn(TouchModel, 'exists');
  try {
    expect(await caps().claim(tenantId, customer, 'run-own')).toBe(true);
    // Per period: slot 0 (taken, refused on the slot index), slot 1 (refused on the campaign's index: ours).
    expect(creates).toHaveBeenCalledTimes(4);
    expect(lookups).not.toHaveBeenCalled();
  } finally {
    creates.mockRestore();
    lookups.mockRestore();
  }
  expect(await holds(customer, 'run-own')).toEqual([`d:${day}`, `m:${month}`].sort());
});
