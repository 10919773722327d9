import type { TestApp } from '../../../../../tests/support/harness.js';
import { refusalInChinese } from '../../../../../h5/src/modules/refusals.js';
import { key, postEvents, paid, refunded, shopper, startLoyaltyTestApp } from './loyalty-test-kit.js';

let app: TestApp;
let admin: { id: string; token: string };
let apiKey: string;
beforeAll(async () => {
  app = await startLoyaltyTestApp({ env: { DEMO_MODE: 'true' } });
  admin = await app.staff('admin');
  apiKey = (await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop')).key;
});
afterAll(() => app.stop());

const template = async (over: Record<string, unknown> = {}) => {
  const res = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '满100减10',
      kind: 'amount',
      amountOff: 1000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 100,
      perCustomerLimit: 1,
      channels: ['exchange', 'staff'],
      pointsCost: 10,
      ...over,
    },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
};
const give = (customerId: string, points: number) =>
  app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, { token: admin.token, body: { points, reason: 'welcome gift', idempotencyKey: key() } });
const exchange = (token: string, templateId: string, idempotencyKey = key()) =>
  app.request('POST', '/api/v1/me/exchange', { token, body: { templateId, idempotencyKey } });

test('a coupon with stock 10 and 200 concurrent claims by different shoppers issues exactly 10', async () => {
  const t = await template({ stock: 10, pointsCost: 5 });
  const shoppers = [];
  for (let i = 0; i < 200; i++) shoppers.push(await shopper(app, `1370000${String(i).padStart(4, '0')}`));
  for (const s of shoppers) await give(s.id, 5);
  const results = await Promise.all(shoppers.map((s) => exchange(s.token, t.id)));
  expect(results.filter((r) => ![201, 409].includes(r.status)).map((r) => r.body)).toEqual([]);
  const won = results.filter((r) => r.status === 201);
  expect(won).toHaveLength(10);
  expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'LOYALTY_COUPON_OUT_OF_STOCK')).toBe(true);
  const list = await app.request('GET', '/api/v1/loyalty/templates', { token: admin.token });
  expect(list.body.items.find((x: any) => x.id === t.id)).toMatchObject({ stock: 10, issued: 10, remaining: 0 });
  // Only the winners paid: 10 shoppers at 0 points, 190 still at 5.
  const balances = await Promise.all(shoppers.map((s) => app.request('GET', '/api/v1/me/points', { token: s.token }).then((r) => r.body.balance)));
  expect(balances.filter((b) => b === 0)).toHaveLength(10);
  expect(balances.filter((b) => b === 5)).toHaveLength(190);
  expect((await app.request('GET', '/api/v1/loyalty/reconcile', { token: admin.token })).body.drift).toEqual([]);
}, 120_000);

test('one shopper firing 20 claims at once never holds more than the per-customer limit', async () => {
  const t = await template({ perCustomerLimit: 2, pointsCost: 1 });
  const s = await shopper(app, '13600000001');
  await give(s.id, 100);
  const results = await Promise.all(Array.from({ length: 20 }, () => exchange(s.token, t.id)));
  expect(results.filter((r) => r.status === 201)).toHaveLength(2);
  expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'LOYALTY_COUPON_LIMIT_REACHED')).toBe(true);
  const mine = await app.request('GET', '/api/v1/me/coupons?state=available', { token: s.token });
  expect(mine.body.items.filter((c: any) => c.templateId === t.id)).toHaveLength(2);
  expect((await app.request('GET', '/api/v1/me/points', { token: s.token })).body.balance).toBe(98);
  const tpl = (await app.request('GET', '/api/v1/loyalty/templates', { token: admin.token })).body.items.find((x: any) => x.id === t.id);
  expect(tpl.issued).toBe(2);
});

test('an exchange the shopper cannot afford is refused with 409 and gives its stock back', async () => {
  const t = await template({ stock: 1, pointsCost: 50 });
  const s = await shopper(app, '13600000002');
  await give(s.id, 49);
  const res = await exchange(s.token, t.id);
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('LOYALTY_INSUFFICIENT_POINTS');
  const tpl = (await app.request('GET', '/api/v1/loyalty/templates', { token: admin.token })).body.items.find((x: any) => x.id === t.id);
  expect(tpl.issued).toBe(0);
  expect((await app.request('GET', '/api/v1/me/coupons', { token: s.token })).body.items).toEqual([]);
});

test('retrying an exchange with the same key returns the same coupon and charges once', async () => {
  const t = await template({ pointsCost: 20, perCustomerLimit: 5 });
  const s = await shopper(app, '13600000003');
  await give(s.id, 100);
  const k = key();
  const [a, b, c] = await Promise.all([exchange(s.token, t.id, k), exchange(s.token, t.id, k), exchange(s.token, t.id, k)]);
  expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
  expect(new Set([a.body.code, b.body.code, c.body.code]).size).toBe(1);
  expect((await app.request('GET', '/api/v1/me/points', { token: s.token })).body.balance).toBe(80);
});

