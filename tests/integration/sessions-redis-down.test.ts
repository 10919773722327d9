import { startLocalRedis, type LocalRedis } from '../../scripts/lib/redis-server.js';
import { startTestApp, until, type TestApp } from '../support/harness.js';

/**
 * Session checks read MongoDB (cached in process), never Redis: with Redis stopped, staff and shopper
 * tokens keep working, and a deactivation or sign-out still takes effect on the next request. A
 * redis-server of this test's own is stopped for real.
 */
let redis: LocalRedis;
let app: TestApp;
beforeAll(async () => {
  redis = await startLocalRedis();
  app = await startTestApp({ env: { REDIS_URL: redis.url } });
}, 30_000);
afterAll(async () => {
  await app?.stop();
  await redis?.stop();
});

test('with Redis down, staff and shopper tokens authenticate, and revocation still applies at once', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const admin = await app.staff('admin');
  const agent = await app.staff('agent');
  const sales = await app.staff('sales');
  const id = await s.customers.identify(tenant, { phone: '13500005555' }, { name: '断线' }, 'test');
  const shopper = (await s.customers.sessions.issue(tenant, id)).token;
  const me = (token: string) => app.request('GET', '/api/v1/auth/me', { token });

  await redis.stop();
  expect(await until(async () => (await app.request('GET', '/readyz')).status === 503, 10_000)).toBe(true);
  const started = Date.now();
  expect((await me(admin.token)).status).toBe(200);
  expect((await me(agent.token)).status).toBe(200);
  expect((await app.request('GET', '/api/v1/me', { token: shopper })).status).toBe(200);

  expect((await app.request('PATCH', `/api/v1/staff/${agent.id}`, { token: admin.token, body: { active: false } })).status).toBe(200);
  expect((await me(agent.token)).status).toBe(401);
  expect((await app.request('POST', '/api/v1/auth/logout', { token: sales.token })).status).toBe(200);
  expect((await me(sales.token)).status).toBe(401);
  expect((await app.request('POST', '/api/v1/auth/shopper/logout', { token: shopper })).status).toBe(200);
  expect((await app.request('GET', '/api/v1/me', { token: shopper })).status).toBe(401);
  expect((await me(admin.token)).status).toBe(200);
  expect(Date.now() - started).toBeLessThan(5000);
}, 60_000);
