import { startTestApp, type TestApp } from '../support/harness.js';

/** The console's 客户 table as the API serves it: server-side filters and sort, and the bulk actions. */
let app: TestApp;
let manager: { id: string; token: string };
const ids: Record<string, string> = {};
const tenant = () => app.config.DEFAULT_TENANT;
const list = async (query: string, token = manager.token) => {
  const res = await app.request('GET', `/api/v1/customers?${query}`, { token });
  expect(res.status).toBe(200);
  return res.body as { total: number; items: Array<{ id: string; name: string; aggregates: { totalPaid: number } }> };
};

beforeAll(async () => {
  app = await startTestApp();
  manager = await app.staff('community_manager');
  const s = app.rt.services;
  const people: Array<[string, string, number, string, Record<string, unknown>]> = [
    ['13600000001', '甲', 30_000, 'shop', { 'rfm.class': '重要价值', 'rfm.r': 5, 'rfm.f': 4, 'rfm.churn.state': 'ok', 'wecom.relation': 'active' }],
    ['13600000002', '乙', 90_000, 'miniapp', { 'rfm.class': '重要挽留', 'rfm.r': 2, 'rfm.f': 4, 'rfm.churn.state': 'at_risk', 'wecom.relation': 'active' }],
    ['13600000003', '丙', 5_000, 'shop', { 'rfm.class': '一般发展', 'rfm.r': 5, 'rfm.f': 1, 'rfm.churn.state': 'lost', 'wecom.relation': 'lost' }],
  ];
  for (const [phone, name, paid, source, extra] of people) {
    ids[name] = await s.customers.identify(tenant(), { phone }, { name, sourceChannel: source });
    await s.customers.applyAggregates(tenant(), [
      { customerId: ids[name], update: { $set: { 'aggregates.totalPaid': paid, 'aggregates.orderCount': 1, ...extra } } },
    ]);
  }
});
afterAll(() => app.stop());

test('sorts by total paid in either direction, on the server, across pages', async () => {
  const desc = await list('sort=totalPaid&order=desc&pageSize=2');
  expect(desc.total).toBe(3);
  expect(desc.items.map((c) => c.aggregates.totalPaid)).toEqual([90_000, 30_000]);
  const page2 = await list('sort=totalPaid&order=desc&pageSize=2&page=2');
  expect(page2.items.map((c) => c.aggregates.totalPaid)).toEqual([5_000]);
  const asc = await list('sort=totalPaid&order=asc');
  expect(asc.items.map((c) => c.aggregates.totalPaid)).toEqual([5_000, 30_000, 90_000]);
});

test('filters by RFM class, lifecycle, source channel and WeCom relation, and combines them', async () => {
  expect((await list('rfm=重要挽留')).items.map((c) => c.id)).toEqual([ids['乙']]);
  expect((await list('churn=lost')).items.map((c) => c.id)).toEqual([ids['丙']]);
  expect((await list('channel=shop&sort=totalPaid&order=desc')).items.map((c) => c.id)).toEqual([ids['甲'], ids['丙']]);
  expect((await list('relation=active&channel=shop')).items.map((c) => c.id)).toEqual([ids['甲']]);
});

test('a cell of the R×F heatmap lists exactly the customers it counts', async () => {
  const grid = await app.rt.services.customers.rfmGrid(tenant());
  for (const cell of grid) {
    const listed = await list(`r=${cell.r}&f=${cell.f}`);
    expect(listed.total).toBe(cell.customers);
  }
  expect((await list('r=5&f=4')).items.map((c) => c.id)).toEqual([ids['甲']]);
  expect((await list('f=4&sort=totalPaid&order=desc')).items.map((c) => c.id)).toEqual([ids['乙'], ids['甲']]);
  const bad = await app.request('GET', '/api/v1/customers?r=6', { token: manager.token, headers: { 'accept-language': 'zh-CN' } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toContain('R 分应为 1 到 5');
});

test('refuses an unknown sort column or lifecycle with 400 naming the field', async () => {
  const bad = await app.request('GET', '/api/v1/customers?sort=password', { token: manager.token });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.error)).toContain('sort');
  const churn = await app.request('GET', '/api/v1/customers?churn=gone', { token: manager.token });
  expect(churn.status).toBe(400);
});

