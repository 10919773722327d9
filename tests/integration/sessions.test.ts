import { Types } from 'mongoose';
import { signToken } from '../../server/src/shared/tokens.js';
import { SessionCache } from '../../server/src/shared/session-cache.js';
import { createRedis } from '../../server/src/shared/redis.js';
import { createLogger } from '../../server/src/shared/logger.js';
import { startTestApp, until, type TestApp } from '../support/harness.js';

/**
 * Sessions end when they should, on the very next request: staff sign-out, deactivation, a password or
 * role change; shopper sign-out and erasure. A token naming a staff member who does not exist, or signed
 * with the old published development secret, is no session at all.
 */
let app: TestApp;
let admin: { id: string; token: string };
let customerId: string;
beforeAll(async () => {
  app = await startTestApp();
  admin = await app.staff('admin');
  customerId = await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: '13700001111' }, { name: '会话测试' }, 'test');
}, 30_000);
afterAll(() => app?.stop());

const me = (token: string) => app.request('GET', '/api/v1/auth/me', { token });
const note = (token: string) => app.request('POST', `/api/v1/customers/${customerId}/notes`, { token, body: { text: '回访' } });
const patch = (id: string, body: Record<string, unknown>) => app.request('PATCH', `/api/v1/staff/${id}`, { token: admin.token, body });
const login = (username: string, password = 'harbor-kettle-2026') => app.request('POST', '/api/v1/auth/login', { body: { username, password } });
const staffToken = (claims: Record<string, unknown>, secret = app.config.APP_SECRET) =>
  signToken(secret, {
    k: 'staff',
    sub: admin.id,
    t: app.config.DEFAULT_TENANT,
    role: 'admin',
    name: 'x',
    exp: Math.floor(app.rt.services.deps.now().getTime() / 1000) + 600,
    ...claims,
  });

test('a deactivated staff member is refused (401) on the next request, write or read', async () => {
  const agent = await app.staff('agent');
  expect((await note(agent.token)).status).toBe(201);
  expect((await patch(agent.id, { active: false })).status).toBe(200);
  expect((await note(agent.token)).status).toBe(401);
  expect((await me(agent.token)).status).toBe(401);
  // Reactivation does not revive the old token: the account signs in again.
  expect((await patch(agent.id, { active: true })).status).toBe(200);
  expect((await me(agent.token)).status).toBe(401);
  expect((await me((await login(agent.username)).body.token)).status).toBe(200);
});

test('a password change ends every session of the account; the new password signs in', async () => {
  const sales = await app.staff('sales');
  const second = (await login(sales.username)).body.token as string;
  expect((await me(second)).status).toBe(200);
  expect((await patch(sales.id, { password: 'a-new-password-456' })).status).toBe(200);
  expect((await me(sales.token)).status).toBe(401);
  expect((await me(second)).status).toBe(401);
  expect((await login(sales.username, 'a-new-password-456')).status).toBe(200);
});

test('a demoted staff member must sign in again, and then has the new role only', async () => {
  const cm = await app.staff('admin');
  expect((await app.request('GET', '/api/v1/audit', { token: cm.token })).status).toBe(200);
  expect((await patch(cm.id, { role: 'sales' })).status).toBe(200);
  expect((await app.request('GET', '/api/v1/audit', { token: cm.token })).status).toBe(401);
  const again = await login(cm.username);
  expect(again.body.staff.role).toBe('sales');
  expect((await app.request('GET', '/api/v1/audit', { token: again.body.token })).status).toBe(403);
  // Changes that do not touch access (going online, capacity) keep the session.
  expect((await patch(cm.id, { capacity: 3, online: true })).status).toBe(200);
  expect((await me(again.body.token)).status).toBe(200);
});

test('staff sign-out refuses that token and the account’s other sessions from the next request on', async () => {
  const agent = await app.staff('agent');
  const phone = (await login(agent.username)).body.token as string;
  expect((await app.request('POST', '/api/v1/auth/logout', { token: agent.token })).body).toEqual({ signedOut: true });
  expect((await me(agent.token)).status).toBe(401);
  expect((await me(phone)).status).toBe(401);
  expect((await app.request('POST', '/api/v1/auth/logout', { token: agent.token })).status).toBe(401);
  expect((await me((await login(agent.username)).body.token)).status).toBe(200);
});

test('a well-signed token naming no staff member, another tenant’s, or signed with the old published secret is refused', async () => {
  expect(await me(await staffToken({}))).toMatchObject({ status: 200 });
  expect((await me(await staffToken({ sub: new Types.ObjectId().toHexString() }))).status).toBe(401);
  expect((await me(await staffToken({ sub: 'not-an-id' }))).status).toBe(401);
  expect((await me(await staffToken({ t: 'another-brand' }))).status).toBe(401);
  expect((await me(await staffToken({}, 'dev-only-secret-change-me-0123456789abcdef'))).status).toBe(401);
});

test('shopper sign-out and erasure end the shopper’s sessions on the next request', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const id = await s.customers.identify(tenant, { phone: '13700002222' }, { name: '购物者' }, 'test');
  const a = (await s.customers.sessions.issue(tenant, id)).token;
  const b = (await s.customers.sessions.issue(tenant, id)).token;
  expect((await app.request('GET', '/api/v1/me', { token: a })).status).toBe(200);
  expect((await app.request('POST', '/api/v1/auth/shopper/logout', { token: a })).body).toEqual({ signedOut: true });
  expect((await app.request('GET', '/api/v1/me', { token: a })).status).toBe(401);
  expect((await app.request('GET', '/api/v1/me', { token: b })).status).toBe(401);

  const c = (await s.customers.sessions.issue(tenant, id)).token;
  expect((await app.request('GET', '/api/v1/me', { token: c })).status).toBe(200);
  expect((await app.request('POST', '/api/v1/me/erasure', { token: c, body: { confirm: true } })).status).toBe(200);
  expect((await app.request('GET', '/api/v1/me', { token: c })).status).toBe(401);
});

test('another process forgets a changed session at once through Redis pub/sub', async () => {
  const log = createLogger('silent');
  const [r1, r2] = [createRedis(app.config.REDIS_URL, log), createRedis(app.config.REDIS_URL, log)];
  try {
    const one = new SessionCache<number>({ redis: r1, log }, 'probe', 60_000);
    const two = new SessionCache<number>({ redis: r2, log }, 'probe', 60_000);
    await new Promise((r) => setTimeout(r, 300)); // both subscribers are listening
    let version = 1;
    expect(await two.get('k', async () => version)).toBe(1);
    version = 2;
    expect(await two.get('k', async () => version)).toBe(1); // cached
    await one.changed('k');
    expect(await until(async () => (await two.get('k', async () => version)) === 2, 3000, 20)).toBe(true);
  } finally {
    const { closeSessionNotices } = await import('../../server/src/shared/session-cache.js');
    for (const r of [r1, r2]) {
      closeSessionNotices(r);
      r.disconnect();
    }
  }
});
