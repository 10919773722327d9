import { Types } from 'mongoose';
import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * Shops resend orders under new delivery ids: an order counts once per (tenant, orderId) and a refund
 * once per (orderId, refundId) in the profile's figures, RFM's order dates and the dashboard's revenue;
 * a resend with another amount corrects the amount.
 */
const DAY = 86_400_000;
const T = Date.UTC(2026, 5, 15, 2);
let app: TestApp;
let key: string;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(T) });
  key = (await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop')).key;
});
afterAll(() => app.stop());

/** Posts a batch and waits for the worker's applier (points, aggregates, RFM), as a later read would. */
const post = async (events: unknown[]) => {
  const res = await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events } });
  await app.settle();
  return res;
};
const paid = (eventId: string, phone: string, orderId: string, amount: number, at = T - DAY) => ({
  eventId,
  type: 'order.paid',
  occurredAt: new Date(at).toISOString(),
  customer: { phone },
  data: { orderId, amount },
});
const refunded = (eventId: string, phone: string, orderId: string, amount: number, refundId?: string) => ({
  eventId,
  type: 'order.refunded',
  occurredAt: new Date(T - DAY / 2).toISOString(),
  customer: { phone },
  data: { orderId, amount, ...(refundId ? { refundId } : {}) },
});
async function figures(phone: string) {
  const [customerId] = await app.rt.services.customers.identifyMany(app.config.DEFAULT_TENANT, [{ phone }], 'shop');
  const c = await app.rt.services.customers.get(app.config.DEFAULT_TENANT, customerId);
  const { orderCount, totalPaid, refundCount, refundedAmount } = c.aggregates ?? {};
  return { orderCount, totalPaid, refundCount, refundedAmount };
}

test('the same order sent twice in one batch under two event ids is one order', async () => {
  const res = await post([paid('one-1', '13710000001', 'ord-one', 12_900), paid('one-2', '13710000001', 'ord-one', 12_900)]);
  expect(res.body).toMatchObject({ accepted: 2, rejected: 0 });
  expect(await figures('13710000001')).toMatchObject({ orderCount: 1, totalPaid: 12_900 });
});

test('the same order sent again in a later batch under a new event id is one order', async () => {
  await post([paid('two-1', '13710000002', 'ord-two', 8_800), paid('two-x', '13710000002', 'ord-two-b', 1_000)]);
  await post([paid('two-2', '13710000002', 'ord-two', 8_800)]);
  await post([paid('two-3', '13710000002', 'ord-two', 8_800)]);
  expect(await figures('13710000002')).toMatchObject({ orderCount: 2, totalPaid: 9_800 });
});

test('the same order sent in two batches at once is one order', async () => {
  const sends = Array.from({ length: 6 }, (_, i) => post([paid(`con-${i}`, '13710000003', 'ord-con', 5_500)]));
  for (const res of await Promise.all(sends)) expect(res.body).toMatchObject({ accepted: 1, rejected: 0 });
  expect(await figures('13710000003')).toMatchObject({ orderCount: 1, totalPaid: 5_500 });
});

test('a resent order with a changed amount updates the total instead of adding an order', async () => {
  await post([paid('chg-1', '13710000004', 'ord-chg', 10_000), paid('chg-o', '13710000004', 'ord-chg-other', 3_000)]);
  await post([paid('chg-2', '13710000004', 'ord-chg', 12_000)]);
  expect(await figures('13710000004')).toMatchObject({ orderCount: 2, totalPaid: 15_000 });
  // In one batch the last one sent counts; sent at once, each difference lands once.
  await post([paid('chg-3', '13710000004', 'ord-chg', 11_000), paid('chg-4', '13710000004', 'ord-chg', 9_000)]);
  expect(await figures('13710000004')).toMatchObject({ orderCount: 2, totalPaid: 12_000 });
  await Promise.all([post([paid('chg-5', '13710000004', 'ord-chg', 20_000)]), post([paid('chg-6', '13710000004', 'ord-chg', 20_000)])]);
  expect(await figures('13710000004')).toMatchObject({ orderCount: 2, totalPaid: 23_000 });
});

test('a refund sent twice under two event ids counts once; another refund of the same order counts apart', async () => {
  await post([paid('rf-0', '13710000005', 'ord-rf', 10_000)]);
  await post([refunded('rf-1', '13710000005', 'ord-rf', 3_000, 'rf-a'), refunded('rf-2', '13710000005', 'ord-rf', 3_000, 'rf-a')]);
  await post([refunded('rf-3', '13710000005', 'ord-rf', 3_000, 'rf-a')]);
  expect(await figures('13710000005')).toEqual({ orderCount: 1, totalPaid: 10_000, refundCount: 1, refundedAmount: 3_000 });
  await post([refunded('rf-4', '13710000005', 'ord-rf', 2_000, 'rf-b')]);
  expect(await figures('13710000005')).toEqual({ orderCount: 1, totalPaid: 10_000, refundCount: 2, refundedAmount: 5_000 });
  // A corrected refund amount moves the refunded total by the difference.
  await post([refunded('rf-5', '13710000005', 'ord-rf', 2_500, 'rf-b')]);
  expect(await figures('13710000005')).toEqual({ orderCount: 1, totalPaid: 10_000, refundCount: 2, refundedAmount: 5_500 });
});

