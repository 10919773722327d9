import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/harness.js';
import { startFakeWechat, type FakeWechat, type FakeWechatUser } from '../../scripts/wechat-fake/fake-wechat.js';
import { installWx, openPage, until, type WxStub } from './support/miniapp-sim.js';

/**
 * The mini-app's pages rendered by miniprogram-simulate, their wx.request calls answered by the real
 * server (real Redis, embedded MongoDB), sign-in through the local WeChat: what the shopper sees.
 */
const COUPON_TEMPLATE = 'tmpl-coupon-expiry-0001';
let fake: FakeWechat;
let app: TestApp;
let admin: { token: string };
const key = () => randomBytes(8).toString('hex');

beforeAll(async () => {
  fake = await startFakeWechat();
  app = await startTestApp({ env: { ...fake.env(), WECHAT_SUBSCRIBE_COUPON_TEMPLATE: COUPON_TEMPLATE } });
  admin = await app.staff('admin');
});
afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

/** A new WeChat user opening the mini-app; returns their wx and their profile id (signed in once). */
async function shopperOnPhone(u: Partial<FakeWechatUser> = {}): Promise<{ user: FakeWechatUser; wx: WxStub; customerId: string; token: string }> {
  const user = fake.user(u);
  const wx = installWx({ serverUrl: app.url, loginCode: () => fake.loginCode(user.openid) });
  const res = await app.request('POST', '/api/v1/auth/miniapp', { body: { code: fake.loginCode(user.openid) } });
  return { user, wx, customerId: res.body.customerId, token: res.body.token };
}
const give = async (customerId: string, points: number, reason = '新人礼') => {
  const res = await app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, {
    token: admin.token,
    body: { points, reason, idempotencyKey: key() },
  });
  expect(res.status).toBe(201);
};
const template = async (over: Record<string, unknown>) => {
  const res = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '满100减10',
      kind: 'amount',
      amountOff: 1000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 100,
      perCustomerLimit: 5,
      channels: ['exchange', 'staff'],
      pointsCost: 100,
      ...over,
    },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const sendCoupon = async (customerId: string, templateId: string) => {
  const res = await app.request('POST', `/api/v1/loyalty/members/${customerId}/coupons`, { token: admin.token, body: { templateId, idempotencyKey: key() } });
  expect(res.status).toBe(201);
  return res.body as { code: string };
};

test('the home page signs in with wx.login and shows the member card, balance and tier progress', async () => {
  const { customerId, wx } = await shopperOnPhone();
  await give(customerId, 1234);
  const page = await openPage('pages/index/index');
  await until(() => page.text().includes('1,234'), 'the balance');
  expect(page.querySelector('#points-balance').dom.textContent).toBe('1,234');
  expect(page.querySelector('#member-no').dom.textContent).toMatch(/\S{4,}/);
  expect(page.querySelector('#card-code').dom.textContent.length).toBeGreaterThan(20);
  // The scan code is drawn as a QR image (the kit keeps <image>'s src off the DOM, so read what it is bound to),
  // and the code on the card is one staff can scan.
  expect(page.querySelector('#card-qr')).toBeTruthy();
  expect(page.instance.data.cardQr).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]{200,}/);
  const scanned = await app.request('POST', '/api/v1/loyalty/scan', {
    token: admin.token,
    body: { payload: page.querySelector('#card-code').dom.textContent },
  });
  expect(scanned.status).toBe(200);
  expect(JSON.stringify(scanned.body)).toContain(customerId);
  expect(page.querySelector('#next-tier').dom.textContent).toMatch(/再消费 ¥[\d.]+ 升级为/);
  // 我的优惠券 says how many are ready to use.
  expect(page.querySelector('#go-coupons').dom.textContent).not.toContain('张可用');
  const templateId = await template({});
  await sendCoupon(customerId, templateId);
  await sendCoupon(customerId, templateId);
  await page.instance.load();
  expect(page.querySelector('#go-coupons').dom.textContent).toContain('2 张可用');
  // It signed in through the page: the token came from our server, not from the test.
  expect(wx.requests.some((r) => r.url.endsWith('/api/v1/auth/miniapp'))).toBe(true);
});

