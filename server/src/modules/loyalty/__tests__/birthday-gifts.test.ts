import type { TestApp } from '../../../../../tests/support/harness.js';
import { jobDefinitions } from '../../../jobs/index.js';
import { signToken } from '../../../shared/tokens.js';
import { settableClock, startLoyaltyTestApp } from './loyalty-test-kit.js';

// 2026-06-14 16:30 UTC is already 15 June, 00:30 in China (the default tenant's local day).
const clock = settableClock('2026-06-14T16:30:00Z');
let app: TestApp;
let admin: { id: string; token: string };
beforeAll(async () => {
  app = await startLoyaltyTestApp({ now: clock.now });
  const keep = clock.now().toISOString();
  clock.set(new Date().toISOString()); // staff sessions are checked against the wall clock
  admin = await app.staff('admin');
  clock.set(keep);
});
afterAll(() => app.stop());

const tenantId = () => app.config.DEFAULT_TENANT;
const birthdayJob = () =>
  jobDefinitions(app.rt.services)
    .find((j) => j.name === 'loyalty.birthday-gifts')!
    .run({});
async function person(phone: string, birthday?: { month: number; day: number }, member = true) {
  const id = await app.rt.services.customers.identify(tenantId(), { phone }, { name: phone, ...(birthday ? { birthday } : {}) }, 'test');
  if (member) await app.rt.services.loyalty.join(tenantId(), id, 'test');
  const token = await signToken(app.config.APP_SECRET, {
    k: 'shopper',
    sub: id,
    t: tenantId(),
    exp: Math.floor(app.rt.services.deps.now().getTime() / 1000) + 3 * 365 * 86_400,
  }); // the test moves its clock a year on
  return { id, token };
}
const ledger = async (token: string) =>
  (await app.request('GET', '/api/v1/me/points/ledger', { token })).body.items as Array<{ source: string; points: number; reason: string }>;

test('members born today (local day) get their tier’s birthday points and coupon once, whatever how often the job runs', async () => {
  const coupon = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '生日券 满100减30',
      kind: 'amount',
      amountOff: 3000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 100,
      channels: ['campaign'],
    },
  });
  expect(coupon.status).toBe(201);
  const settings = (await app.request('GET', '/api/v1/loyalty/settings', { token: admin.token })).body;
  const tiers = settings.tiers.map((t: any, i: number) => (i === 0 ? { ...t, birthdayPoints: 88, birthdayTemplateId: coupon.body.id } : t));
  expect((await app.request('PUT', '/api/v1/loyalty/settings', { token: admin.token, body: { tiers } })).status).toBe(200);

  const today = await person('13800000001', { month: 6, day: 15 });
  const yesterday = await person('13800000002', { month: 6, day: 14 });
  const notMember = await person('13800000003', { month: 6, day: 15 }, false);

  await birthdayJob();
  await birthdayJob();
  const gifts = (await ledger(today.token)).filter((e) => e.source === 'birthday');
  expect(gifts).toHaveLength(1);
  expect(gifts[0].points).toBe(88);
  expect((await app.request('GET', '/api/v1/me/points', { token: today.token })).body.balance).toBe(88);
  const coupons = (await app.request('GET', '/api/v1/me/coupons?state=available', { token: today.token })).body.items;
  expect(coupons.map((c: any) => c.name)).toEqual(['生日券 满100减30']);

  expect((await ledger(yesterday.token)).filter((e) => e.source === 'birthday')).toHaveLength(0);
  expect(await app.rt.services.loyalty.members.find(tenantId(), notMember.id)).toBeNull();
  expect((await app.request('GET', '/api/v1/loyalty/reconcile', { token: admin.token })).body.drift).toEqual([]);

  // The tier page tells the member what their birthday brings.
  const tier = (await app.request('GET', '/api/v1/me/tier', { token: today.token })).body.tier;
  expect(tier).toMatchObject({ birthdayPoints: 88, birthdayCoupon: true });

  // Next year, the gift comes again (once).
  clock.set('2027-06-15T02:00:00Z');
  try {
    await birthdayJob();
    await birthdayJob();
    expect((await ledger(today.token)).filter((e) => e.source === 'birthday').map((e) => e.reason)).toEqual([
      expect.stringMatching(/2027/),
      expect.stringMatching(/2026/),
    ]);
  } finally {
    clock.set('2026-06-14T16:30:00Z');
  }
});

test('a member born on 29 February is celebrated on 28 February in a year without the 29th', async () => {
  const leapling = await person('13800000029', { month: 2, day: 29 });
  clock.set('2027-02-28T03:00:00Z');
  try {
    await birthdayJob();
    expect((await ledger(leapling.token)).filter((e) => e.source === 'birthday')).toHaveLength(1);
  } finally {
    clock.set('2026-06-14T16:30:00Z');
  }
});

test('a shopper gives their birthday once: of five different answers sent at once exactly one is kept, the rest are refused with 409', async () => {
  const p = await person('13800000077', undefined);
  const answers = [1, 2, 3, 4, 5].map((m) => app.request('PUT', '/api/v1/me/birthday', { token: p.token, body: { month: m, day: 10 } }));
  const results = await Promise.all(answers);
  const ok = results.filter((r) => r.status === 200);
  expect(ok).toHaveLength(1);
  expect(results.filter((r) => r.status === 409)).toHaveLength(4);
  const kept = ok[0]!.body.birthday;
  expect((await app.rt.services.customers.get(tenantId(), p.id)).birthday).toMatchObject(kept);
  expect((await app.request('GET', '/api/v1/me', { token: p.token })).body.birthday).toEqual(kept);
  // An impossible date is refused before anything is stored.
  const q = await person('13800000078', undefined);
  const bad = await app.request('PUT', '/api/v1/me/birthday', { token: q.token, body: { month: 2, day: 30 } });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toMatch(/no such day/);
});