test('a coupon is redeemed once by the paid order that carries its code, and returns when the order is fully refunded', async () => {
  const t = await template({ channels: ['staff'], pointsCost: 0, allowUnredeem: true });
  const s = await shopper(app, '13600000004');
  const sent = await app.request('POST', `/api/v1/loyalty/members/${s.id}/coupons`, { token: admin.token, body: { templateId: t.id, idempotencyKey: key() } });
  expect(sent.status).toBe(201);
  const code = sent.body.code;
  await postEvents(app, apiKey, [paid('cp-1', s.phone, 'order-cp-1', 12_000, '2026-11-20T02:00:00Z', code)]);
  const used = await app.request('GET', '/api/v1/me/coupons?state=used', { token: s.token });
  expect(used.body.items.map((c: any) => [c.code, c.orderId])).toEqual([[code, 'order-cp-1']]);

  const clerk = await app.staff('agent');
  const again = await app.request('POST', '/api/v1/loyalty/coupons/redeem', { token: clerk.token, body: { code, orderId: 'other-order' } });
  expect(again.status).toBe(409);
  expect(again.body.error.message).toMatch(/already used/);
  const sameOrder = await app.request('POST', '/api/v1/loyalty/coupons/redeem', { headers: { 'x-api-key': apiKey }, body: { code, orderId: 'order-cp-1' } });
  expect(sameOrder.status).toBe(200);

  await postEvents(app, apiKey, [refunded('cp-2', s.phone, 'order-cp-1', 12_000, '2026-11-21T02:00:00Z')]);
  const back = await app.request('GET', '/api/v1/me/coupons?state=available', { token: s.token });
  expect(back.body.items.map((c: any) => c.code)).toEqual([code]);
});

test("a salesperson reusing a colleague's idempotency key for another customer is refused with 409, not handed that coupon", async () => {
  const t = await template({ channels: ['staff'], pointsCost: 0, perCustomerLimit: 5 });
  const other = await template({ channels: ['staff'], pointsCost: 0 });
  const [sales1, sales2] = [await app.staff('sales'), await app.staff('sales')];
  const [c1, c2] = [await shopper(app, '13600000011'), await shopper(app, '13600000012')];
  await app.request('PATCH', `/api/v1/customers/${c1.id}`, { token: admin.token, body: { ownerStaffId: sales1.id } });
  await app.request('PATCH', `/api/v1/customers/${c2.id}`, { token: admin.token, body: { ownerStaffId: sales2.id } });
  const send = (who: { token: string }, customerId: string, templateId: string, idempotencyKey: string) =>
    app.request('POST', `/api/v1/loyalty/members/${customerId}/coupons`, { token: who.token, body: { templateId, idempotencyKey } });

  const k = key();
  const first = await send(sales1, c1.id, t.id, k);
  expect(first.status).toBe(201);
  const stolen = await send(sales2, c2.id, t.id, k);
  expect(stolen.status).toBe(409);
  expect(stolen.body.error.code).toBe('LOYALTY_IDEMPOTENCY_KEY_REUSED');
  expect(JSON.stringify(stolen.body)).not.toContain(first.body.code);
  expect(refusalInChinese(stolen.body.error)).toBe('这个操作编号已用于另一次发券，请刷新后重新发送');
  // The same key for the same customer but another coupon is refused too; a true retry gets the same coupon.
  expect((await send(sales1, c1.id, other.id, k)).status).toBe(409);
  const retry = await send(sales1, c1.id, t.id, k);
  expect([retry.status, retry.body.code]).toEqual([201, first.body.code]);
  // sales2's customer got nothing under that key, and sales2 can still send with a key of their own.
  expect((await app.request('GET', '/api/v1/me/coupons', { token: c2.token })).body.items).toEqual([]);
  expect((await send(sales2, c2.id, t.id, key())).status).toBe(201);
});

test('staff redeem a coupon at the till by code, once', async () => {
  const t = await template({ channels: ['staff'], pointsCost: 0 });
  const s = await shopper(app, '13600000005');
  const { code } = (
    await app.request('POST', `/api/v1/loyalty/members/${s.id}/coupons`, { token: admin.token, body: { templateId: t.id, idempotencyKey: key() } })
  ).body;
  const first = await app.request('POST', '/api/v1/loyalty/coupons/redeem', { token: admin.token, body: { code: code.toLowerCase() } });
  expect(first.status).toBe(200);
  expect(first.body.state).toBe('used');
  const second = await app.request('POST', '/api/v1/loyalty/coupons/redeem', { token: admin.token, body: { code } });
  expect(second.status).toBe(409);
  expect((await app.request('POST', '/api/v1/loyalty/coupons/redeem', { token: admin.token, body: { code: 'NOSUCHCODE99' } })).status).toBe(404);
});

test('a tier-exclusive coupon is refused to members below the tier with 403', async () => {
  const t = await template({ minTier: 'gold', pointsCost: 1 });
  const s = await shopper(app, '13600000006');
  await give(s.id, 10);
  const res = await exchange(s.token, t.id);
  expect(res.status).toBe(403);
  expect(res.body.error.message).toMatch(/金卡/);
  const cat = await app.request('GET', '/api/v1/me/exchange', { token: s.token });
  expect(cat.body.items.find((x: any) => x.id === t.id)).toMatchObject({ tierAllowed: false, affordable: true });
});

test('a bulk issue to a list of customers runs as a job, reports progress and never issues twice', async () => {
  const t = await template({ channels: ['campaign'], pointsCost: 0, stock: 3 });
  const people = [await shopper(app, '13600000007'), await shopper(app, '13600000008'), await shopper(app, '13600000009'), await shopper(app, '13600000010')];
  const created = await app.request('POST', '/api/v1/loyalty/batches', {
    token: admin.token,
    body: { templateId: t.id, customerIds: people.map((p) => p.id) },
  });
  expect(created.status).toBe(202);
  expect(created.body).toMatchObject({ state: 'queued', total: 4, processed: 0 });
  const job = (await import('../../../jobs/index.js')).jobDefinitions(app.rt.services).find((j) => j.name === 'loyalty.issue-batches')!;
  await job.run({});
  await job.run({});
  const done = await app.request('GET', `/api/v1/loyalty/batches/${created.body.id}`, { token: admin.token });
  expect(done.body).toMatchObject({ state: 'done', total: 4, processed: 4, issued: 3, failed: 1 });
  expect(done.body.failures[0].reason).toMatch(/out of stock/);
});
