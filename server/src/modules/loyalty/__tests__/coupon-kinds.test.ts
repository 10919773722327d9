import type { TestApp } from '../../../../../tests/support/harness.js';
import { couponDiscount } from '../coupon-discount.js';
import { key, settableClock, shopper, startLoyaltyTestApp } from './loyalty-test-kit.js';

const clock = settableClock('2026-03-10T04:00:00Z');
let app: TestApp;
let admin: { id: string; token: string };
beforeAll(async () => {
  app = await startLoyaltyTestApp({ now: clock.now });
  admin = await app.staff('admin');
});
afterAll(() => app.stop());

const template = async (over: Record<string, unknown>) => {
  const res = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: { name: 'coupon', kind: 'amount', amountOff: 1000, validity: { kind: 'relative', days: 30 }, stock: 100, channels: ['staff', 'campaign'], ...over },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
};
const send = async (customerId: string, templateId: string) => {
  const res = await app.request('POST', `/api/v1/loyalty/members/${customerId}/coupons`, { token: admin.token, body: { templateId, idempotencyKey: key() } });
  expect(res.status).toBe(201);
  return res.body as { code: string; validFrom: string; validTo: string };
};
const redeem = (code: string, orderId: string, orderAmount: number, shippingFee?: number) =>
  app.request('POST', '/api/v1/loyalty/coupons/redeem', { token: admin.token, body: { code, orderId, orderAmount, shippingFee } });

test('a percentage coupon takes its share off the order, rounded down to the fen, and never more than its cap', async () => {
  const s = await shopper(app, '13500000001');
  const t = await template({ name: '8.5折 最多减30', kind: 'percent', amountOff: 0, discountTenths: 85, maxOff: 3000, perCustomerLimit: 3 });
  const small = await redeem((await send(s.id, t.id)).code, 'o-small', 9_999);
  expect(small.status).toBe(200);
  expect(small.body).toMatchObject({ state: 'used', discount: 1_499, freeShipping: false }); // 15% of ¥99.99 = ¥14.9985 → ¥14.99
  const big = await redeem((await send(s.id, t.id)).code, 'o-big', 100_000);
  expect(big.body.discount).toBe(3_000); // 15% of ¥1000 is ¥150, capped at ¥30
  expect(couponDiscount({ kind: 'percent', discountTenths: 85, maxOff: 0 }, 100_000).discount).toBe(15_000); // no cap
});

test('a free-shipping coupon takes the shipping fee off, and a gift coupon names its gift', async () => {
  const s = await shopper(app, '13500000002');
  const ship = await template({ name: '包邮券', kind: 'shipping', amountOff: 0 });
  const gift = await template({ name: '小样礼盒', kind: 'gift', amountOff: 0, giftName: '护肤小样礼盒（5件）' });
  const a = await redeem((await send(s.id, ship.id)).code, 'o-ship', 5_000, 800);
  expect(a.body).toMatchObject({ discount: 800, freeShipping: true, gift: null });
  const b = await redeem((await send(s.id, gift.id)).code, 'o-gift', 5_000);
  expect(b.body).toMatchObject({ discount: 0, freeShipping: false, gift: '护肤小样礼盒（5件）' });
  // A gift template without a gift is refused at creation, with the field named.
  const bad = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: { name: 'x', kind: 'gift', validity: { kind: 'relative', days: 3 }, stock: 1, channels: ['staff'] },
  });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toMatch(/giftName/);
});

test('an amount coupon never takes off more than the order, and refuses an order under its threshold', async () => {
  const s = await shopper(app, '13500000003');
  const t = await template({ name: '满100减20', amountOff: 2_000, threshold: 10_000, perCustomerLimit: 2 });
  const code = (await send(s.id, t.id)).code;
  const short = await redeem(code, 'o-short', 9_900);
  expect(short.status).toBe(409);
  expect(short.body.error.message).toMatch(/at least 10000 fen/);
  expect((await redeem(code, 'o-ok', 10_000)).body).toMatchObject({ state: 'used', discount: 2_000 });
  expect(couponDiscount({ kind: 'amount', amountOff: 2_000 }, 1_500).discount).toBe(1_500);
});

