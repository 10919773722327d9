import { startTestApp, type TestApp } from '../support/harness.js';

let app: TestApp;
let key: string;
beforeAll(async () => {
  app = await startTestApp();
  key = (await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop')).key;
});
afterAll(() => app.stop());

/** Posts a batch and waits for the worker's applier (points, aggregates, RFM), as a later read would. */
const post = async (events: unknown[]) => {
  const res = await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events } });
  await app.settle();
  return res;
};

const order = (eventId: string, phone: string, amount: number, at: string) => ({
  eventId,
  type: 'order.paid',
  occurredAt: at,
  customer: { phone, name: '王小明' },
  data: { orderId: `o-${eventId}`, amount },
});

test('a batch of orders posted twice is counted once in the profile aggregates', async () => {
  const batch = [
    order('e1', '13800000001', 12_900, '2026-01-05T10:00:00Z'),
    order('e2', '13800000001', 5_000, '2026-03-01T10:00:00Z'),
    { eventId: 'e3', type: 'product.viewed', occurredAt: '2026-03-02T10:00:00Z', customer: { phone: '13800000001' }, data: { productId: 'sku-9' } },
  ];
  const first = await post(batch);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ accepted: 3, duplicate: 0, rejected: 0 });
  const second = await post(batch);
  expect(second.body).toMatchObject({ accepted: 0, duplicate: 3, rejected: 0 });

  const customerId = first.body.results[0].customerId;
  const { token } = await app.staff('admin');
  const profile = await app.request('GET', `/api/v1/customers/${customerId}`, { token });
  expect(profile.status).toBe(200);
  expect(profile.body.name).toBe('王小明');
  expect(profile.body.aggregates).toMatchObject({ orderCount: 2, totalPaid: 17_900, averageOrderValue: 8_950 });
  expect(new Date(profile.body.aggregates.firstOrderAt).toISOString()).toBe('2026-01-05T10:00:00.000Z');
  expect(new Date(profile.body.aggregates.lastOrderAt).toISOString()).toBe('2026-03-01T10:00:00.000Z');
  expect(new Date(profile.body.aggregates.lastActiveAt).toISOString()).toBe('2026-03-02T10:00:00.000Z');
  expect(profile.body.timeline.map((t: any) => t.type)).toEqual(['product.viewed', 'order.paid', 'order.paid']);
});

test('a profile an order lands on moves to the top of the customer list, its last-updated time with it', async () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
  const first = await post([order('u1', '13800000071', 1_000, '2026-04-01T10:00:00Z')]);
  await tick();
  await post([order('u2', '13800000072', 1_000, '2026-04-01T10:00:00Z')]);
  const { token } = await app.staff('admin');
  const list = async () => (await app.request('GET', '/api/v1/customers?q=1380000007', { token })).body.items as Array<{ id: string; updatedAt: string }>;
  const before = await list();
  expect(before.map((c) => c.id)).not.toEqual([]);
  expect(before[0].id).not.toBe(first.body.results[0].customerId);

  await tick();
  await post([order('u3', '13800000071', 2_000, '2026-04-02T10:00:00Z')]);
  const after = await list();
  expect(after[0].id).toBe(first.body.results[0].customerId);
  const was = before.find((c) => c.id === after[0].id)!;
  expect(new Date(after[0].updatedAt).getTime()).toBeGreaterThan(new Date(was.updatedAt).getTime());
});

test('bad items are rejected with a reason while good items in the same batch land', async () => {
  const res = await post([
    order('b1', '13800000002', 100, '2026-02-01T00:00:00Z'),
    { eventId: 'b2', type: 'order.paid', occurredAt: '2026-02-01T00:00:00Z', customer: { phone: '13800000002' }, data: { orderId: 'x', amount: 12.5 } },
    { eventId: 'b3', type: 'order.exploded', occurredAt: '2026-02-01T00:00:00Z', customer: { phone: '13800000002' } },
    { eventId: 'b4', type: 'cart.added', occurredAt: '2026-02-01T00:00:00Z', customer: {}, data: { productId: 'p' } },
    order('b1', '13800000002', 100, '2026-02-01T00:00:00Z'),
  ]);
  expect(res.status).toBe(200);
  expect(res.body.results.map((r: any) => r.status)).toEqual(['accepted', 'rejected', 'rejected', 'rejected', 'duplicate']);
  expect(res.body.results[1].reason).toMatch(/data\.amount: .*integer fen/);
  expect(res.body.results[2].reason).toMatch(/type must be/);
  expect(res.body.results[3].reason).toMatch(/at least one identity/);
  const c = await app.rt.services.customers.get(app.config.DEFAULT_TENANT, res.body.results[0].customerId);
  expect(c.aggregates?.orderCount).toBe(1);
});

test('a batch over 1,000 events or a body that is not JSON is refused whole with 400', async () => {
  const tooMany = Array.from({ length: 1001 }, (_, i) => order(`m${i}`, '13800000003', 1, '2026-01-01T00:00:00Z'));
  const res = await post(tooMany);
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/at most 1000 events/);
  const broken = await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: '{"events": [' });
  expect(broken.status).toBe(400);
  expect(broken.body.error.message).toMatch(/not valid JSON/);
  expect(await app.rt.services.customers.findByIdentity(app.config.DEFAULT_TENANT, { phone: '13800000003' })).toBeNull();
});

test('ingest without an integration key or admin token is refused', async () => {
  expect((await app.request('POST', '/api/v1/events', { body: { events: [] } })).status).toBe(401);
  const { token } = await app.staff('sales');
  expect((await app.request('POST', '/api/v1/events', { token, body: { events: [] } })).status).toBe(403);
  expect((await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': 'sk_forged' }, body: { events: [] } })).status).toBe(401);
});

test('a refund is counted apart from the paid total', async () => {
  const res = await post([
    order('r1', '13800000004', 10_000, '2026-04-01T00:00:00Z'),
    { eventId: 'r2', type: 'order.refunded', occurredAt: '2026-04-03T00:00:00Z', customer: { phone: '13800000004' }, data: { orderId: 'o-r1', amount: 4_000 } },
  ]);
  const c = await app.rt.services.customers.get(app.config.DEFAULT_TENANT, res.body.results[0].customerId);
  expect(c.aggregates).toMatchObject({ orderCount: 1, totalPaid: 10_000, refundCount: 1, refundedAmount: 4_000 });
});
