import type { TestApp } from '../support/harness.js';
import { jobDefinitions } from '../../server/src/jobs/index.js';
import { key, paid, postEvents, refunded, settableClock, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * The member center's points and coupons are served from a Redis cache (shared/cache/shopper-cache.ts).
 * Every test reads first, so the answer is cached, then changes something through a real path, and
 * expects the very next read to show the change: one test per kind of writer.
 */
const clock = settableClock(new Date().toISOString());
let app: TestApp;
let admin: { id: string; token: string };
let apiKey: string;
beforeAll(async () => {
  app = await startLoyaltyTestApp({ env: { DEMO_MODE: 'true' }, now: clock.now });
  admin = await app.staff('admin');
  apiKey = (await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop')).key;
});
afterAll(() => app.stop());

const tenantId = () => app.config.DEFAULT_TENANT;
const job = (name: string) =>
  jobDefinitions(app.rt.services)
    .find((j) => j.name === name)!
    .run({});
const get = async (token: string, path: string) => {
  const res = await app.request('GET', `/api/v1/me/${path}`, { token });
  expect(res.status).toBe(200);
  return res.body;
};
const balance = async (token: string) => (await get(token, 'points')).balance as number;
const coupons = async (token: string, state?: string) =>
  (await get(token, `coupons${state ? `?state=${state}` : ''}`)).items as Array<{ code: string; state: string; name: string }>;
/** The answer just read really sits in Redis, so the read after a change would have been served stale. */
const cached = async (customerId: string, part: string) => (await app.rt.services.deps.redis.exists(`shop:body:${tenantId()}:${customerId}:${part}`)) === 1;
const adjust = (customerId: string, points: number) =>
  app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, { token: admin.token, body: { points, reason: 'at the till', idempotencyKey: key() } });
const day = (offsetDays = 0) => new Date(clock.now().getTime() + offsetDays * 86_400_000).toISOString();
let phones = 13_700_000_000;
const newMember = async (points = 0) => {
  const s = await shopper(app, String(phones++));
  await app.request('GET', '/api/v1/me/card', { token: s.token });
  if (points) expect((await adjust(s.id, points)).status).toBe(201);
  return s;
};
async function template(over: Record<string, unknown> = {}) {
  const res = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '满100减10',
      kind: 'amount',
      amountOff: 1000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 1000,
      perCustomerLimit: 5,
      channels: ['exchange', 'staff'],
      pointsCost: 10,
      allowUnredeem: true,
      ...over,
    },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}
const sendCoupon = async (customerId: string, templateId: string) => {
  const res = await app.request('POST', `/api/v1/loyalty/members/${customerId}/coupons`, { token: admin.token, body: { templateId, idempotencyKey: key() } });
  expect(res.status).toBe(201);
  return res.body as { code: string };
};

test('membership: before joining /me/points says so (never cached); after opening the card it answers', async () => {
  const s = await shopper(app, String(phones++));
  const before = await app.request('GET', '/api/v1/me/points', { token: s.token });
  expect(before.status).toBe(404);
  expect(await cached(s.id, 'points')).toBe(false);
  expect((await app.request('GET', '/api/v1/me/card', { token: s.token })).status).toBe(200);
  expect(await balance(s.token)).toBe(0);
});

test('points: check-in, order earn, staff spend and manual earn each show on the very next read', async () => {
  const s = await newMember();
  expect(await balance(s.token)).toBe(0);
  expect(await cached(s.id, 'points')).toBe(true);

  expect((await app.request('POST', '/api/v1/me/check-in', { token: s.token })).status).toBe(200);
  expect(await balance(s.token)).toBe(5);
  await postEvents(app, apiKey, [paid(key(), s.phone, `o-${key()}`, 10_000, day())]);
  expect(await balance(s.token)).toBe(105);
  expect((await adjust(s.id, -30)).status).toBe(201);
  expect(await balance(s.token)).toBe(75);
  expect((await adjust(s.id, 7)).status).toBe(201);
  expect(await balance(s.token)).toBe(82);
  // /me/points/expiring shares the cached points answer.
  expect((await get(s.token, 'points/expiring')).items.reduce((n: number, l: { points: number }) => n + l.points, 0)).toBe(82);
});