test('validity "N days after issue" starts at the issue; fixed dates refuse use before the start and after the end', async () => {
  const s = await shopper(app, '13500000004');
  const rel = await send(s.id, (await template({ name: '7天券', validity: { kind: 'relative', days: 7 } })).id);
  expect(new Date(rel.validFrom).toISOString()).toBe('2026-03-10T04:00:00.000Z');
  expect(new Date(rel.validTo).toISOString()).toBe('2026-03-17T04:00:00.000Z');

  const fixed = await send(
    s.id,
    (await template({ name: '五一券', validity: { kind: 'fixed', from: '2026-05-01T00:00:00Z', to: '2026-05-06T00:00:00Z' } })).id,
  );
  expect(new Date(fixed.validFrom).toISOString()).toBe('2026-05-01T00:00:00.000Z');
  const early = await redeem(fixed.code, 'o-early', 20_000);
  expect(early.status).toBe(409);
  expect(early.body.error.message).toMatch(/not valid yet/);

  clock.set('2026-05-07T00:00:00Z');
  try {
    const late = await redeem(fixed.code, 'o-late', 20_000);
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/expired/);
    const mine = await app.request('GET', `/api/v1/loyalty/members/${s.id}/coupons`, { token: admin.token });
    const states = Object.fromEntries(mine.body.items.map((c: any) => [c.code, c.state]));
    expect(states[fixed.code]).toBe('expired');
    expect(states[rel.code]).toBe('expired');
  } finally {
    clock.set('2026-03-10T04:00:00Z');
  }
});

test('a bulk issue to a saved segment reaches exactly its members, once, with progress to the end', async () => {
  const inCity = [];
  for (let i = 0; i < 5; i++) {
    const id = await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: `1350000010${i}` }, { name: `苏州${i}`, city: '苏州' }, 'test');
    inCity.push(id);
  }
  const outsider = await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: '13500000199' }, { name: '杭州', city: '杭州' }, 'test');
  const seg = await app.request('POST', '/api/v1/segments', {
    token: admin.token,
    body: { name: '苏州顾客', audience: { type: 'group', op: 'and', rules: [{ type: 'city', in: ['苏州'] }] } },
  });
  expect(seg.status).toBe(201);
  const t = await template({ name: '苏州专享', channels: ['campaign'], stock: 100 });
  const created = await app.request('POST', '/api/v1/loyalty/batches', { token: admin.token, body: { templateId: t.id, segmentId: seg.body.id } });
  expect(created.status).toBe(202);
  expect(created.body).toMatchObject({ state: 'queued', total: 5, processed: 0, segmentId: seg.body.id });

  const job = (await import('../../../jobs/index.js')).jobDefinitions(app.rt.services).find((j) => j.name === 'loyalty.issue-batches')!;
  await job.run({});
  await job.run({}); // a second run (a restarted worker) issues nothing more
  const done = await app.request('GET', `/api/v1/loyalty/batches/${created.body.id}`, { token: admin.token });
  expect(done.body).toMatchObject({ state: 'done', total: 5, processed: 5, issued: 5, failed: 0 });
  const list = await app.request('GET', '/api/v1/loyalty/batches', { token: admin.token });
  expect(list.body.items[0]).toMatchObject({ id: created.body.id, total: 5, processed: 5, state: 'done' });

  for (const id of inCity) {
    const cs = await app.request('GET', `/api/v1/loyalty/members/${id}/coupons`, { token: admin.token });
    expect(cs.body.items.filter((c: any) => c.templateId === t.id)).toHaveLength(1);
  }
  const other = await app.request('GET', `/api/v1/loyalty/members/${outsider}/coupons`, { token: admin.token });
  expect(other.body.items ?? []).toHaveLength(0);
});
