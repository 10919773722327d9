import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/harness.js';
import { startFakeWechat, type FakeWechat, type FakeWechatUser } from '../../scripts/wechat-fake/fake-wechat.js';
import { MiniappSubscriptionModel } from '../../server/src/wechat/miniapp.model.js';

/**
 * Expiry reminders as WeChat subscribe messages, against the local WeChat: one allowance = one message,
 * the same coupon or expiry date announced at most once, WeChat's refusal and outages handled.
 */
const COUPON_T = 'tmpl-coupon-expiry';
const POINTS_T = 'tmpl-points-expiry';
let fake: FakeWechat;
let app: TestApp;
let admin: { token: string };
const key = () => randomBytes(8).toString('hex');

beforeAll(async () => {
  fake = await startFakeWechat();
  app = await startTestApp({
    env: { ...fake.env(), WECHAT_SUBSCRIBE_COUPON_TEMPLATE: COUPON_T, WECHAT_SUBSCRIBE_POINTS_TEMPLATE: POINTS_T, WECHAT_MINIAPP_STATE: 'trial' },
  });
  admin = await app.staff('admin');
  // Points earned now expire in 5 days, inside the 7-day reminder window.
  const res = await app.request('PUT', '/api/v1/loyalty/settings', { token: admin.token, body: { expiry: { kind: 'days', days: 5, yearsAfter: 0 } } });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

async function signedIn(): Promise<{ user: FakeWechatUser; token: string; customerId: string }> {
  const user = fake.user();
  const res = await app.request('POST', '/api/v1/auth/miniapp', { body: { code: fake.loginCode(user.openid) } });
  expect(res.status).toBe(200);
  return { user, token: res.body.token, customerId: res.body.customerId };
}
const report = (token: string, results: Record<string, string>, idempotencyKey = key()) =>
  app.request('POST', '/api/v1/miniapp/subscriptions', { token, body: { idempotencyKey, results } });
const give = (customerId: string, points: number) =>
  app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, { token: admin.token, body: { points, reason: 'gift', idempotencyKey: key() } });
const sentTo = (openid: string) => fake.sent.filter((m) => m.touser === openid);

test('the config tells the mini-app which templates to ask for', async () => {
  const cfg = await app.request('GET', '/api/v1/miniapp/config');
  expect(cfg.body.subscribeTemplates).toEqual({ coupon_expiry: COUPON_T, points_expiry: POINTS_T });
});

test('an accept reported twice with the same key counts once; rejects and unknown templates count nothing', async () => {
  const s = await signedIn();
  const k = key();
  const first = await report(s.token, { [COUPON_T]: 'accept', [POINTS_T]: 'reject', 'someone-elses-template': 'accept' }, k);
  expect(first.status).toBe(201);
  expect(first.body).toEqual({ coupon_expiry: 1, points_expiry: 0 });
  const again = await report(s.token, { [COUPON_T]: 'accept', [POINTS_T]: 'reject' }, k);
  expect(again.body).toEqual({ coupon_expiry: 1, points_expiry: 0 });
  const mine = await app.request('GET', '/api/v1/miniapp/subscriptions', { token: s.token });
  expect(mine.body).toEqual({ coupon_expiry: 1, points_expiry: 0 });
});

test('points about to expire are announced with amount and date, once per expiry date even with two allowances', async () => {
  const s = await signedIn();
  expect((await give(s.customerId, 80)).status).toBe(201);
  for (let i = 0; i < 2; i++) {
    await report(s.token, { [POINTS_T]: 'accept' });
    fake.acceptSubscription(s.user.openid, POINTS_T);
  }
  await app.rt.services.miniapp.reminders.sendDue();
  const msgs = sentTo(s.user.openid);
  expect(msgs).toHaveLength(1);
  const { expiring } = (await app.request('GET', '/api/v1/me/points', { token: s.token })).body;
  expect(msgs[0]).toMatchObject({ template_id: POINTS_T, page: 'pages/exchange/index', miniprogram_state: 'trial' });
  expect(msgs[0].data.number1.value).toBe('80');
  expect(msgs[0].data.date2.value).toBe(expiring[0].date);

  await app.rt.services.miniapp.reminders.sendDue();
  expect(sentTo(s.user.openid)).toHaveLength(1);
  // The second allowance is kept for the next thing worth announcing.
  expect((await app.request('GET', '/api/v1/miniapp/subscriptions', { token: s.token })).body.points_expiry).toBe(1);
});

test('when WeChat answers 43101 (no quota: the shopper refused), that allowance is spent and nothing is sent or retried', async () => {
  const s = await signedIn();
  await give(s.customerId, 30);
  await report(s.token, { [POINTS_T]: 'accept' }); // reported, but WeChat never granted the quota
  const calls = () => fake.callsTo('cgi-bin/message/subscribe/send').filter((c) => c.body.touser === s.user.openid).length;
  await app.rt.services.miniapp.reminders.sendDue();
  expect(calls()).toBe(1);
  expect(sentTo(s.user.openid)).toHaveLength(0);
  expect((await app.request('GET', '/api/v1/miniapp/subscriptions', { token: s.token })).body.points_expiry).toBe(0);
  await app.rt.services.miniapp.reminders.sendDue();
  expect(calls()).toBe(1);
});

test('when WeChat is unreachable the reminder waits and goes out on the next run', async () => {
  const s = await signedIn();
  await give(s.customerId, 45);
  await report(s.token, { [POINTS_T]: 'accept' });
  fake.acceptSubscription(s.user.openid, POINTS_T);
  // Earlier tests' shoppers have nothing left to send, so the only send call this run is ours.
  fake.failNext('cgi-bin/message/subscribe/send', { httpStatus: 502 });
  await app.rt.services.miniapp.reminders.sendDue();
  expect(sentTo(s.user.openid)).toHaveLength(0);
  await app.rt.services.miniapp.reminders.sendDue();
  expect(sentTo(s.user.openid)).toHaveLength(1);
  expect(sentTo(s.user.openid)[0].data.number1.value).toBe('45');
});

test('an H5-only shopper (no mini-app sign-in) cannot record reminders: 409 says to sign in through the mini-app', async () => {
  const id = await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: '13600000009' }, {}, 'h5');
  const { signToken } = await import('../../server/src/shared/tokens.js');
  const token = await signToken(app.config.APP_SECRET, {
    k: 'shopper',
    sub: id,
    t: app.config.DEFAULT_TENANT,
    exp: Math.floor(app.rt.services.deps.now().getTime() / 1000) + 600,
  });
  const res = await report(token, { [COUPON_T]: 'accept' });
  expect(res.status).toBe(409);
  expect(res.body.error.message).toMatch(/mini-app/);
});

