import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * The audit log as the console's 操作日志 table reads it: filtered by who, what (an action or every
 * action under a prefix), which record and a time range, a page at a time with the total. The clock
 * is pinned, so each entry's time is known.
 */
let app: TestApp;
let t = Date.parse('2026-10-01T00:00:00Z');
let admin: { id: string; token: string };
const tenant = 'test-brand';
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(t) });
  admin = await app.staff('admin');
  const audit = app.rt.services.audit;
  // 30 entries an hour apart: two actors, three actions, two targets.
  for (let i = 0; i < 30; i++) {
    t = Date.parse('2026-10-01T00:00:00Z') + i * 3_600_000;
    await audit.record({
      tenantId: tenant,
      actorId: i % 2 ? 'actor-odd' : 'actor-even',
      actorRole: 'admin',
      action: ['api_key.create', 'api_key.revoke', 'customer.update'][i % 3]!,
      targetType: i % 3 === 2 ? 'customer' : 'api_key',
      targetId: `target-${i % 5}`,
      details: { i },
    });
  }
  await audit.record({ tenantId: 'other-brand', actorId: 'actor-even', actorRole: 'admin', action: 'api_key.create', details: { i: -1 } });
});
afterAll(() => app.stop());

const get = (qs: string) => app.request('GET', `/api/v1/audit?${qs}`, { token: admin.token });
const seen = (body: { items: { details: { i: number } }[] }) => body.items.map((x) => x.details.i);

test('pages through the log newest first and says how many entries there are', async () => {
  const first = await get('actorId=actor-even&page=1&pageSize=4');
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ total: 15, page: 1, pageSize: 4 });
  expect(seen(first.body)).toEqual([28, 26, 24, 22]);
  const last = await get('actorId=actor-even&page=4&pageSize=4');
  expect(seen(last.body)).toEqual([4, 2, 0]);
});

test('filters by an action, or by every action under a prefix ending in a dot', async () => {
  const exact = await get('action=customer.update&page=1&pageSize=50');
  expect(exact.body.total).toBe(10);
  expect(exact.body.items.every((x: { action: string }) => x.action === 'customer.update')).toBe(true);
  const prefix = await get('action=api_key.&page=1&pageSize=50');
  expect(prefix.body.total).toBe(20);
  // A dot in the prefix is a dot, not "any character".
  expect((await get('action=api_keyxcreate&page=1')).body.total).toBe(0);
});

test('filters by a time range [from, to) together with the target', async () => {
  const res = await get('from=2026-10-01T10:00:00Z&to=2026-10-01T20:00:00Z&targetId=target-0&page=1');
  expect(seen(res.body)).toEqual([15, 10]);
  expect(res.body.total).toBe(2);
});

test('refuses a range that ends before it starts with 400, in Chinese for the pages', async () => {
  const res = await app.request('GET', '/api/v1/audit?from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z&page=1', {
    token: admin.token,
    headers: { 'accept-language': 'zh-CN' },
  });
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.body.error)).toContain('开始时间必须早于结束时间');
  expect((await get('page=0')).status).toBe(400);
});

test("lists the brand's own actions for the filter", async () => {
  const res = await app.request('GET', '/api/v1/audit/actions', { token: admin.token });
  expect(res.body.items).toEqual(expect.arrayContaining(['api_key.create', 'api_key.revoke', 'customer.update']));
  const other = await app.request('GET', '/api/v1/audit?page=1&pageSize=200', { token: admin.token });
  expect(other.body.items.some((x: { details?: { i?: number } }) => x.details?.i === -1)).toBe(false);
});

test('keeps the older form: the newest `limit` entries before a time', async () => {
  const res = await get('actorId=actor-odd&limit=2&before=2026-10-01T20:00:00Z');
  expect(res.body.total).toBeUndefined();
  expect(seen(res.body)).toEqual([19, 17]);
});
