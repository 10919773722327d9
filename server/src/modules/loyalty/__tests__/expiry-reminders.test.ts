import type { TestApp } from '../../../../../tests/support/harness.js';
import { jobDefinitions } from '../../../jobs/index.js';
import { key, settableClock, shopper, startLoyaltyTestApp } from './loyalty-test-kit.js';

const clock = settableClock('2026-03-01T02:00:00Z');
let app: TestApp;
let admin: { id: string; token: string };
const heard: Array<{ customerId: string; points: number; date: string }> = [];
beforeAll(async () => {
  app = await startLoyaltyTestApp({ now: clock.now });
  admin = await app.staff('admin');
  app.rt.services.hooks.on('loyalty.points_expiring', (p) => void heard.push({ customerId: p.customerId, points: p.points, date: p.date }));
  // Points live 40 days; members are told 14 days before.
  const put = await app.request('PUT', '/api/v1/loyalty/settings', {
    token: admin.token,
    body: { expiry: { kind: 'days', yearsAfter: 1, days: 40, remindDays: 14 } },
  });
  expect(put.status).toBe(200);
});
afterAll(() => app.stop());

const remind = () =>
  jobDefinitions(app.rt.services)
    .find((j) => j.name === 'loyalty.expiry-reminders')!
    .run({});
const adjust = (customerId: string, points: number) =>
  app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, { token: admin.token, body: { points, reason: 'test', idempotencyKey: key() } });

test('a member is told once, 14 days ahead, how many points expire on which date; spent points are not mentioned', async () => {
  const a = await shopper(app, '13200000001');
  const b = await shopper(app, '13200000002');
  expect((await adjust(a.id, 120)).status).toBe(201); // expires 2026-04-10 02:00 UTC
  expect((await adjust(b.id, 50)).status).toBe(201);
  expect((await adjust(b.id, -50)).status).toBe(201); // nothing left to expire

  clock.set('2026-03-20T02:00:00Z'); // 21 days before: too early
  await remind();
  expect(heard).toEqual([]);

  clock.set('2026-03-28T02:00:00Z'); // 13 days before
  expect((await adjust(a.id, -20)).status).toBe(201);
  await remind();
  await remind();
  expect(heard).toEqual([{ customerId: a.id, points: 100, date: '2026-04-10' }]);
  // The member center says the same.
  const mine = await app.request('GET', '/api/v1/me/points/expiring', { token: a.token });
  expect(mine.body.items[0]).toMatchObject({ points: 100, date: '2026-04-10' });
});

test('reminders can be switched off', async () => {
  heard.length = 0;
  const put = await app.request('PUT', '/api/v1/loyalty/settings', {
    token: admin.token,
    body: { expiry: { kind: 'days', yearsAfter: 1, days: 10, remindDays: 0 } },
  });
  expect(put.status).toBe(200);
  const c = await shopper(app, '13200000003');
  expect((await adjust(c.id, 30)).status).toBe(201);
  clock.set('2026-04-05T02:00:00Z');
  await remind();
  expect(heard.filter((h) => h.customerId === c.id)).toEqual([]);
});

test('a 积分即将过期 journey starts once per expiring lot: the member is tagged, and not again at the next run', async () => {
  const tag = await app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '积分', name: '积分将过期' } });
  expect(tag.status).toBe(201);
  const journey = await app.request('POST', '/api/v1/journeys', {
    token: admin.token,
    body: { name: '积分过期提醒', enabled: true, trigger: { type: 'points.expiring' }, steps: [{ type: 'tag', tagId: tag.body.id }] },
  });
  expect(journey.status).toBe(201);
  // Points live 40 days again, members told 14 days before.
  const put = await app.request('PUT', '/api/v1/loyalty/settings', {
    token: admin.token,
    body: { expiry: { kind: 'days', yearsAfter: 1, days: 40, remindDays: 14 } },
  });
  expect(put.status).toBe(200);
  clock.set('2026-05-01T02:00:00Z');
  const d = await shopper(app, '13200000004');
  expect((await adjust(d.id, 80)).status).toBe(201); // expires 2026-06-10
  clock.set('2026-05-30T02:00:00Z');
  await remind();
  await remind();
  const runs = await app.request('GET', `/api/v1/journeys/customers/${d.id}/runs`, { token: admin.token });
  expect(runs.status).toBe(200);
  expect(runs.body.items.filter((r: { journeyName?: string }) => r.journeyName === '积分过期提醒')).toHaveLength(1);
  await app.rt.services.journeys.tick();
  const profile = await app.request('GET', `/api/v1/customers/${d.id}`, { token: admin.token });
  expect(profile.body.tags.map((t: { id?: string } | string) => (typeof t === 'string' ? t : t.id))).toContain(tag.body.id);
});