test('a cached answer is sent as the same JSON as the first read, with the same content type', async () => {
  const s = await newMember(120);
  const tpl = await template({ name: '满50减5' });
  await sendCoupon(s.id, tpl.id);
  for (const path of ['points', 'coupons', 'coupons?state=available']) {
    const first = await app.request('GET', `/api/v1/me/${path}`, { token: s.token });
    expect(await cached(s.id, path === 'points' ? 'points' : `coupons:${path.includes('=') ? 'available' : 'all'}`)).toBe(true);
    const again = await app.request('GET', `/api/v1/me/${path}`, { token: s.token });
    expect([path, again.status, again.headers.get('content-type')]).toEqual([path, 200, 'application/json; charset=utf-8']);
    expect(again.body).toEqual(first.body);
  }
  expect((await get(s.token, 'points')).balance).toBe(120);
  expect((await get(s.token, 'coupons')).items.map((c: { name: string }) => c.name)).toEqual(['满50减5']);
});

test('a refund reverses points and gives back the coupon used on the order, both on the next read', async () => {
  const t = await template({ pointsCost: 0, channels: ['staff'] });
  const s = await newMember();
  const c = await sendCoupon(s.id, t.id);
  const order = `o-${key()}`;
  expect(await coupons(s.token, 'available')).toEqual([expect.objectContaining({ code: c.code })]);
  await postEvents(app, apiKey, [paid(key(), s.phone, order, 20_000, day(), c.code)]);
  expect(await balance(s.token)).toBe(200);
  expect(await coupons(s.token, 'available')).toEqual([]);
  expect(await coupons(s.token, 'used')).toEqual([expect.objectContaining({ code: c.code, state: 'used' })]);
  expect(await cached(s.id, 'coupons:used')).toBe(true);

  await postEvents(app, apiKey, [refunded(key(), s.phone, order, 20_000, day())]);
  expect(await balance(s.token)).toBe(0);
  expect(await coupons(s.token, 'used')).toEqual([]);
  expect(await coupons(s.token, 'available')).toEqual([expect.objectContaining({ code: c.code, state: 'available' })]);
});

test('coupons: issue, exchange for points, redeem (核销) at the till and revoke each show on the next read', async () => {
  const t = await template();
  const s = await newMember(50);
  expect(await coupons(s.token)).toEqual([]);
  expect(await balance(s.token)).toBe(50);

  const given = await sendCoupon(s.id, t.id);
  expect((await coupons(s.token)).map((c) => c.code)).toEqual([given.code]);

  const bought = await app.request('POST', '/api/v1/me/exchange', { token: s.token, body: { templateId: t.id, idempotencyKey: key() } });
  expect(bought.status).toBe(201);
  expect((await coupons(s.token, 'available')).map((c) => c.code).sort()).toEqual([given.code, bought.body.code].sort());
  expect(await balance(s.token)).toBe(40);

  const redeemed = await app.request('POST', '/api/v1/loyalty/coupons/redeem', {
    token: admin.token,
    body: { code: given.code, orderId: `till-${key()}`, orderAmount: 20_000 },
  });
  expect(redeemed.status).toBe(200);
  expect((await coupons(s.token)).find((c) => c.code === given.code)?.state).toBe('used');

  expect((await app.request('POST', `/api/v1/loyalty/coupons/${bought.body.code}/revoke`, { token: admin.token })).status).toBe(200);
  expect((await coupons(s.token)).find((c) => c.code === bought.body.code)?.state).toBe('revoked');
  expect(await coupons(s.token, 'available')).toEqual([]);
});

