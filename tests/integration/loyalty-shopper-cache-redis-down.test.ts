import { startLocalRedis, type LocalRedis } from '../../scripts/lib/redis-server.js';
import { until, type TestApp } from '../support/harness.js';
import { key, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * The member center's cache lives in Redis; the data does not. With Redis stopped, points and coupons
 * are read from the database (still right after every change), writes succeed, and when Redis returns
 * the cache is used again without serving anything from before. A redis-server of this test's own is
 * stopped and restarted on the same port.
 */
let redis: LocalRedis;
let app: TestApp;
let admin: { id: string; token: string };

beforeAll(async () => {
  redis = await startLocalRedis();
  app = await startLoyaltyTestApp({ env: { REDIS_URL: redis.url } });
  admin = await app.staff('admin');
}, 30_000);
afterAll(async () => {
  await app?.stop();
  await redis?.stop();
});

const balance = async (token: string) => {
  const res = await app.request('GET', '/api/v1/me/points', { token });
  expect(res.status).toBe(200);
  return res.body.balance as number;
};
const couponCount = async (token: string) => (await app.request('GET', '/api/v1/me/coupons', { token })).body.items.length as number;
const adjust = async (customerId: string, points: number) =>
  expect(
    (
      await app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, {
        token: admin.token,
        body: { points, reason: 'at the till', idempotencyKey: key() },
      })
    ).status,
  ).toBe(201);

test('with Redis down, points and coupons come from the database and stay right after every change; the cache resumes when Redis returns', async () => {
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '满100减10',
      kind: 'amount',
      amountOff: 1000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 100,
      perCustomerLimit: 5,
      channels: ['staff'],
    },
  });
  expect(tpl.status).toBe(201);
  const give = async (customerId: string) =>
    expect(
      (
        await app.request('POST', `/api/v1/loyalty/members/${customerId}/coupons`, {
          token: admin.token,
          body: { templateId: tpl.body.id, idempotencyKey: key() },
        })
      ).status,
    ).toBe(201);
  const s = await shopper(app, '13800009999');
  await app.request('GET', '/api/v1/me/card', { token: s.token });
  await adjust(s.id, 50);
  expect(await balance(s.token)).toBe(50); // cached now
  expect(await couponCount(s.token)).toBe(0);

  const port = redis.port;
  await redis.stop();
  expect(await until(async () => (await app.request('GET', '/readyz')).status === 503, 10_000)).toBe(true);
  const started = Date.now();
  expect(await balance(s.token)).toBe(50);
  await adjust(s.id, -20); // the write stands although its cache bump cannot reach Redis
  expect(await balance(s.token)).toBe(30);
  await give(s.id);
  expect(await couponCount(s.token)).toBe(1);
  expect((await app.request('GET', '/api/v1/me/points/expiring', { token: s.token })).body.items).toEqual([expect.objectContaining({ points: 30 })]);
  expect(Date.now() - started).toBeLessThan(5000);

  redis = await startLocalRedis({ port });
  expect(await until(async () => (await app.request('GET', '/readyz')).status === 200, 15_000)).toBe(true);
  expect(await balance(s.token)).toBe(30);
  expect(await couponCount(s.token)).toBe(1);
  expect(await app.rt.services.deps.redis.exists(`shop:body:${app.config.DEFAULT_TENANT}:${s.id}:points`)).toBe(1);
  await adjust(s.id, -5);
  await give(s.id);
  expect(await balance(s.token)).toBe(25);
  expect(await couponCount(s.token)).toBe(2);
}, 60_000);
