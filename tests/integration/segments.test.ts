import { startTestApp, type TestApp } from '../support/harness.js';

/** Segment counts on real profiles built through the public ingest and profile services. */
// A fixed moment: the app's clock and every date in the data are set from it.
const NOW = new Date('2026-04-15T06:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

let app: TestApp;
let manager: string;
let vip: string;
let newbie: string;
const tenant = () => app.config.DEFAULT_TENANT;
const ids: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp({ now: () => NOW });
  manager = (await app.staff('community_manager')).token;
  const s = app.rt.services;
  vip = (await s.tags.ensure(tenant(), '等级', 'VIP')).id;
  newbie = (await s.tags.ensure(tenant(), '等级', '新客')).id;
  const people: Array<[string, string, Record<string, unknown>]> = [
    ['张伟', '13900000001', { city: '上海', gender: 'male', birthday: { month: 6, day: 3 } }],
    ['李娜', '13900000002', { city: '上海', gender: 'female', birthday: { month: 7, day: 9 } }],
    ['王芳', '13900000003', { city: '北京', gender: 'female' }],
    ['刘洋', '13900000004', { city: '杭州' }],
    ['陈静', '13900000005', { city: '上海', sourceChannel: 'douyin' }],
  ];
  for (const [name, phone, attrs] of people) ids[name] = await s.customers.identify(tenant(), { phone }, { name, ...attrs }, 'wecom');
  await s.customers.tag(tenant(), ids['张伟'], [vip], []);
  await s.customers.tag(tenant(), ids['李娜'], [vip, newbie], []);
  await s.customers.tag(tenant(), ids['刘洋'], [newbie], []);
  // Opt-in: 张伟 said yes to marketing, 李娜 said yes and then withdrew, nobody else was asked.
  await s.privacy.consents.set(tenant(), ids['张伟'], 'marketing', true, 'h5', 'test');
  await s.privacy.consents.set(tenant(), ids['李娜'], 'marketing', true, 'h5', 'test');
  await s.privacy.consents.set(tenant(), ids['李娜'], 'marketing', false, 'h5', 'test');
  const order = (id: string, phone: string, amount: number, d: number, sku = 'sku-tea') => ({
    eventId: id,
    type: 'order.paid',
    occurredAt: daysAgo(d),
    customer: { phone },
    data: { orderId: id, amount, items: [{ sku, category: 'tea', quantity: 1, price: amount }] },
  });
  await s.events.ingest(tenant(), [
    order('o1', '13900000001', 60_000, 5),
    order('o2', '13900000001', 20_000, 40),
    order('o3', '13900000002', 8_000, 100),
    order('o4', '13900000003', 120_000, 200, 'sku-cup'),
    { eventId: 'v1', type: 'product.viewed', occurredAt: daysAgo(2), customer: { phone: '13900000004' }, data: { productId: 'sku-cup', category: 'ware' } },
    { eventId: 'v2', type: 'product.viewed', occurredAt: daysAgo(20), customer: { phone: '13900000005' }, data: { productId: 'sku-cup', category: 'ware' } },
  ]);
  await s.events.settle();
});
afterAll(() => app?.stop());

const preview = (audience: unknown, token = manager) => app.request('POST', '/api/v1/segments/preview', { token, body: { audience, sampleSize: 50 } });
const and = (...rules: unknown[]) => ({ type: 'group', op: 'and', rules });
const names = (body: any) =>
  body.sample
    .map((c: any) => c.id)
    .map((id: string) => Object.keys(ids).find((n) => ids[n] === id))
    .sort();

