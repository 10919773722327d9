import { startTestApp, type TestApp } from '../support/harness.js';

/** Audiences over loyalty (member or not, tier, points, unused coupons) on members built by real orders. */
const NOW = new Date();
let app: TestApp;
let manager: string;
const tenant = () => app.config.DEFAULT_TENANT;
const ids: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp({ now: () => NOW });
  manager = (await app.staff('community_manager')).token;
  const s = app.rt.services;
  const people: Array<[string, string]> = [
    ['金卡客', '13700000001'],
    ['银卡客', '13700000002'],
    ['新会员', '13700000003'],
    ['有券客', '13700000004'],
    ['路人', '13700000005'],
  ];
  for (const [name, phone] of people) ids[name] = await s.customers.identify(tenant(), { phone }, { name }, 'wecom');
  const order = (id: string, phone: string, amount: number) => ({
    eventId: id,
    type: 'order.paid',
    occurredAt: NOW.toISOString(),
    customer: { phone },
    data: { orderId: id, amount },
  });
  // ¥6,000 makes 金卡 (gold from 500,000 fen) with 6,000 points; ¥1,500 makes 银卡 with 1,500.
  await s.events.ingest(tenant(), [order('lo-1', '13700000001', 600_000), order('lo-2', '13700000002', 150_000)]);
  await s.events.settle();
  await s.loyalty.join(tenant(), ids['新会员'], 'shopper');
  await s.loyalty.join(tenant(), ids['有券客'], 'shopper');
  const t: any = await s.loyalty.coupons.createTemplate(tenant(), {
    name: '满减券',
    kind: 'amount',
    amountOff: 1_000,
    threshold: 5_000,
    validity: { kind: 'relative', days: 30 },
    stock: 100,
    perCustomerLimit: 5,
    channels: ['campaign'],
  });
  await s.loyalty.coupons.issue(tenant(), { templateId: String(t.id ?? t._id), customerId: ids['有券客'], channel: 'campaign', issueKey: 'seg-loyalty-1' });
}, 60_000);
afterAll(() => app?.stop());

const preview = (audience: unknown) => app.request('POST', '/api/v1/segments/preview', { token: manager, body: { audience, sampleSize: 50 } });
const and = (...rules: unknown[]) => ({ type: 'group', op: 'and', rules });
const or = (...rules: unknown[]) => ({ type: 'group', op: 'or', rules });
const names = (body: any) => body.sample.map((c: any) => Object.keys(ids).find((n) => ids[n] === c.id)).sort();

test('the members fixture is what the audiences below assume: tiers from real orders', async () => {
  expect((await app.rt.services.loyalty.members.find(tenant(), ids['金卡客']))?.tier).toBe('gold');
  expect((await app.rt.services.loyalty.members.find(tenant(), ids['银卡客']))?.tier).toBe('silver');
  expect(await app.rt.services.loyalty.members.find(tenant(), ids['路人'])).toBeNull();
});

test.each([
  ['gold and silver members', and({ type: 'loyalty', tiers: ['gold', 'silver'] }), ['金卡客', '银卡客']],
  ['members with at least 2,000 points', and({ type: 'loyalty', points: { min: 2_000 } }), ['金卡客']],
  ['members with 1,000 to 2,000 points', and({ type: 'loyalty', points: { min: 1_000, max: 2_000 } }), ['银卡客']],
  ['customers who are not members yet', and({ type: 'loyalty', member: false }), ['路人']],
  ['customers holding an unused coupon', and({ type: 'loyalty', coupon: 'available' }), ['有券客']],
  ['members without an unused coupon', and({ type: 'loyalty', member: true, coupon: 'none' }), ['新会员', '金卡客', '银卡客']],
  ['gold members or coupon holders', or({ type: 'loyalty', tiers: ['gold'] }, { type: 'loyalty', coupon: 'available' }), ['有券客', '金卡客']],
  [
    'not gold, but a member',
    and({ type: 'loyalty', member: true }, { type: 'group', op: 'and', not: true, rules: [{ type: 'loyalty', tiers: ['gold'] }] }),
    ['新会员', '有券客', '银卡客'],
  ],
])('the audience "%s" counts exactly those customers', async (_label, audience, expected) => {
  const res = await preview(audience);
  expect(res.status).toBe(200);
  expect(res.body.count).toBe(expected.length);
  expect(names(res.body)).toEqual([...expected].sort());
});

test('a loyalty condition with nothing to match, or tiers for non-members, is refused with 400 saying why', async () => {
  const empty = await preview(and({ type: 'loyalty' }));
  expect(empty.status).toBe(400);
  expect(JSON.stringify(empty.body.error)).toMatch(/needs member, tiers, points or coupon/);
  const contradictory = await preview(and({ type: 'loyalty', member: false, tiers: ['gold'] }));
  expect(contradictory.status).toBe(400);
  expect(JSON.stringify(contradictory.body.error)).toMatch(/tiers and points apply to members/);
});

test('a saved segment of gold members shows how many there are', async () => {
  const res = await app.request('POST', '/api/v1/segments', {
    token: manager,
    body: { name: '金卡会员', audience: and({ type: 'loyalty', tiers: ['gold'] }) },
  });
  expect(res.status).toBe(201);
  expect((await app.request('GET', `/api/v1/segments/${res.body.id}`, { token: manager })).body.memberCount).toBe(1);
});