test('a manager tags and untags the selected customers at once; the others are untouched', async () => {
  const s = app.rt.services;
  const vip = (await s.tags.ensure(tenant(), '等级', 'VIP')).id;
  const old = (await s.tags.ensure(tenant(), '等级', '旧标签')).id;
  await s.customers.tag(tenant(), ids['甲'], [old], []);
  const res = await app.request('POST', '/api/v1/customers/bulk/tags', {
    token: manager.token,
    body: { ids: [ids['甲'], ids['乙']], add: [vip], remove: [old] },
  });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ matched: 2 });
  expect((await s.customers.get(tenant(), ids['甲'])).tags).toEqual([vip]);
  expect((await s.customers.get(tenant(), ids['乙'])).tags).toEqual([vip]);
  expect((await s.customers.get(tenant(), ids['丙'])).tags).toEqual([]);
  expect((await list(`tag=${vip}`)).total).toBe(2);
});

test('bulk untagging takes several tags off every selected customer in one request and leaves their other tags', async () => {
  const s = app.rt.services;
  const [a, b, keep] = await Promise.all(['批量甲', '批量乙', '保留'].map(async (name) => (await s.tags.ensure(tenant(), '批量', name)).id));
  await s.customers.tag(tenant(), ids['乙'], [a, b, keep], []);
  await s.customers.tag(tenant(), ids['丙'], [b], []);
  const res = await app.request('POST', '/api/v1/customers/bulk/tags', { token: manager.token, body: { ids: [ids['乙'], ids['丙']], remove: [a, b] } });
  expect(res.status).toBe(200);
  expect((await s.customers.get(tenant(), ids['乙'])).tags).not.toContain(a);
  expect((await s.customers.get(tenant(), ids['乙'])).tags).toContain(keep);
  expect((await s.customers.get(tenant(), ids['乙'])).tags).not.toContain(b);
  expect((await s.customers.get(tenant(), ids['丙'])).tags).not.toContain(b);
  await s.customers.tag(tenant(), ids['乙'], [], [keep]);
});

test('a manager gives the selected customers an owner; an unknown owner or an empty selection is refused and nothing changes', async () => {
  const rep = await app.staff('sales', '小周');
  const res = await app.request('POST', '/api/v1/customers/bulk/owner', { token: manager.token, body: { ids: [ids['乙'], ids['丙']], ownerStaffId: rep.id } });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ matched: 2, modified: 2 });
  // The rep now sees exactly those two in their own book.
  expect((await list('', rep.token)).items.map((c) => c.id).sort()).toEqual([ids['乙'], ids['丙']].sort());

  const unknown = await app.request('POST', '/api/v1/customers/bulk/owner', { token: manager.token, body: { ids: [ids['甲']], ownerStaffId: 'a'.repeat(24) } });
  expect(unknown.status).toBe(404);
  const empty = await app.request('POST', '/api/v1/customers/bulk/owner', {
    token: manager.token,
    body: { ids: [], ownerStaffId: rep.id },
    headers: { 'accept-language': 'zh-CN' },
  });
  expect(empty.status).toBe(400);
  expect(JSON.stringify(empty.body.error)).toContain('请至少选择一位客户');
  expect((await app.rt.services.customers.get(tenant(), ids['甲'])).ownerStaffId).toBeFalsy();
});

test('sales and agents cannot run bulk actions (403); a sales rep does not reach others’ customers through them', async () => {
  const rep = await app.staff('sales');
  const agent = await app.staff('agent');
  for (const who of [rep, agent]) {
    const res = await app.request('POST', '/api/v1/customers/bulk/owner', { token: who.token, body: { ids: [ids['甲']], ownerStaffId: who.id } });
    expect(res.status).toBe(403);
  }
  expect((await app.rt.services.customers.get(tenant(), ids['甲'])).ownerStaffId).toBeFalsy();
});
