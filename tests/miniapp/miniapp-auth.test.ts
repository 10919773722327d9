import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/harness.js';
import { startFakeWechat, type FakeWechat } from '../../scripts/wechat-fake/fake-wechat.js';

/** Mini-app sign-in and phone binding against the local WeChat (jscode2session, getuserphonenumber). */
let fake: FakeWechat;
let app: TestApp;
let admin: { token: string };
const key = () => randomBytes(8).toString('hex');
const tenant = () => app.config.DEFAULT_TENANT;

beforeAll(async () => {
  fake = await startFakeWechat();
  // Behind our proxy, so the rate limit test's X-Forwarded-For is a network of its own: without it every
  // request is 127.0.0.1 and exhausting that bucket would refuse the next test file's sign-ins (shared Redis).
  app = await startTestApp({ env: { ...fake.env(), TRUST_PROXY: 'true' } });
  admin = await app.staff('admin');
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

const login = (code: string) => app.request('POST', '/api/v1/auth/miniapp', { body: { code } });
const give = (customerId: string, points: number) =>
  app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, { token: admin.token, body: { points, reason: 'gift', idempotencyKey: key() } });

test('a wx.login code signs the shopper in; their member card works with the token', async () => {
  const u = fake.user();
  const res = await login(fake.loginCode(u.openid));
  expect(res.status).toBe(200);
  expect(res.body.phoneBound).toBe(false);
  const card = await app.request('GET', '/api/v1/me/card', { token: res.body.token });
  expect(card.status).toBe(200);
  expect(card.body.memberNo).toMatch(/\S/);
  expect(card.body.balance).toBe(0);
  // The server never hands WeChat's session_key to the mini-app.
  expect(JSON.stringify(res.body)).not.toMatch(/session_key/);
});

test('the same login code sent twice is refused with 401 and a message saying to call wx.login again', async () => {
  const u = fake.user();
  const code = fake.loginCode(u.openid);
  expect((await login(code)).status).toBe(200);
  const again = await login(code);
  expect(again.status).toBe(401);
  expect(again.body.error.message).toMatch(/wx\.login again/);
  expect((await login('made-up-code')).status).toBe(401);
});

test('signing in twice lands on the same profile', async () => {
  const u = fake.user();
  const a = await login(fake.loginCode(u.openid));
  const b = await login(fake.loginCode(u.openid));
  expect(b.body.customerId).toBe(a.body.customerId);
});

test('a shopper already known by unionid (H5 / WeCom) sees their existing points in the mini-app', async () => {
  const unionid = `u_${key()}`;
  const existing = await app.rt.services.customers.identify(tenant(), { unionId: unionid }, { name: '老会员' }, 'wecom');
  expect((await give(existing, 120)).status).toBe(201);
  const u = fake.user({ unionid });
  const res = await login(fake.loginCode(u.openid));
  expect(res.body.customerId).toBe(existing);
  const points = await app.request('GET', '/api/v1/me/points', { token: res.body.token });
  expect(points.body.balance).toBe(120);
});

test('binding a phone needs the consent tick (400), then merges with the shop member who has that number', async () => {
  const phone = `139${String(Date.now()).slice(-8)}`;
  const shopMember = await app.rt.services.customers.identify(tenant(), { phone }, { name: '店铺会员' }, 'import');
  await give(shopMember, 300);
  const u = fake.user({ phone });
  const session = await login(fake.loginCode(u.openid));
  expect(session.body.customerId).not.toBe(shopMember);

  const noConsent = await app.request('POST', '/api/v1/miniapp/phone', { token: session.body.token, body: { code: fake.phoneCode(u.openid), consent: false } });
  expect(noConsent.status).toBe(400);
  expect(noConsent.body.error.message).toMatch(/consent/);

  const bound = await app.request('POST', '/api/v1/miniapp/phone', { token: session.body.token, body: { code: fake.phoneCode(u.openid), consent: true } });
  expect(bound.status).toBe(200);
  expect(bound.body.phone).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
  // Both the old token (resolving through the merge) and the new one see the shop member's points.
  for (const token of [session.body.token, bound.body.token]) {
    const points = await app.request('GET', '/api/v1/me/points', { token });
    expect(points.body.balance).toBe(300);
  }
  const me = await app.request('GET', '/api/v1/me', { token: bound.body.token });
  expect(me.body.phone).toBe(bound.body.phone);
  const relogin = await login(fake.loginCode(u.openid));
  expect(relogin.body.phoneBound).toBe(true);
});

test('a phone code that WeChat rejects gives 400 asking to tap again; an H5-only shopper cannot bind a WeChat phone (409)', async () => {
  const u = fake.user({ phone: '13700000001' });
  const session = await login(fake.loginCode(u.openid));
  const code = fake.phoneCode(u.openid);
  expect((await app.request('POST', '/api/v1/miniapp/phone', { token: session.body.token, body: { code, consent: true } })).status).toBe(200);
  const reused = await app.request('POST', '/api/v1/miniapp/phone', { token: session.body.token, body: { code, consent: true } });
  expect(reused.status).toBe(400);
  expect(reused.body.error.message).toMatch(/tap the button again/);

  const h5 = await app.rt.services.customers.identify(tenant(), { phone: '13700000002' }, {}, 'h5');
  const { signToken } = await import('../../server/src/shared/tokens.js');
  const token = await signToken(app.config.APP_SECRET, {
    k: 'shopper',
    sub: h5,
    t: tenant(),
    exp: Math.floor(app.rt.services.deps.now().getTime() / 1000) + 600,
  });
  const refused = await app.request('POST', '/api/v1/miniapp/phone', { token, body: { code: fake.phoneCode(u.openid), consent: true } });
  expect(refused.status).toBe(409);
});

test('when WeChat is down, sign-in answers 503 with a try-again message rather than a half-made profile', async () => {
  const u = fake.user();
  fake.failNext('sns/jscode2session', { httpStatus: 502 });
  const res = await login(fake.loginCode(u.openid));
  expect(res.status).toBe(503);
  expect(res.body.error.message).toMatch(/try again/);
  expect(await app.rt.services.customers.findByIdentity(tenant(), { openId: u.openid, appId: fake.appId })).toBeNull();
});

test('sign-in attempts are limited per network address: past the limit the answer is 429 with when to retry', async () => {
  const { LOGIN_PER_MINUTE } = await import('../../server/src/modules/shopper-auth/miniapp-auth.service.js');
  const headers = { 'x-forwarded-for': `203.0.113.${1 + Math.floor(Math.random() * 250)}` };
  const tries = await Promise.all(
    Array.from({ length: LOGIN_PER_MINUTE + 5 }, () => app.request('POST', '/api/v1/auth/miniapp', { body: { code: 'not-a-code' }, headers })),
  );
  const limited = tries.filter((r) => r.status === 429);
  expect(limited.length).toBeGreaterThanOrEqual(1);
  expect(limited[0].body.error.message).toMatch(/wait a minute/);
});