test.each([
  ['VIP tag', () => and({ type: 'tags', match: 'any', tagIds: [vip] }), ['张伟', '李娜']],
  ['both VIP and new', () => and({ type: 'tags', match: 'all', tagIds: [vip, newbie] }), ['李娜']],
  ['no tags of either kind', () => and({ type: 'tags', match: 'none', tagIds: [vip, newbie] }), ['王芳', '陈静']],
  ['bought within 30 days', () => and({ type: 'orders', metric: 'lastOrderDays', max: 30 }), ['张伟']],
  ['dormant 60 days or more', () => and({ type: 'orders', metric: 'lastOrderDays', min: 60 }), ['李娜', '王芳']],
  ['never ordered', () => and({ type: 'orders', metric: 'orderCount', max: 0 }), ['刘洋', '陈静']],
  ['paid 800 yuan or more', () => and({ type: 'orders', metric: 'totalPaid', min: 80_000 }), ['张伟', '王芳']],
  ['viewed the cup within a week', () => and({ type: 'behaviour', action: 'viewed', productId: 'sku-cup', withinDays: 7 }), ['刘洋']],
  ['bought tea within 60 days', () => and({ type: 'behaviour', action: 'bought', category: 'tea', withinDays: 60 }), ['张伟']],
  ['born in June', () => and({ type: 'birthdayMonth', in: [6] }), ['张伟']],
  ['agreed to marketing messages', () => and({ type: 'consent', purpose: 'marketing', granted: true }), ['张伟']],
  ['not agreed to marketing: withdrawn or never asked', () => and({ type: 'consent', purpose: 'marketing', granted: false }), ['刘洋', '李娜', '王芳', '陈静']],
  [
    'in Shanghai and (VIP or from Douyin) but not born in July',
    () =>
      and(
        { type: 'city', in: ['上海'] },
        {
          type: 'group',
          op: 'or',
          rules: [
            { type: 'tags', match: 'any', tagIds: [vip] },
            { type: 'sourceChannel', in: ['douyin'] },
          ],
        },
        { type: 'group', op: 'and', not: true, rules: [{ type: 'birthdayMonth', in: [7] }] },
      ),
    ['张伟', '陈静'],
  ],
  [
    'women or anyone who viewed anything in 30 days',
    () => ({
      type: 'group',
      op: 'or',
      rules: [
        { type: 'gender', in: ['female'] },
        { type: 'behaviour', action: 'viewed', withinDays: 30 },
      ],
    }),
    ['刘洋', '李娜', '王芳', '陈静'],
  ],
])('preview counts %s on real profiles', async (_name, audience, expected) => {
  const res = await preview(audience());
  expect(res.status).toBe(200);
  expect(res.body.count).toBe(expected.length);
  expect(names(res.body)).toEqual([...expected].sort());
});

test('a community manager sees masked phones in the sample; sales may not preview at all', async () => {
  const res = await preview(and({ type: 'city', in: ['北京'] }));
  expect(res.body.sample[0].phone).not.toBe('13900000003');
  const sales = (await app.staff('sales')).token;
  expect((await preview(and({ type: 'city', in: ['北京'] }), sales)).status).toBe(403);
  expect((await app.request('POST', '/api/v1/segments/preview', { body: { audience: and({ type: 'city', in: ['x'] }) } })).status).toBe(401);
});

test('an invalid audience is refused with 400 naming the bad node as the builder does', async () => {
  const res = await preview(and({ type: 'group', op: 'or', rules: [{ type: 'rfm', r: { min: 9 } }] }));
  expect(res.status).toBe(400);
  expect(res.body.error.message).toBe('Invalid body: group 1, rule 1, R score min: scores run from 1 to 5');
  expect(res.body.error.details).toEqual([
    { path: 'body.audience.rules.0.rules.0.r.min', at: 'group 1, rule 1', message: 'group 1, rule 1, R score min: scores run from 1 to 5' },
  ]);
});