test('check-in adds points and shows them; a second check-in the same day says it is already done', async () => {
  const { customerId, wx } = await shopperOnPhone();
  await give(customerId, 10);
  const page = await openPage('pages/index/index');
  await until(() => page.querySelector('#points-balance')?.dom.textContent === '10', 'the balance of 10');
  page.tap('#check-in');
  await until(() => wx.toasts.some((t) => t.startsWith('签到成功')), 'the check-in toast');
  const gained = Number(/\+(\d+)/.exec(wx.toasts.find((t) => t.startsWith('签到成功'))!)![1]);
  expect(gained).toBeGreaterThan(0);
  await until(() => page.querySelector('#points-balance').dom.textContent === String(10 + gained), 'the new balance');
  page.tap('#check-in');
  await until(() => wx.toasts.includes('今天已经签到过了'), 'already checked in');
});

test('the points page lists the balance and the ledger with reasons, newest first', async () => {
  const { customerId } = await shopperOnPhone();
  await give(customerId, 300, '新人礼');
  await give(customerId, -120, '客服调整');
  const page = await openPage('pages/points/index');
  await until(() => page.querySelectorAll('.entry').length === 2, 'two ledger rows');
  expect(page.querySelector('#points-balance').dom.textContent).toBe('180');
  const rows = page.querySelectorAll('.entry').map((e) => e.dom.textContent.replace(/\s+/g, ''));
  expect(rows[0]).toContain('客服调整');
  expect(rows[0]).toContain('-120');
  expect(rows[1]).toContain('新人礼');
  expect(rows[1]).toContain('+300');
});

test('the points page words each entry for the shopper: 兑换优惠券「name」 and 每日签到, with no internal ids or English', async () => {
  const { customerId, token } = await shopperOnPhone();
  await give(customerId, 300, '新人礼');
  const name = `满100减10-${key().slice(0, 4)}`;
  const t = await template({ name, pointsCost: 100 });
  expect((await app.request('POST', '/api/v1/me/exchange', { token, body: { templateId: t, idempotencyKey: key() } })).status).toBe(201);
  expect((await app.request('POST', '/api/v1/me/check-in', { token })).status).toBeLessThan(300);
  const page = await openPage('pages/points/index');
  await until(() => page.querySelectorAll('.entry').length === 3, 'three ledger rows');
  const rows = page.querySelectorAll('.entry').map((e) => e.dom.textContent.replace(/\s+/g, ''));
  expect(rows[0]).toContain('每日签到');
  expect(rows[1]).toContain(`兑换优惠券「${name}」`);
  expect(rows[1]).toContain('-100');
  expect(rows.join(' ')).not.toMatch(/check-in|exchanged|coupon/);
});

test('coupons are shown by tab: an available coupon with its code, and the used one under 已使用', async () => {
  const { customerId } = await shopperOnPhone();
  const t = await template({ name: '满50减5', amountOff: 500, threshold: 5000 });
  const keep = await sendCoupon(customerId, t);
  const used = await sendCoupon(customerId, t);
  const redeemed = await app.request('POST', '/api/v1/loyalty/coupons/redeem', { token: admin.token, body: { code: used.code, orderId: `o-${key()}` } });
  expect(redeemed.status).toBe(200);

  const page = await openPage('pages/coupons/index');
  await until(() => page.querySelectorAll('.coupon').length === 1, 'one available coupon');
  expect(page.text()).toContain('满50减5');
  expect(page.text()).toContain('¥5');
  expect(page.text()).toContain('满50元可用');
  expect(page.querySelector('.coupon-code').dom.textContent).toBe(keep.code);

  // What Vant's van-tabs emits when the shopper taps a tab (its `change` event detail).
  page.instance.onTab({ detail: { name: 'used', title: '已使用' } });
  await until(() => page.querySelector('.coupon-code')?.dom.textContent === used.code, 'the used coupon');
  expect(page.text()).toContain('已使用');
  page.instance.onTab({ detail: { name: 'expired', title: '已过期' } });
  await until(() => page.text().includes('没有过期的优惠券'), 'the empty expired tab');
});

