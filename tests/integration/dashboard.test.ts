import { startBroadcastTestbed, type BroadcastTestbed } from './broadcasts/broadcast-testbed.js';

/**
 * The console dashboard's figures as a community manager reads them: customers by lifecycle stage,
 * WeCom contacts added and lost per local day, and the broadcast funnel (recipients → sent → delivered
 * → bought), on a fixed clock: 02:00 UTC, 10:00 in Shanghai, inside the send window.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const d0 = new Date(Date.now() + DAY);
const T = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), d0.getUTCDate(), 2, 0);
let clock = T;
const shanghaiDay = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);

let tb: BroadcastTestbed;
let key: string;
const s = () => tb.app.rt.services;
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  key = (await s().staff.createApiKey(tb.tenantId, 'shop')).key;
}, 60_000);
afterAll(() => tb?.stop());

let n = 0;
const order = (customer: Record<string, string>, at: number, amount = 10_000) => ({
  eventId: `dash-${++n}`,
  type: 'order.paid',
  occurredAt: new Date(at).toISOString(),
  customer,
  data: { orderId: `dash-o-${n}`, amount },
});
async function ingest(events: unknown[]): Promise<string[]> {
  const res = await tb.app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events } });
  expect(res.body.rejected).toBe(0);
  await tb.app.settle();
  return (res.body.results as Array<{ customerId: string }>).map((r) => r.customerId);
}

test("the dashboard counts each customer in one lifecycle stage, WeCom contacts added and lost per day, and the funnel of last month's campaigns", async () => {
  const chen = { staffId: await tb.staff('chen'), wecomUserId: 'chen' };
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '看板')).id;
  // Four WeCom contacts of 陈 who never ordered.
  const contacts = await tb.contacts(4, chen, tag, 'db');
  // A buyer of yesterday (new), a regular (active), a buyer of 200 days ago (lost), and one who
  // ordered every 10 days and has now been quiet for 25 (at risk once the churn sweep runs).
  const [newcomer] = await ingest([order({ phone: '13900000001' }, T - DAY)]);
  await ingest([order({ phone: '13900000002' }, T - 100 * DAY), order({ phone: '13900000002' }, T - 50 * DAY), order({ phone: '13900000002' }, T - 5 * DAY)]);
  await ingest([order({ phone: '13900000003' }, T - 200 * DAY)]);
  // Imported today with one order two months ago: not new, active.
  await ingest([order({ phone: '13900000005' }, T - 60 * DAY)]);
  await ingest([order({ phone: '13900000004' }, T - 45 * DAY), order({ phone: '13900000004' }, T - 35 * DAY), order({ phone: '13900000004' }, T - 25 * DAY)]);
  await s().rfm.sweepChurn(tb.tenantId);

  // A campaign to the four contacts: sent, 陈 confirms in WeCom, one of them buys within the week.
  const segmentId = (
    await api('POST', '/api/v1/segments', { name: '看板', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })
  ).body.id;
  const text = '看板活动：满 199 减 30';
  const campaign = await api('POST', '/api/v1/broadcasts', { channel: 'wecom_group_msg', name: '看板活动', segmentId, content: { text } });
  expect(campaign.status).toBe(201);
  for (let i = 0; i < 3; i++) await s().broadcasts.dispatcher.tick(10_000);
  for (const t of tb.fake.corp.msgTemplates.values()) if (t.input.text?.content === text) tb.fake.corp.confirmGroupMsg(t.msgid, 'chen');
  await api('POST', `/api/v1/broadcasts/${campaign.body.id}/sync-results`);
  clock = T + 2 * HOUR;
  await ingest([order({ externalUserId: 'wmdb000001' }, T + HOUR)]);

  // WeCom: the newcomer added 陈 two days ago; the first contact deleted 陈 yesterday.
  await s().customers.setWecomRelation(tb.tenantId, newcomer, { relation: 'active', at: new Date(T - 2 * DAY), staffId: chen.staffId });
  await s().customers.setWecomRelation(tb.tenantId, contacts[0], { relation: 'lost', at: new Date(T - DAY) });

  const res = await api('GET', '/api/v1/dashboard/overview?days=7');
  expect(res.status).toBe(200);
  const o = res.body;
  // Contacts (bulk-synced, no join date): 1 lost (deleted 陈), 1 new (first seen at their first order,
  // just now), 2 prospects; buyers: the newcomer, 2 active, 1 lost, 1 at risk.
  expect(o.lifecycle).toEqual({ new: 2, active: 2, at_risk: 1, lost: 2, prospect: 2 });
  expect(o.contacts).toHaveLength(7);
  expect(o.contacts[6].day).toBe(shanghaiDay(clock));
  expect(o.contacts.find((d: any) => d.day === shanghaiDay(T - 2 * DAY))).toEqual({ day: shanghaiDay(T - 2 * DAY), added: 1, lost: 0 });
  expect(o.contacts.find((d: any) => d.day === shanghaiDay(T - DAY))).toEqual({ day: shanghaiDay(T - DAY), added: 0, lost: 1 });
  expect(o.contacts.reduce((a: number, d: any) => a + d.added + d.lost, 0)).toBe(2);
  expect(o.funnel).toEqual({ campaigns: 1, recipients: 4, sent: 4, delivered: 4, converted: 1 });
});

test('the period is 1 to 90 days, and only community managers and admins see the dashboard', async () => {
  const bad = await api('GET', '/api/v1/dashboard/overview?days=365');
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toMatch(/days must be 1 to 90/);
  expect((await api('GET', '/api/v1/dashboard/overview')).body.contacts).toHaveLength(30);
  const sales = (await tb.app.staff('sales')).token;
  expect((await tb.app.request('GET', '/api/v1/dashboard/overview', { token: sales })).status).toBe(403);
});

test('the R×F grid puts each scored customer in one cell with what they paid, the most frequent recent buyer at R5·F5', async () => {
  const times = Array.from({ length: 10 }, (_, i) => clock - (i * 3 + 1) * HOUR);
  await ingest(times.map((at) => order({ phone: '13900000099' }, at, 50_000)));
  await s().rfm.recomputeTenant(tb.tenantId);
  const run = (await api('GET', '/api/v1/rfm/runs')).body.items[0];

  const grid: Array<{ r: number; f: number; customers: number; paid: number }> = (await api('GET', '/api/v1/dashboard/overview?days=7')).body.rfmGrid;
  // Every scored customer once, in cells with scores 1..5.
  expect(grid.reduce((a, c) => a + c.customers, 0)).toBe(run.scored);
  expect(grid.every((c) => c.r >= 1 && c.r <= 5 && c.f >= 1 && c.f <= 5 && c.customers > 0)).toBe(true);
  expect(new Set(grid.map((c) => `${c.r}${c.f}`)).size).toBe(grid.length);
  // Ten orders of ¥500 in the last day and a half: the top cell, with their ¥5,000.
  const top = grid.find((c) => c.r === 5 && c.f === 5);
  expect(top).toEqual({ r: 5, f: 5, customers: 1, paid: 500_000 });
});

test('a period that ended in the past (?to=) counts only its own local days: the date range and the previous period to compare with', async () => {
  const X = T - 70 * DAY; // 10:00 in Shanghai, seventy days before the test's day
  await ingest([order({ phone: '13900000071' }, X, 12_300), order({ phone: '13900000072' }, X + HOUR, 4_500), order({ phone: '13900000073' }, X + DAY, 9_900)]);
  const [added] = await ingest([order({ phone: '13900000074' }, X - 3 * DAY)]);
  await s().customers.setWecomRelation(tb.tenantId, added, { relation: 'active', at: new Date(X + 2 * HOUR), staffId: await tb.staff('wang') });

  const day = await api('GET', `/api/v1/dashboard/overview?days=3&to=${shanghaiDay(X)}`);
  expect(day.status).toBe(200);
  expect(day.body.contacts.map((d: any) => d.day)).toEqual([shanghaiDay(X - 2 * DAY), shanghaiDay(X - DAY), shanghaiDay(X)]);
  expect(day.body.contacts.at(-1)).toEqual({ day: shanghaiDay(X), added: 1, lost: 0 });
  const one = (await api('GET', `/api/v1/dashboard/overview?days=1&to=${shanghaiDay(X)}`)).body;
  expect(one.revenue).toEqual({ orders: 2, paid: 16_800, refunds: 0, refunded: 0 });
  // Asked for the period's own figures only (the previous period beside today's), it leaves out the
  // lifecycle stages and the R×F grid, which describe today.
  const own = (await api('GET', `/api/v1/dashboard/overview?days=1&to=${shanghaiDay(X)}&now=false`)).body;
  expect(own.revenue).toEqual(one.revenue);
  expect(own.contacts).toEqual(one.contacts);
  expect(own).not.toHaveProperty('lifecycle');
  expect(own).not.toHaveProperty('rfmGrid');
  // The day after, alone: its one order.
  expect((await api('GET', `/api/v1/dashboard/overview?days=1&to=${shanghaiDay(X + DAY)}`)).body.revenue).toMatchObject({ orders: 1, paid: 9_900 });

  // Not a calendar day: refused with the reason, in Chinese for the pages.
  const bad = await tb.app.request('GET', '/api/v1/dashboard/overview?days=7&to=2026-02-30', { token: tb.manager, headers: { 'accept-language': 'zh-CN' } });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toMatch(/结束日期应为有效日期/);
  // No date at all (month 13): the same refusal, not a server error.
  for (const to of ['2026-13-01', '9999-99-99']) {
    const none = await tb.app.request('GET', `/api/v1/dashboard/overview?days=7&to=${to}`, { token: tb.manager, headers: { 'accept-language': 'zh-CN' } });
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body)).toMatch(/结束日期应为有效日期/);
  }
});
