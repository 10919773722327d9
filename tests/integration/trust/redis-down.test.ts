import { startLocalRedis, type LocalRedis } from '../../../scripts/lib/redis-server.js';
import { hitRateLimit } from '../../../server/src/shared/rate-limit.js';
import { StaffSendBudget } from '../../../server/src/modules/broadcasts/staff-send-budget.service.js';
import { startTestApp, until, type TestApp } from '../../support/harness.js';
import { newShopper, trustEnv } from './trust-support.js';

/**
 * Redis is for rate limits, caches and live updates, never for the data itself. While it is down:
 * reads and ordinary writes keep working; what Redis guards fails closed (staff sign-in, campaign
 * sends, WeCom sidebar sign-in: 503 or held back) or open (reads rate-limited with failOpen). When
 * Redis comes back the service recovers by itself. A real redis-server of this test's own is stopped
 * and restarted on the same port.
 */
let redis: LocalRedis;
let app: TestApp;
let admin: { id: string; token: string; username: string };
let shopper: { customerId: string; token: string; phone: string };

beforeAll(async () => {
  redis = await startLocalRedis();
  app = await startTestApp({ env: trustEnv({ REDIS_URL: redis.url }) });
  admin = await app.staff('admin');
  shopper = await newShopper(app, { name: '雷迪斯' });
}, 30_000);
afterAll(async () => {
  await app?.stop();
  await redis?.stop();
});

test('with Redis down, reads and ordinary writes keep working; sign-in and campaign sends fail closed; all recover when Redis returns', async () => {
  const port = redis.port;
  await redis.stop();
  expect(await until(async () => (await app.request('GET', '/readyz')).status === 503, 10_000)).toBe(true);
  expect((await app.request('GET', '/readyz')).body).toMatchObject({ mongo: true, redis: false });

  // Reads: staff and shopper, quickly (nothing waits on Redis).
  const started = Date.now();
  expect((await app.request('GET', `/api/v1/customers/${shopper.customerId}`, { token: admin.token })).status).toBe(200);
  expect((await app.request('GET', '/api/v1/customers/', { token: admin.token })).status).toBe(200);
  expect((await app.request('GET', '/api/v1/me', { token: shopper.token })).body.customerId).toBe(shopper.customerId);
  expect((await app.request('GET', '/api/v1/me/export', { token: shopper.token })).status).toBe(200);
  expect(Date.now() - started).toBeLessThan(5000);
  // Ordinary writes that cost nothing.
  expect(
    (await app.request('POST', `/api/v1/customers/${shopper.customerId}/notes`, { token: admin.token, body: { text: 'written while Redis is down' } })).status,
  ).toBe(201);

  // Fail closed: sign-in (its brute-force limit lives in Redis) answers 503 with a message, not 500.
  const login = await app.request('POST', '/api/v1/auth/login', { body: { username: admin.username, password: 'harbor-kettle-2026' } });
  expect(login.status).toBe(503);
  expect(login.body.error.message).toMatch(/try again shortly/);
  // Campaign sends are held back (the per-staff send rate cannot be checked), reads fail open.
  const budget = new StaffSendBudget(app.rt.services.deps);
  expect(await budget.take(app.config.DEFAULT_TENANT, 'staff-x', 1, 10)).toBe(0);
  await expect(hitRateLimit(app.rt.services.deps.redis, 'read:probe', 5, 60, { failOpen: true, message: 'slow down' })).resolves.toBeUndefined();
  await expect(hitRateLimit(app.rt.services.deps.redis, 'send:probe', 5, 60, { failOpen: false, message: 'slow down' })).rejects.toMatchObject({ status: 503 });

  // Redis returns on the same address: the service reconnects by itself.
  redis = await startLocalRedis({ port });
  expect(await until(async () => (await app.request('GET', '/readyz')).status === 200, 15_000)).toBe(true);
  const again = await app.request('POST', '/api/v1/auth/login', { body: { username: admin.username, password: 'harbor-kettle-2026' } });
  expect(again.status).toBe(200);
  expect(await budget.take(app.config.DEFAULT_TENANT, 'staff-x', 1, 10)).toBe(1);
  // And the limits are enforced again: the 11th wrong password in a row from one address is refused with 429.
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++)
    statuses.push((await app.request('POST', '/api/v1/auth/login', { body: { username: 'nobody-here', password: 'wrong-password' } })).status);
  expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
  expect(statuses[10]).toBe(429);
}, 60_000);