test('exchange: an affordable coupon is exchanged after confirming, the code and new balance are shown; one too dear is disabled', async () => {
  const { customerId, wx, token } = await shopperOnPhone();
  await give(customerId, 250);
  const name = `兑换券${key().slice(0, 4)}`;
  const cheap = await template({ name, pointsCost: 200 });
  const dear = await template({ name: `贵重券${key().slice(0, 4)}`, pointsCost: 900 });

  const page = await openPage('pages/exchange/index');
  await until(() => !!page.querySelector(`#item-${dear}`) && !!page.querySelector(`#item-${cheap}`), 'the catalogue');
  expect(page.querySelector('#balance').dom.textContent).toBe('250');
  expect(page.querySelector(`#item-${dear}`).dom.textContent).toContain('积分不足');
  expect(page.querySelector(`#exchange-${dear} >>> .van-button--disabled`)).toBeTruthy();
  page.tap(`#exchange-${dear}`);
  await new Promise((r) => setTimeout(r, 50));
  expect(wx.modals).toHaveLength(0);

  // The shopper cancels first: nothing is exchanged.
  wx.modalAnswer = false;
  page.tap(`#exchange-${cheap}`);
  await until(() => wx.modals.length === 1, 'the confirm dialog');
  expect(wx.modals[0].content).toContain('200 积分');
  await new Promise((r) => setTimeout(r, 100));
  expect(page.querySelector('#result')).toBeFalsy();

  wx.modalAnswer = true;
  page.tap(`#exchange-${cheap}`);
  await until(() => !!page.querySelector('#result-code'), 'the exchange result');
  expect(page.querySelector('#result-title').dom.textContent).toBe('兑换成功');
  await until(() => page.querySelector('#result-balance').dom.textContent === '剩余积分 50', 'the balance after');
  const code = page.querySelector('#result-code').dom.textContent;
  const mine = await app.request('GET', '/api/v1/me/coupons?state=available', { token });
  expect(mine.body.items.map((c: { code: string }) => c.code)).toEqual([code]);
  const coupons = await openPage('pages/coupons/index');
  await until(() => coupons.querySelector('.coupon-code')?.dom.textContent === code, 'the new coupon among my coupons');
});

test('exchange: a coupon that runs out while the shopper decides is refused in Chinese, not in the API’s English', async () => {
  const { customerId, wx } = await shopperOnPhone();
  await give(customerId, 300);
  const last = await template({ name: `限量券${key().slice(0, 4)}`, pointsCost: 100, stock: 1 });
  const page = await openPage('pages/exchange/index');
  await until(() => !!page.querySelector(`#item-${last}`), 'the catalogue');
  expect((await app.request('PATCH', `/api/v1/loyalty/templates/${last}`, { token: admin.token, body: { stock: 0 } })).status).toBe(200);
  wx.modalAnswer = true;
  page.tap(`#exchange-${last}`);
  await until(() => !!page.querySelector('#result'), 'the exchange result');
  expect(page.querySelector('#result').dom.textContent).toContain('这张券已经领完了');
});

test('phone binding: nothing is sent before the consent tick; after it the bound number shows masked', async () => {
  const phone = '13912345678';
  const { user, wx } = await shopperOnPhone({ phone });
  const page = await openPage('pages/index/index');
  await until(() => !!page.querySelector('#bind-phone'), 'the phone binding button');
  expect(page.querySelector('#bind-phone >>> .van-button--disabled')).toBeTruthy();
  // What the Vant button forwards from WeChat's phone sheet: the one-time phone code.
  await page.instance.bindPhone({ detail: { code: fake.phoneCode(user.openid) } });
  expect(wx.toasts).toContain('请先勾选同意');
  expect(fake.callsTo('wxa/business/getuserphonenumber')).toHaveLength(0);

  page.querySelector('#phone-consent >>> .van-checkbox').dispatchEvent('tap');
  await until(() => !page.querySelector('#bind-phone >>> .van-button--disabled'), 'the enabled button');
  await page.instance.bindPhone({ detail: { code: fake.phoneCode(user.openid) } });
  await until(() => !!page.querySelector('#phone-number'), 'the bound number');
  expect(page.querySelector('#phone-number').dom.textContent).toBe('139****5678');
});

test('expiry reminders: after the shopper allows it, the job sends one WeChat subscribe message for a coupon about to expire, once', async () => {
  const other = await shopperOnPhone(); // never allows reminders
  const { user, wx, customerId } = await shopperOnPhone(); // the one on the phone now
  const name = `快到期券${key().slice(0, 4)}`;
  const soon = await template({ name, validity: { kind: 'relative', days: 2 } });
  await sendCoupon(customerId, soon);
  await sendCoupon(other.customerId, soon);

  const page = await openPage('pages/index/index');
  await until(() => !!page.querySelector('#subscribe'), 'the reminder button');
  wx.subscribeAnswer = { [COUPON_TEMPLATE]: 'accept' };
  fake.acceptSubscription(user.openid, COUPON_TEMPLATE); // WeChat's side of the same tap
  const requestsBefore = wx.requests.length;
  page.tap('#subscribe');
  // WeChat shows the sheet only when asked straight from the tap, before any network round trip.
  await until(() => wx.subscribeAsked.length === 1, 'the subscribe sheet');
  expect(wx.subscribeAsked[0]).toEqual({ tmplIds: [COUPON_TEMPLATE], requestsBefore });
  await until(() => wx.toasts.length > 0, 'the reminder toast');
  expect(wx.toasts).toContain('已开启 1 次到期提醒');

  const before = fake.sent.length;
  const first = await app.rt.services.miniapp.reminders.sendDue();
  expect(first.sent).toBe(1);
  const mine = fake.sent.slice(before);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ touser: user.openid, template_id: COUPON_TEMPLATE, page: 'pages/coupons/index' });
  expect(mine[0].data.thing1.value).toBe(name);
  expect(fake.sent.some((m) => m.touser === other.user.openid)).toBe(false);

  const again = await app.rt.services.miniapp.reminders.sendDue();
  expect(again.sent).toBe(0);
  expect(fake.sent.length).toBe(before + 1);
});