test('after a shopper erases their data, the next reminder run sends them nothing and drops their openid from the allowances', async () => {
  const s = await signedIn();
  await give(s.customerId, 60);
  await report(s.token, { [POINTS_T]: 'accept' });
  fake.acceptSubscription(s.user.openid, POINTS_T);
  expect(await MiniappSubscriptionModel.countDocuments({ openId: s.user.openid })).toBe(1);
  const erased = await app.request('POST', '/api/v1/me/privacy/erasure', { token: s.token, body: { confirm: true } });
  expect(erased.status).toBeLessThan(300);
  await app.rt.services.miniapp.reminders.sendDue();
  expect(sentTo(s.user.openid)).toHaveLength(0);
  expect(await MiniappSubscriptionModel.countDocuments({ openId: s.user.openid })).toBe(0);
});

test('two workers running the reminder job at once send one message, not two', async () => {
  const s = await signedIn();
  await give(s.customerId, 25);
  await report(s.token, { [POINTS_T]: 'accept' });
  fake.acceptSubscription(s.user.openid, POINTS_T);
  fake.acceptSubscription(s.user.openid, POINTS_T); // WeChat would even allow a second one
  const runs = await Promise.all([
    app.rt.services.miniapp.reminders.sendDue(),
    app.rt.services.miniapp.reminders.sendDue(),
    app.rt.services.miniapp.reminders.sendDue(),
  ]);
  expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
  expect(sentTo(s.user.openid)).toHaveLength(1);
});

test('a reminder left mid-send by a crashed worker is marked failed, never sent again (WeChat may have delivered it)', async () => {
  const s = await signedIn();
  await give(s.customerId, 35);
  await report(s.token, { [POINTS_T]: 'accept' });
  fake.acceptSubscription(s.user.openid, POINTS_T);
  // The crash: the row was claimed for this expiry date, the process died before recording the answer.
  await MiniappSubscriptionModel.updateOne(
    { openId: s.user.openid },
    { $set: { state: 'sending', remindKey: 'points:crashed', leaseUntil: new Date(Date.now() - 1000) } },
  );
  await app.rt.services.miniapp.reminders.sendDue();
  const row = await MiniappSubscriptionModel.findOne({ openId: s.user.openid }).lean();
  expect(row?.state).toBe('failed');
  expect(sentTo(s.user.openid)).toHaveLength(0);
});

test('a brand that turns points reminders off (expiry.remindDays 0) sends no points reminder in WeChat either', async () => {
  const res = await app.request('PUT', '/api/v1/loyalty/settings', {
    token: admin.token,
    body: { expiry: { kind: 'days', days: 5, yearsAfter: 0, remindDays: 0 } },
  });
  expect(res.status).toBe(200);
  const s = await signedIn();
  await give(s.customerId, 15);
  await report(s.token, { [POINTS_T]: 'accept' });
  fake.acceptSubscription(s.user.openid, POINTS_T);
  await app.rt.services.miniapp.reminders.sendDue();
  expect(sentTo(s.user.openid)).toHaveLength(0);
  expect((await app.request('GET', '/api/v1/miniapp/subscriptions', { token: s.token })).body.points_expiry).toBe(1);
});
