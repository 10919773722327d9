import type { TestApp } from '../support/harness.js';
import { signToken } from '../../server/src/shared/tokens.js';
import { jobDefinitions } from '../../server/src/jobs/index.js';
import { key, paid, postEvents, refunded, settableClock, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/** Loyalty driven by orders from the shop platform: earn, reverse, expire, tiers, and who may see what. */
const clock = settableClock('2026-11-20T04:00:00Z');
let app: TestApp;
let admin: { id: string; token: string };
let apiKey: string;
beforeAll(async () => {
  app = await startLoyaltyTestApp({ env: { DEMO_MODE: 'true' }, now: clock.now });
  admin = await staffNow('admin');
  apiKey = (await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop')).key;
});
afterAll(() => app.stop());

/** Staff sign in on the test's clock, as everything else does. */
const staffNow = (role: 'admin' | 'sales') => app.staff(role);
const job = (name: string) =>
  jobDefinitions(app.rt.services)
    .find((j) => j.name === name)!
    .run({});
const points = async (token: string) => (await app.request('GET', '/api/v1/me/points', { token })).body;
const spend = (customerId: string, n: number) =>
  app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, {
    token: admin.token,
    body: { points: -n, reason: 'redeemed at the till', idempotencyKey: key() },
  });

test('the same paid order posted 5 times (5 event ids, at once) earns points once', async () => {
  const s = await shopper(app, '13500000001');
  await Promise.all(Array.from({ length: 5 }, (_, i) => postEvents(app, apiKey, [paid(`dup-${i}`, s.phone, 'order-dup', 12_345, '2026-11-20T03:00:00Z')])));
  // ¥123.45 at 1 point per yuan, ×1.0, rounded down.
  expect((await points(s.token)).balance).toBe(123);
  const ledger = await app.request('GET', '/api/v1/me/points/ledger', { token: s.token });
  expect(ledger.body.items).toHaveLength(1);
  expect(ledger.body.items[0]).toMatchObject({ type: 'earn', points: 123, source: 'order', orderId: 'order-dup' });
});

test('a refund reverses what the order earned, even if partly spent: balance stops at 0 and the shortfall is recorded', async () => {
  const s = await shopper(app, '13500000002');
  await postEvents(app, apiKey, [paid('rf-1', s.phone, 'order-rf', 10_000, '2026-11-20T03:00:00Z')]);
  expect((await points(s.token)).balance).toBe(100);
  expect((await spend(s.id, 80)).status).toBe(201);
  await postEvents(app, apiKey, [refunded('rf-2', s.phone, 'order-rf', 10_000, '2026-11-20T05:00:00Z')]);
  expect((await points(s.token)).balance).toBe(0);
  const ledger = await app.request('GET', `/api/v1/loyalty/members/${s.id}/ledger?type=reverse`, { token: admin.token });
  expect(ledger.body.items).toEqual([expect.objectContaining({ type: 'reverse', points: -20, requested: 100, shortfall: 80, balanceAfter: 0 })]);
});

test('partial refunds reverse in proportion and add up to exactly what was earned', async () => {
  const s = await shopper(app, '13500000003');
  await postEvents(app, apiKey, [paid('pr-1', s.phone, 'order-pr', 10_000, '2026-11-20T03:00:00Z')]);
  expect((await points(s.token)).balance).toBe(100);
  await postEvents(app, apiKey, [refunded('pr-2', s.phone, 'order-pr', 3_333, '2026-11-20T05:00:00Z')]);
  expect((await points(s.token)).balance).toBe(100 - 33); // floor(100 × 3333 / 10000)
  await postEvents(app, apiKey, [refunded('pr-3', s.phone, 'order-pr', 6_667, '2026-11-20T06:00:00Z')]);
  expect((await points(s.token)).balance).toBe(0);
});

test('orders beyond the daily cap earn only up to the cap', async () => {
  const put = await app.request('PUT', '/api/v1/loyalty/settings', {
    token: admin.token,
    body: { earn: { pointsPerYuan: 1, dailyCap: 150, checkInPoints: 5 } },
  });
  expect(put.status).toBe(200);
  const s = await shopper(app, '13500000004');
  await postEvents(app, apiKey, [
    paid('cap-1', s.phone, 'order-cap-1', 10_000, '2026-11-20T01:00:00Z'),
    paid('cap-2', s.phone, 'order-cap-2', 10_000, '2026-11-20T02:00:00Z'),
  ]);
  expect((await points(s.token)).balance).toBe(150);
  await app.request('PUT', '/api/v1/loyalty/settings', { token: admin.token, body: { earn: { pointsPerYuan: 1, dailyCap: 20_000, checkInPoints: 5 } } });
});

test('points expire FIFO across lots: the oldest lot first, each on its date, once', async () => {
  const s = await shopper(app, '13500000005');
  clock.set('2025-03-01T04:00:00Z');
  await postEvents(app, apiKey, [paid('ex-1', s.phone, 'order-ex-1', 10_000, '2025-03-01T03:00:00Z')]);
  clock.set('2026-02-01T04:00:00Z');
  await postEvents(app, apiKey, [paid('ex-2', s.phone, 'order-ex-2', 5_000, '2026-02-01T03:00:00Z')]);
  expect((await spend(s.id, 30)).status).toBe(201);
  // Earned in 2025 → expire at the end of 2026 (Beijing time); earned in 2026 → end of 2027.
  expect((await points(s.token)).expiring).toEqual([
    expect.objectContaining({ date: '2026-12-31', points: 70 }),
    expect.objectContaining({ date: '2027-12-31', points: 50 }),
  ]);
  clock.set('2027-01-01T00:00:00Z');
  await job('loyalty.expire-points');
  await job('loyalty.expire-points');
  const mid = await points(s.token);
  expect(mid.balance).toBe(50);
  expect(mid.expiring).toEqual([expect.objectContaining({ date: '2027-12-31', points: 50 })]);
  clock.set('2028-01-02T00:00:00Z');
  await job('loyalty.expire-points');
  expect((await points(s.token)).balance).toBe(0);
  const expired = await app.request('GET', '/api/v1/me/points/ledger?type=expire', { token: s.token });
  expect(expired.body.items.map((e: any) => e.points)).toEqual([-50, -70]);
  expect((await app.request('GET', '/api/v1/loyalty/reconcile', { token: admin.token })).body.drift).toEqual([]);
  clock.set('2026-11-20T04:00:00Z');
});

test('a big order upgrades the tier at once; the tier review downgrades only after the grace period', async () => {
  const s = await shopper(app, '13500000006');
  await postEvents(app, apiKey, [paid('tr-1', s.phone, 'order-tr-1', 120_000, '2026-11-20T03:00:00Z')]);
  let tier = (await app.request('GET', '/api/v1/me/tier', { token: s.token })).body;
  expect(tier.tier).toMatchObject({ code: 'silver', name: '银卡', multiplierPermille: 1200 });
  expect(tier.nextTier).toMatchObject({ code: 'gold', needed: 500_000 - 120_000 });
  // The next order earns at the silver multiplier: ¥100 × 1.2 = 120.
  await postEvents(app, apiKey, [paid('tr-2', s.phone, 'order-tr-2', 10_000, '2026-11-20T04:00:00Z')]);
  expect((await points(s.token)).balance).toBe(1200 + 120);

  await postEvents(app, apiKey, [refunded('tr-3', s.phone, 'order-tr-1', 120_000, '2026-11-20T05:00:00Z')]);
  await job('loyalty.review-tiers');
  tier = (await app.request('GET', '/api/v1/me/tier', { token: s.token })).body;
  expect(tier.tier.code).toBe('silver');
  expect(tier.downgrade).toMatchObject({ to: 'normal' });

  clock.advanceDays(29);
  await job('loyalty.review-tiers');
  expect((await app.request('GET', '/api/v1/me/tier', { token: s.token })).body.tier.code).toBe('silver');
  clock.advanceDays(2);
  await job('loyalty.review-tiers');
  tier = (await app.request('GET', '/api/v1/me/tier', { token: s.token })).body;
  expect(tier.tier.code).toBe('normal');
  expect(tier.tierHistory.map((h: any) => [h.from, h.to])).toEqual([
    [null, 'normal'],
    ['normal', 'silver'],
    ['silver', 'normal'],
  ]);
  clock.set('2026-11-20T04:00:00Z');
});

test('a shopper cannot read or spend another shopper’s points', async () => {
  const a = await shopper(app, '13500000007');
  const b = await shopper(app, '13500000008');
  await postEvents(app, apiKey, [paid('iso-1', b.phone, 'order-iso', 50_000, '2026-11-20T03:00:00Z')]);
  const notYet = await app.request('GET', '/api/v1/me/points', { token: a.token });
  expect([notYet.status, notYet.body.error.code]).toEqual([404, 'LOYALTY_NOT_A_MEMBER']);
  expect((await app.request('GET', '/api/v1/me/card', { token: a.token })).body.balance).toBe(0);
  expect((await app.request('GET', `/api/v1/loyalty/members/${b.id}`, { token: a.token })).status).toBe(403);
  expect((await app.request('GET', `/api/v1/loyalty/members/${b.id}/ledger`, { token: a.token })).status).toBe(403);
  expect(
    (await app.request('POST', `/api/v1/loyalty/members/${b.id}/points`, { token: a.token, body: { points: -10, reason: 'steal', idempotencyKey: key() } }))
      .status,
  ).toBe(403);
  // A token naming B but not signed by us is not a session at all.
  const forged = await signToken('not-our-secret-not-our-secret-123456', {
    k: 'shopper',
    sub: b.id,
    t: app.config.DEFAULT_TENANT,
    exp: Math.floor(app.rt.services.deps.now().getTime() / 1000) + 600,
  });
  expect((await app.request('GET', '/api/v1/me/points', { token: forged })).status).toBe(401);
  // Sales staff see only their own customers' cards.
  const sales = await staffNow('sales');
  expect((await app.request('GET', `/api/v1/loyalty/members/${b.id}`, { token: sales.token })).status).toBe(404);
  expect((await points(b.token)).balance).toBe(500);
});

test('demo login by phone gives a shopper session whose card scans at the till', async () => {
  const s = await shopper(app, '13500000009', '林小雨');
  const login = await app.request('POST', '/api/v1/auth/shopper/demo-login', { body: { phone: s.phone } });
  expect(login.status).toBe(200);
  const me = await app.request('GET', '/api/v1/me', { token: login.body.token });
  expect(me.body).toMatchObject({ customerId: s.id, name: '林小雨', phone: '135****0009', member: null });
  const card = await app.request('GET', '/api/v1/me/card', { token: login.body.token });
  expect(card.body).toMatchObject({ memberNo: expect.stringMatching(/^M\d{8}$/), balance: 0, tier: { code: 'normal', name: '普通' } });
  const scanned = await app.request('POST', '/api/v1/loyalty/scan', { token: admin.token, body: { payload: card.body.card.payload } });
  expect(scanned.status).toBe(200);
  expect(scanned.body.memberNo).toBe(card.body.memberNo);
  clock.advanceDays(1);
  expect((await app.request('POST', '/api/v1/loyalty/scan', { token: admin.token, body: { payload: card.body.card.payload } })).status).toBe(400);
  clock.set('2026-11-20T04:00:00Z');
  expect((await app.request('POST', '/api/v1/auth/shopper/demo-login', { body: { phone: '13999999999' } })).status).toBe(404);
});

test('check-in earns once per local day; a second check-in the same day is refused with 409', async () => {
  const s = await shopper(app, '13500000010');
  const first = await app.request('POST', '/api/v1/me/check-in', { token: s.token });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ day: '2026-11-20', points: 5, balance: 5 });
  const again = await app.request('POST', '/api/v1/me/check-in', { token: s.token });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('LOYALTY_ALREADY_CHECKED_IN');
  clock.set('2026-11-20T16:30:00Z'); // 00:30 on the 21st in Beijing
  expect((await app.request('POST', '/api/v1/me/check-in', { token: s.token })).body).toMatchObject({ day: '2026-11-21', balance: 10 });
  clock.set('2026-11-20T04:00:00Z');
});