test('a change to the coupon template (its name) shows on every holder’s next read', async () => {
  const t = await template({ name: '旧名字' });
  const s = await newMember();
  await sendCoupon(s.id, t.id);
  expect((await coupons(s.token))[0].name).toBe('旧名字');
  expect((await app.request('PATCH', `/api/v1/loyalty/templates/${t.id}`, { token: admin.token, body: { name: '新名字' } })).status).toBe(200);
  expect((await coupons(s.token))[0].name).toBe('新名字');
});

test('a loyalty settings change (the tenant’s time zone) shows on the next read of what expires when', async () => {
  const s = await newMember(10);
  const before = (await get(s.token, 'points/expiring')).items;
  expect(before).toHaveLength(1);
  const current = (await app.request('GET', '/api/v1/loyalty/settings', { token: admin.token })).body;
  try {
    // Lots expire at local midnight and show as the local day before; an hour further east, the same
    // instant falls on the next local day.
    expect(
      (await app.request('PUT', '/api/v1/loyalty/settings', { token: admin.token, body: { utcOffsetMinutes: current.utcOffsetMinutes + 60 } })).status,
    ).toBe(200);
    const after = (await get(s.token, 'points/expiring')).items;
    expect(after[0].expiresAt).toBe(before[0].expiresAt);
    expect(after[0].date > before[0].date).toBe(true);
  } finally {
    await app.request('PUT', '/api/v1/loyalty/settings', { token: admin.token, body: { utcOffsetMinutes: current.utcOffsetMinutes } });
  }
});

test('a spend finished by the repair job (the request crashed half-way) shows on the next read', async () => {
  const s = await newMember(100);
  expect(await balance(s.token)).toBe(100);
  const L = app.rt.services.loyalty;
  // A crash after step 1: the entry is pending, the balance untouched; the repair job applies it later.
  const { PointsEntryModel } = await import('../../server/src/modules/loyalty/points.model.js');
  const { Types } = await import('mongoose');
  await PointsEntryModel.create({
    tenantId: tenantId(),
    customerId: new Types.ObjectId(s.id),
    key: `crashed:${key()}`,
    type: 'spend',
    points: -40,
    requested: 40,
    state: 'pending',
    reason: 'crashed',
    source: 'manual',
    createdAt: new Date(clock.now().getTime() - 120_000),
  });
  expect(await balance(s.token)).toBe(100);
  expect(await L.ledger.repairPending()).toBeGreaterThan(0);
  expect(await balance(s.token)).toBe(60);
});

test('time alone: a coupon ending within the cache lifetime reads as expired the moment it ends', async () => {
  const now = clock.now().getTime();
  const t = await template({
    pointsCost: 0,
    channels: ['staff'],
    validity: { kind: 'fixed', from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 30_000).toISOString() },
  });
  const s = await newMember();
  const c = await sendCoupon(s.id, t.id);
  expect(await coupons(s.token)).toEqual([expect.objectContaining({ code: c.code, state: 'available' })]);
  expect(await coupons(s.token, 'expired')).toEqual([]);
  expect(await cached(s.id, 'coupons:all')).toBe(true);
  const start = clock.now().toISOString();
  try {
    clock.advanceDays(31 / 86_400); // 31 s: past the coupon's end, well within the 60 s a body may live
    expect(await coupons(s.token)).toEqual([expect.objectContaining({ code: c.code, state: 'expired' })]);
    expect(await coupons(s.token, 'expired')).toEqual([expect.objectContaining({ code: c.code })]);
  } finally {
    clock.set(start);
  }
});