test('RFM reads each order once: a resent order adds no order date to the churn cadence', async () => {
  const s = app.rt.services;
  const res = await post([paid('rfm-1', '13710000006', 'ord-rfm-1', 5_000, T - 30 * DAY), paid('rfm-2', '13710000006', 'ord-rfm-2', 5_000, T - 10 * DAY)]);
  await post([paid('rfm-3', '13710000006', 'ord-rfm-2', 5_000, T - 10 * DAY)]);
  const customerId = res.body.results[0].customerId;
  const dates = await s.events.recentOrderDates(app.config.DEFAULT_TENANT, [{ customerId }], 50);
  expect(dates.get(customerId)!.map((d) => d.toISOString())).toEqual([new Date(T - 10 * DAY).toISOString(), new Date(T - 30 * DAY).toISOString()]);
  await s.rfm.scoreOne(app.config.DEFAULT_TENANT, customerId);
  const c = await s.customers.get(app.config.DEFAULT_TENANT, customerId);
  expect(c.aggregates).toMatchObject({ orderCount: 2, totalPaid: 10_000 });
});

test('recomputing a profile from scratch counts each order once', async () => {
  const res = await post([paid('rc-1', '13710000007', 'ord-rc', 7_000), paid('rc-2', '13710000007', 'ord-rc', 7_500)]);
  await post([
    paid('rc-3', '13710000007', 'ord-rc', 7_500),
    refunded('rc-4', '13710000007', 'ord-rc', 1_000, 'r1'),
    refunded('rc-5', '13710000007', 'ord-rc', 1_000, 'r1'),
  ]);
  await app.rt.services.events.recomputeAggregates(app.config.DEFAULT_TENANT, res.body.results[0].customerId);
  expect(await figures('13710000007')).toEqual({ orderCount: 1, totalPaid: 7_500, refundCount: 1, refundedAmount: 1_000 });
});

test('the dashboard revenue counts a resent order once, at its corrected amount', async () => {
  const { token } = await app.staff('admin');
  const before = (await app.request('GET', '/api/v1/dashboard/overview?days=7', { token })).body.revenue;
  await post([paid('dash-1', '13710000008', 'ord-dash', 30_000), paid('dash-2', '13710000008', 'ord-dash', 30_000)]);
  await post([paid('dash-3', '13710000008', 'ord-dash', 32_000), refunded('dash-4', '13710000008', 'ord-dash', 2_000, 'd1')]);
  await post([refunded('dash-5', '13710000008', 'ord-dash', 2_000, 'd1')]);
  const res = await app.request('GET', '/api/v1/dashboard/overview?days=7', { token });
  expect(res.status).toBe(200);
  expect(res.body.revenue).toEqual({ orders: before.orders + 1, paid: before.paid + 32_000, refunds: before.refunds + 1, refunded: before.refunded + 2_000 });
});

test('a refund resent under a new event id takes back points and growth once', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const res = await post([paid('lp-1', '13710000009', 'ord-lp', 10_000)]);
  const customerId = res.body.results[0].customerId;
  const earned = (await s.loyalty.members.find(tenant, customerId))!.balance;
  expect(earned).toBeGreaterThan(0);
  await post([refunded('lp-2', '13710000009', 'ord-lp', 5_000, 'lp-r1')]);
  await post([refunded('lp-3', '13710000009', 'ord-lp', 5_000, 'lp-r1')]);
  expect((await s.loyalty.members.find(tenant, customerId))!.balance).toBe(earned - Math.floor(earned / 2));
  expect(await s.loyalty.members.orderGrowth(tenant, 'ord-lp')).toEqual({ paid: 10_000, refunded: 5_000 });
});

test('a journey started by a paid order starts once for an order the shop sent twice', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const { token } = await app.staff('admin');
  const tag = (await s.tags.ensure(tenant, '生命周期', '已购-重发')).id;
  const journey = await app.request('POST', '/api/v1/journeys', {
    token,
    body: { name: '标记已购-重发', trigger: { type: 'order.paid' }, steps: [{ type: 'tag', tagId: tag }] },
  });
  expect(journey.status).toBe(201);
  const res = await post([paid('jr-1', '13710000010', 'ord-jr', 5_000), paid('jr-2', '13710000010', 'ord-jr', 5_000)]);
  await post([paid('jr-3', '13710000010', 'ord-jr', 5_000)]);
  const runs = await s.journeys.runsForCustomer(tenant, res.body.results[0].customerId);
  expect(runs.filter((r) => String(r.journeyId) === journey.body.id)).toHaveLength(1);
});

test('recounting after an upgrade corrects a profile that counted a resent order twice, and the next resend counts nothing', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const res = await post([paid('up-1', '13710000011', 'ord-up', 6_000)]);
  const customerId = res.body.results[0].customerId;
  // What an older version left: the order stored a second time under another eventId, counted twice, no counted rows.
  const { EventModel } = await import('../../server/src/modules/events/event.model.js');
  const { CountedOrderModel } = await import('../../server/src/modules/events/counted-order.model.js');
  const first = await EventModel.findOne({ tenantId: tenant, eventId: 'up-1' }).lean();
  await EventModel.collection.insertOne({ ...first!, _id: new Types.ObjectId(), eventId: 'up-2' });
  await CountedOrderModel.deleteMany({ tenantId: tenant, customerId: new Types.ObjectId(customerId) });
  await s.customers.setAggregates(tenant, customerId, { orderCount: 2, totalPaid: 12_000, refundCount: 0, refundedAmount: 0 });

  expect(await s.events.recountOrders(tenant)).toBeGreaterThan(0);
  expect(await figures('13710000011')).toMatchObject({ orderCount: 1, totalPaid: 6_000 });
  await post([paid('up-3', '13710000011', 'ord-up', 6_000)]);
  expect(await figures('13710000011')).toMatchObject({ orderCount: 1, totalPaid: 6_000 });
});