test('privacy page: marketing is off until agreed (purpose in plain words), the switch records consent then withdraws it, export copies my data, deletion needs a confirm', async () => {
  const { wx, token, customerId } = await shopperOnPhone();
  const cfg = (await app.request('GET', '/api/v1/miniapp/config')).body;
  expect(cfg.privacy).toMatchObject({ consents: { method: 'PUT' }, export: { method: 'GET' }, erasure: { method: 'POST' } });
  const page = await openPage('pages/privacy/index');
  await until(() => page.text().includes('会员活动、优惠券和新品通知'), 'the purpose of marketing consent');
  expect(page.querySelector('#consent-marketing >>> .van-switch').dom.textContent).toBe('关'); // opt-in: off by default

  page.querySelector('#consent-marketing >>> .van-switch').dispatchEvent('tap');
  await until(() => page.querySelector('#consent-marketing >>> .van-switch').dom.textContent === '开', 'marketing agreed');
  const agreed = await app.request('GET', '/api/v1/me/privacy', { token });
  expect(agreed.body.consents.marketing).toMatchObject({ granted: true, channel: 'miniapp', version: agreed.body.texts.version });

  page.querySelector('#consent-marketing >>> .van-switch').dispatchEvent('tap');
  await until(() => page.querySelector('#consent-marketing >>> .van-switch').dom.textContent === '关', 'marketing off');
  const mine = await app.request('GET', '/api/v1/me/privacy', { token });
  expect(mine.body.consents.marketing).toMatchObject({ granted: false, channel: 'miniapp' });

  page.tap('#export-button');
  await until(() => wx.clipboard.length === 1, 'the exported data');
  expect(wx.clipboard[0]).toContain(customerId);
  expect(page.text()).toContain('已复制到剪贴板');

  wx.modalAnswer = false;
  page.tap('#erase-button');
  await until(() => wx.modals.length === 1, 'the erase confirm');
  await new Promise((r) => setTimeout(r, 100));
  expect(page.querySelector('#erased')).toBeFalsy();
  expect((await app.request('GET', '/api/v1/me', { token })).status).toBe(200);
  wx.modalAnswer = true;
  page.tap('#erase-button');
  await until(() => !!page.querySelector('#erased'), 'the erased note');
  expect(wx.storage.get('scrm.shopper.token')).toBeUndefined();
  // Erasure ended the session: the old token is refused outright.
  expect((await app.request('GET', '/api/v1/me', { token })).status).toBe(401);
});

test('a stale session in storage (expired or revoked token) is replaced by a fresh wx.login and the page still loads', async () => {
  const { customerId, wx } = await shopperOnPhone();
  await give(customerId, 77);
  wx.storage.set('scrm.shopper.token', 'v1.forged.token');
  const page = await openPage('pages/points/index');
  await until(() => page.querySelector('#points-balance')?.dom.textContent === '77', 'the balance after signing in again');
  expect(wx.storage.get('scrm.shopper.token')).not.toBe('v1.forged.token');
  expect(page.querySelector('#error')).toBeFalsy();
});

test('the ledger pages 20 at a time: 加载更多 brings the older entries until there are no more', async () => {
  const { customerId } = await shopperOnPhone();
  for (let i = 1; i <= 23; i++) await give(customerId, i, `赠送${i}`);
  const page = await openPage('pages/points/index');
  await until(() => page.querySelectorAll('.entry').length === 20, 'the first 20 rows');
  page.tap('#more');
  await until(() => page.querySelectorAll('.entry').length === 23, 'all 23 rows');
  expect(page.querySelectorAll('.entry')[22].dom.textContent).toContain('赠送1');
  expect(page.querySelector('#more')).toBeFalsy();
});