test('time alone: a coupon past its end reads as expired, and points lots expire, without any stale read', async () => {
  const t = await template({ pointsCost: 0, channels: ['staff'], validity: { kind: 'relative', days: 2 } });
  const s = await newMember(30);
  const c = await sendCoupon(s.id, t.id);
  expect((await coupons(s.token))[0]).toMatchObject({ code: c.code, state: 'available' });
  expect(await coupons(s.token, 'expired')).toEqual([]);
  const lots = (await get(s.token, 'points')).expiring as Array<{ expiresAt: string }>;
  const start = clock.now().toISOString();
  try {
    clock.advanceDays(3); // past the coupon's end, before any job ran
    expect((await coupons(s.token))[0]).toMatchObject({ code: c.code, state: 'expired' });
    expect(await coupons(s.token, 'expired')).toEqual([expect.objectContaining({ code: c.code })]);
    expect(await coupons(s.token, 'available')).toEqual([]);
    await job('loyalty.expire-coupons');
    expect((await coupons(s.token))[0]).toMatchObject({ code: c.code, state: 'expired' });

    expect(await balance(s.token)).toBe(30);
    clock.set(new Date(new Date(lots[0].expiresAt).getTime() + 1000).toISOString());
    await job('loyalty.expire-points');
    expect(await balance(s.token)).toBe(0);
    expect((await get(s.token, 'points')).expiring).toEqual([]);
  } finally {
    clock.set(start);
  }
});

test('shopper B never gets shopper A’s cached answer', async () => {
  const t = await template({ pointsCost: 0, channels: ['staff'] });
  const a = await newMember(77);
  const b = await newMember(5);
  const ca = await sendCoupon(a.id, t.id);
  expect(await balance(a.token)).toBe(77);
  expect((await coupons(a.token)).map((c) => c.code)).toEqual([ca.code]);
  expect(await cached(a.id, 'points')).toBe(true);
  expect(await balance(b.token)).toBe(5);
  expect(await coupons(b.token)).toEqual([]);
  // The query string names a state, never a customer; whatever it says, the key is the token's.
  expect(await coupons(b.token, 'available')).toEqual([]);
  expect(await balance(a.token)).toBe(77);
});

test('50 reads at once, interleaved with spends: no read shows a balance older than a spend finished before it started', async () => {
  const s = await newMember(1000);
  expect(await balance(s.token)).toBe(1000);
  // The balance after each completed spend; a read started after spend k must show at most that.
  let settled = 1000;
  const violations: string[] = [];
  const spends = (async () => {
    for (let i = 0; i < 10; i++) {
      const res = await adjust(s.id, -10);
      expect(res.status).toBe(201);
      settled = res.body.balanceAfter;
    }
  })();
  const reads = Array.from({ length: 50 }, async (_, i) => {
    await new Promise((r) => setTimeout(r, i * 4));
    const ceiling = settled;
    const seen = await balance(s.token);
    if (seen > ceiling) violations.push(`read ${i} saw ${seen} after a spend had left ${ceiling}`);
  });
  await Promise.all([spends, ...reads]);
  expect(violations).toEqual([]);
  expect(await balance(s.token)).toBe(900);
});

test('a merged profile’s token reads the survivor, and an erased shopper’s cached answer is gone', async () => {
  const older = await newMember(11);
  const newer = await newMember(4);
  expect(await balance(newer.token)).toBe(4);
  expect(await cached(newer.id, 'points')).toBe(true);
  // The newer profile is folded into the older one (its 4 points move along); its token now reads the survivor.
  expect(await app.rt.services.merges.merge(tenantId(), older.id, newer.id, 'same person')).toBe(older.id);
  expect(await balance(newer.token)).toBe(15);
  expect(await balance(older.token)).toBe(15);

  const erased = await newMember(9);
  expect(await balance(erased.token)).toBe(9);
  expect((await app.request('POST', '/api/v1/me/erasure', { token: erased.token, body: { confirm: true } })).status).toBe(200);
  // Erasure ended the shopper's sessions: nothing, cached or not, answers that token any more.
  expect((await app.request('GET', '/api/v1/me/points', { token: erased.token })).status).toBe(401);
  expect((await app.request('GET', '/api/v1/me/coupons', { token: erased.token })).status).toBe(401);
});
