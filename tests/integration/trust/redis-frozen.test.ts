import { startLocalRedis, type LocalRedis } from '../../../scripts/lib/redis-server.js';
import { startTestApp, until, type TestApp } from '../../support/harness.js';
import { newShopper, trustEnv } from './trust-support.js';

/**
 * A frozen Redis (SIGSTOP, or a partition that keeps the TCP connection up) answers nothing and
 * closes nothing. Every request that touches Redis must still answer while it is frozen, by the same
 * fail-open / fail-closed rules as a Redis that is down: readiness 503, member-center reads and
 * writes from the database, sign-in 503. The requests below all run while this test's own
 * redis-server is stopped; they must all have answered before it is continued.
 */
const FREEZE_MS = 12_000;
let redis: LocalRedis;
let app: TestApp;
let admin: { id: string; token: string; username: string };
let shopper: { customerId: string; token: string; phone: string };

beforeAll(async () => {
  redis = await startLocalRedis();
  // The product's default bound (the harness gives other tests more room for a busy machine's pauses).
  app = await startTestApp({ env: trustEnv({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '500' }) });
  admin = await app.staff('admin');
  shopper = await newShopper(app, { name: '冻结' });
}, 30_000);
afterAll(async () => {
  redis?.process.kill('SIGCONT');
  await app?.stop();
  await redis?.stop();
});

test('with Redis frozen, readiness, member-center reads and writes and sign-in all answer before the freeze ends, by the Redis-down rules', async () => {
  expect((await app.request('GET', '/api/v1/me/card', { token: shopper.token })).status).toBe(200);
  const points = (await app.request('GET', '/api/v1/me/points', { token: shopper.token })).body.balance as number; // cached now
  expect((await app.request('GET', '/api/v1/me/coupons', { token: shopper.token })).status).toBe(200);
  expect((await app.request('GET', '/readyz')).status).toBe(200);

  redis.process.kill('SIGSTOP');
  let frozen = true;
  const answers: Record<string, number> = {};
  const during = (async () => {
    const ready = await app.request('GET', '/readyz');
    answers.readyz = ready.status;
    expect(ready.body).toMatchObject({ mongo: true, redis: false });
    const adjusted = await app.request('POST', `/api/v1/loyalty/members/${shopper.customerId}/points`, {
      token: admin.token,
      body: { points: 7, reason: 'at the till', idempotencyKey: 'frozen-redis-1' },
    });
    answers.pointsWrite = adjusted.status;
    const checkIn = await app.request('POST', '/api/v1/me/check-in', { token: shopper.token });
    answers.checkIn = checkIn.status;
    const read = await app.request('GET', '/api/v1/me/points', { token: shopper.token });
    answers.pointsRead = read.status;
    // The database's answer, not the cached one from before the freeze.
    expect(read.body.balance).toBe(points + 7 + (checkIn.body.points ?? 0));
    answers.coupons = (await app.request('GET', '/api/v1/me/coupons', { token: shopper.token })).status;
    const login = await app.request('POST', '/api/v1/auth/login', { body: { username: admin.username, password: 'harbor-kettle-2026' } });
    answers.signIn = login.status;
    expect(login.body.error?.message).toMatch(/try again shortly/);
    return frozen;
  })();
  const freezeOver = new Promise<'still frozen'>((r) => setTimeout(() => r('still frozen'), FREEZE_MS).unref());
  const first = await Promise.race([during, freezeOver]);
  // Every answer above arrived while Redis was still stopped (the old client waited out the freeze).
  expect({ first, answers }).toEqual({ first: true, answers: { readyz: 503, pointsWrite: 201, checkIn: 200, pointsRead: 200, coupons: 200, signIn: 503 } });

  frozen = false;
  redis.process.kill('SIGCONT');
  expect(await until(async () => (await app.request('GET', '/readyz')).status === 200, 15_000)).toBe(true);
  expect((await app.request('POST', '/api/v1/auth/login', { body: { username: admin.username, password: 'harbor-kettle-2026' } })).status).toBe(200);
}, 60_000);