test('a refused rule reads in words for a Chinese page: 第 2 组第 1 条：金额下限不能大于上限, with the path to mark the row', async () => {
  const zh = { 'accept-language': 'zh-CN' };
  const audience = and(
    { type: 'city', in: ['上海'] },
    {
      type: 'group',
      op: 'or',
      rules: [
        { type: 'orders', metric: 'totalPaid', min: 50_000, max: 10_000 },
        { type: 'tags', match: 'any', tagIds: [] },
      ],
    },
    { type: 'group', op: 'and', not: true, rules: [] },
  );
  const res = await app.request('POST', '/api/v1/segments', { token: manager, headers: zh, body: { name: '写错的人群', audience } });
  expect(res.status).toBe(400);
  expect(res.body.error.details).toEqual([
    { path: 'body.audience.rules.1.rules.0', at: '第 2 组第 1 条', message: '第 2 组第 1 条：金额下限不能大于上限' },
    { path: 'body.audience.rules.1.rules.1.tagIds', at: '第 2 组第 2 条', message: '第 2 组第 2 条，标签：请至少选择一个标签' },
    { path: 'body.audience.rules.2.rules', at: '第 3 组', message: '第 3 组：条件组至少需要一条条件' },
  ]);
  expect(res.body.error.message).toBe('第 2 组第 1 条：金额下限不能大于上限；第 2 组第 2 条，标签：请至少选择一个标签；第 3 组：条件组至少需要一条条件');
  expect((await app.request('GET', '/api/v1/segments', { token: manager })).body.items.map((s: any) => s.name)).not.toContain('写错的人群');

  // The same words when editing a saved segment and in the live count; other fields keep theirs.
  const saved = (await app.request('POST', '/api/v1/segments', { token: manager, body: { name: '改错的人群', audience: and({ type: 'city', in: ['上海'] }) } }))
    .body;
  const edit = await app.request('PATCH', `/api/v1/segments/${saved.id}`, {
    token: manager,
    headers: zh,
    body: { name: '', audience: and({ type: 'rfm', f: { min: 4, max: 2 } }, { type: 'mood' }) },
  });
  expect(edit.status).toBe(400);
  expect(edit.body.error.details.map((d: any) => d.message)).toEqual(['请填写人群名称', '第 1 条：F 分下限不能大于上限', '第 2 条：不支持这种条件']);
  const live = await app.request('POST', '/api/v1/segments/preview', {
    token: manager,
    headers: zh,
    body: { audience: and({ type: 'loyalty', points: { min: 500, max: 100 } }) },
  });
  expect(live.body.error.details[0].message).toBe('第 1 条：积分下限不能大于上限');
  expect((await app.request('GET', `/api/v1/segments/${saved.id}`, { token: manager })).body.audience).toEqual(and({ type: 'city', in: ['上海'] }));
  await app.request('DELETE', `/api/v1/segments/${saved.id}`, { token: manager });
});

test('a dynamic segment follows new profiles while a snapshot keeps its members; a taken name answers 409', async () => {
  const audience = and({ type: 'city', in: ['上海'] });
  const dyn = await app.request('POST', '/api/v1/segments', { token: manager, body: { name: '上海客户', audience } });
  expect(dyn.status).toBe(201);
  const snap = await app.request('POST', '/api/v1/segments', { token: manager, body: { name: '上海客户 快照', audience, mode: 'snapshot' } });
  expect(snap.status).toBe(201);
  expect(snap.body.memberCount).toBe(3);
  await app.rt.services.customers.identify(tenant(), { phone: '13900000009' }, { name: '赵敏', city: '上海' });
  expect((await app.request('GET', `/api/v1/segments/${dyn.body.id}`, { token: manager })).body.memberCount).toBe(4);
  expect((await app.request('GET', `/api/v1/segments/${snap.body.id}`, { token: manager })).body.memberCount).toBe(3);
  const again = await app.request('POST', '/api/v1/segments', { token: manager, body: { name: '上海客户', audience } });
  expect(again.status).toBe(409);
  expect(again.body.error.message).toMatch(/already exists/);
  const list = await app.request('GET', '/api/v1/segments', { token: manager });
  expect(list.body.items.map((s: any) => s.name).sort()).toEqual(['上海客户', '上海客户 快照']);
});
