import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * RFM scores and churn warning on a controlled clock, from a fixed day, that only moves forward.
 */
const DAY = 86_400_000;
const start = Date.parse('2026-06-01T02:00:00Z');
let clock = start;
const at = (d: number) => new Date(start + d * DAY).toISOString();

let app: TestApp;
let key: string;
const tenant = () => app.config.DEFAULT_TENANT;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(clock) });
  key = (await app.rt.services.staff.createApiKey(tenant(), 'shop')).key;
});
afterAll(() => app?.stop());

let n = 0;
const order = (phone: string, amount: number, day: number) => ({
  eventId: `ev-${++n}`,
  type: 'order.paid',
  occurredAt: at(day),
  customer: { phone },
  data: { orderId: `o-${n}`, amount },
});
const ingest = async (events: unknown[]) => {
  const res = await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events } });
  expect(res.body.rejected).toBe(0);
  await app.settle();
  return res.body.results as Array<{ customerId: string }>;
};
const profile = (id: string) => app.rt.services.customers.get(tenant(), id) as Promise<any>;

test('the nightly run puts frequent big spenders in 重要价值 and one-off small buyers long ago in 一般挽留, and keeps the run for trends', async () => {
  const events: unknown[] = [];
  // Ten buyers: the first ones recent, frequent and big; the last ones long ago, once, small.
  for (let i = 0; i < 10; i++) {
    const phone = `1370000000${i}`;
    const orders = 10 - i;
    for (let k = 0; k < orders; k++) events.push(order(phone, (10 - i) * 10_000, -(i * 30 + k * 2)));
  }
  const results = await ingest(events);
  const first = results[0].customerId;
  const last = results[results.length - 1].customerId;
  await app.rt.services.rfm.nightly();
  expect((await profile(first)).rfm).toMatchObject({ r: 5, f: 5, m: 5, class: '重要价值' });
  expect((await profile(last)).rfm).toMatchObject({ r: 1, f: 1, m: 1, class: '一般挽留' });

  const manager = (await app.staff('community_manager')).token;
  const runs = await app.request('GET', '/api/v1/rfm/runs', { token: manager });
  expect(runs.status).toBe(200);
  const dist = runs.body.items[0].distribution;
  expect(Object.values(dist).reduce((a: number, b: any) => a + b, 0)).toBe(10);
  expect(dist['重要价值']).toBeGreaterThanOrEqual(1);

  const seg = await app.request('POST', '/api/v1/segments/preview', {
    token: manager,
    body: { audience: { type: 'group', op: 'and', rules: [{ type: 'rfm', classes: ['重要价值'] }] } },
  });
  expect(seg.body.count).toBe(dist['重要价值']);
  const hist = await app.request('GET', `/api/v1/rfm/customers/${first}/history`, { token: manager });
  expect(hist.body.items[0]).toMatchObject({ class: '重要价值' });
});

test('a customer who orders every 10 days is at risk after 20 quiet days; the owner gets one follow-up however often the sweep runs; a new order clears it', async () => {
  const s = app.rt.services;
  const owner = await app.staff('sales');
  const id = await s.customers.identify(tenant(), { phone: '13611110000' }, { name: '周婷', ownerStaffId: owner.id });
  await ingest([order('13611110000', 5_000, -20), order('13611110000', 5_000, -10), order('13611110000', 5_000, 0)]);
  const p = await profile(id);
  expect(p.rfm.churn).toMatchObject({ state: 'ok', gapDays: 10 });

  clock = start + 19 * DAY;
  await s.rfm.sweepChurn(tenant());
  expect((await profile(id)).rfm.churn.state).toBe('ok');

  clock = start + 21 * DAY;
  await s.rfm.sweepChurn(tenant());
  await s.rfm.sweepChurn(tenant());
  expect((await profile(id)).rfm.churn.state).toBe('at_risk');
  // Signed in again: the session from 21 days ago has expired on this clock.
  const { token } = await s.staff.login(tenant(), owner.username, 'harbor-kettle-2026');
  const tasks = await app.request('GET', '/api/v1/follow-ups', { token });
  const churnTasks = tasks.body.items.filter((t: any) => t.source === 'churn_warning' && String(t.customerId) === id);
  expect(churnTasks).toHaveLength(1);
  expect(churnTasks[0].title).toMatch(/平时约 10 天一单，已 21 天未下单/);

  const manager = (await app.staff('community_manager')).token;
  const atRisk = await app.request('POST', '/api/v1/segments/preview', {
    token: manager,
    body: { sampleSize: 50, audience: { type: 'group', op: 'and', rules: [{ type: 'churn', in: ['at_risk'] }] } },
  });
  expect(atRisk.body.sample.map((c: any) => c.id)).toContain(id);

  await ingest([order('13611110000', 8_000, 21)]);
  expect((await profile(id)).rfm.churn.state).toBe('ok');
});

test('a one-order customer is not warned before the minimum and default cadence', async () => {
  const s = app.rt.services;
  clock = start + 30 * DAY;
  const [{ customerId }] = await ingest([order('13622220000', 5_000, 30)]);
  // default gap 45 days × 2 = 90 days
  clock = start + 119 * DAY;
  await s.rfm.sweepChurn(tenant());
  expect((await profile(customerId)).rfm.churn.state).toBe('ok');
  clock = start + 121 * DAY;
  await s.rfm.sweepChurn(tenant());
  expect((await profile(customerId)).rfm.churn.state).toBe('at_risk');
});

test('a customer who removed us on WeCom is flagged lost', async () => {
  const s = app.rt.services;
  const id = await s.customers.identify(tenant(), { phone: '13633330000' }, { name: '吴磊' });
  await s.customers.setWecomRelation(tenant(), id, { relation: 'lost', at: new Date(clock) });
  await s.rfm.sweepChurn(tenant());
  expect((await profile(id)).rfm.churn.state).toBe('lost');
});

test('an admin can configure fixed cut points; bad ones are refused with 400 and other roles with 403', async () => {
  const admin = (await app.staff('admin')).token;
  const manager = (await app.staff('community_manager')).token;
  const cuts = { r: [7, 30, 90, 180], f: [1, 2, 4, 8], m: [5_000, 20_000, 50_000, 100_000] };
  expect((await app.request('PUT', '/api/v1/rfm/settings', { token: manager, body: { cuts } })).status).toBe(403);
  const bad = await app.request('PUT', '/api/v1/rfm/settings', { token: admin, body: { cuts: { ...cuts, f: [1, 1, 2, 3] } } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/order count cut points must be strictly ascending/);
  const ok = await app.request('PUT', '/api/v1/rfm/settings', { token: admin, body: { cuts } });
  expect(ok.body).toMatchObject({ source: 'configured', cuts });
  await app.rt.services.rfm.nightly();
  const runs = await app.request('GET', '/api/v1/rfm/runs', { token: manager });
  expect(runs.body.items[0]).toMatchObject({ source: 'configured', cuts });
});
