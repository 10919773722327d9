import type { Browser, Page } from 'playwright-core';
import { startTestApp, until, type TestApp } from '../support/harness.js';
import { ensureH5Built, launchBrowser, phonePage, screenshot } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { OptOutModel } from '../../server/src/modules/broadcasts/broadcast.model.js';

/** Shoppers in the member center: demo login, card, points, coupons, exchange; only their own data. */
let app: TestApp;
let browser: Browser;
let alice: string;
let bob: string;

const ALICE_PHONE = '13700000011';
const BOB_PHONE = '13700000022';

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()], env: { DEMO_MODE: 'true' } });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  alice = await s.customers.identify(tenant, { phone: ALICE_PHONE }, { name: '陈思思' });
  bob = await s.customers.identify(tenant, { phone: BOB_PHONE }, { name: '何志强' });
  const admin = await app.staff('admin');
  const template = async (body: Record<string, unknown>) => {
    const res = await app.request('POST', '/api/v1/loyalty/templates', {
      token: admin.token,
      body: { validity: { kind: 'relative', days: 30 }, stock: 100, ...body },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const tenOff = await template({ name: '满99减10', kind: 'amount', amountOff: 1_000, threshold: 9_900, channels: ['staff'] });
  await template({ name: '20元无门槛券', kind: 'amount', amountOff: 2_000, channels: ['exchange'], pointsCost: 300 });
  await template({ name: '旗舰店88折', kind: 'percent', discountTenths: 88, channels: ['exchange'], pointsCost: 5_000 });
  for (const [who, points] of [
    [alice, 1_200],
    [bob, 77],
  ] as const) {
    const res = await app.request('POST', `/api/v1/loyalty/members/${who}/points`, {
      token: admin.token,
      body: { points, reason: '开卡礼', idempotencyKey: `seed-${who}` },
    });
    expect(res.status).toBe(201);
  }
  const sent = await app.request('POST', `/api/v1/loyalty/members/${alice}/coupons`, {
    token: admin.token,
    body: { templateId: tenOff, idempotencyKey: `seed-coupon-${alice}` },
  });
  expect(sent.status).toBe(201);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function demoLogin(page: Page, phone: string) {
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-phone] input').fill(phone);
  await page.locator('[data-test=demo-login-submit]').click();
  await page.locator('[data-test=member-card]').waitFor();
}

test('a shopper signs in, sees their card, balance and coupons, exchanges points for a coupon and sees the balance drop', async () => {
  const page = await phonePage(browser);
  await demoLogin(page, ALICE_PHONE);
  expect(await page.locator('[data-test=member-name]').innerText()).toBe('陈思思');
  expect(await page.locator('[data-test=points-balance]').innerText()).toBe('1,200');
  // the card's QR encodes the server-signed card payload, which staff can scan back to this member
  const payload = await page.locator('[data-test=member-qr]').getAttribute('data-payload');
  expect(await page.locator('[data-test=member-qr] svg').count()).toBe(1);
  const staff = await app.staff('agent');
  const scanned = await app.request('POST', '/api/v1/loyalty/scan', { token: staff.token, body: { payload } });
  expect(scanned.status).toBe(200);
  expect(JSON.stringify(scanned.body)).toContain(alice);
  // the coupon tile counts what is ready to use: the one coupon staff sent
  expect(await page.locator('[data-test=go-coupons] .van-badge').innerText()).toBe('1');
  await screenshot(page, 'member-home');

  await page.locator('[data-test=go-coupons]').click();
  const coupon = page.locator('[data-test=coupon]', { hasText: '满99减10' });
  await coupon.waitFor();
  expect(await coupon.innerText()).toContain('¥10.00');
  await coupon.click();
  const code = await page.locator('[data-test=coupon-code]').innerText();
  expect(code.length).toBeGreaterThanOrEqual(4);
  await screenshot(page, 'member-coupon-detail');

  await page.goto(`${app.url}/h5/member/exchange`);
  const twenty = page.locator('[data-test="catalogue-20元无门槛券"]');
  await twenty.waitFor();
  // 5,000 points are out of reach with 1,200: that item is shown but cannot be chosen
  expect(await page.locator('[data-test="catalogue-旗舰店88折"] [data-test=exchange-button]').isDisabled()).toBe(true);
  await screenshot(page, 'member-exchange');
  await twenty.locator('[data-test=exchange-button]').click();
  await page.locator('[data-test=exchange-confirm] .van-dialog__confirm').click();
  await page.locator('[data-test=exchange-result]').waitFor();
  await page.locator('[data-test=exchange-balance-after]', { hasText: '900' }).waitFor();
  // The exchange answers with the coupon's name, and the result says which coupon it was.
  expect(await page.locator('[data-test=exchange-result]').innerText()).toContain('20元无门槛券');
  await screenshot(page, 'member-exchange-result');

  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=points-balance]', { hasText: '900' }).waitFor();
  await page.locator('[data-test=go-coupons] .van-badge', { hasText: '2' }).waitFor();
  await page.goto(`${app.url}/h5/member/coupons`);
  await page.locator('[data-test=coupon]', { hasText: '20元无门槛券' }).waitFor();
  await page.goto(`${app.url}/h5/member/points`);
  await page.locator('[data-test=ledger-row]').first().waitFor();
  expect(await page.locator('[data-test=ledger-row]').count()).toBe(2);
  expect(await page.locator('[data-test=ledger-row]').first().innerText()).toContain('-300');
  // In the shopper's words, from the entry's fields: not the stored 'exchanged for a coupon'.
  expect(await page.locator('[data-test=ledger-row]').first().innerText()).toContain('兑换优惠券「20元无门槛券」');
  expect(await page.locator('[data-test=ledger-row]').nth(1).innerText()).toContain('开卡礼');
  await screenshot(page, 'member-points');

  const server = await app.request('GET', `/api/v1/loyalty/members/${alice}`, { token: (await app.staff('admin')).token });
  expect(server.body.balance).toBe(900);
  await page.context().close();
});

test("a shopper's session shows only their own data, and the API refuses to name another shopper", async () => {
  const page = await phonePage(browser);
  await demoLogin(page, BOB_PHONE);
  expect(await page.locator('[data-test=member-name]').innerText()).toBe('何志强');
  expect(await page.locator('[data-test=points-balance]').innerText()).toBe('77');
  await page.goto(`${app.url}/h5/member/coupons`);
  await page.locator('[data-test=state-empty]').waitFor();
  expect(await page.locator('body').innerText()).not.toContain('满99减10');

  // with Bob's own token in hand, the staff routes for Alice's data answer 403
  const token = await page.evaluate(() => JSON.parse((globalThis as any).localStorage.getItem('scrm.shopper.session') ?? '{}').token as string);
  expect(token).toBeTruthy();
  for (const path of [`/api/v1/customers/${alice}`, `/api/v1/loyalty/members/${alice}`, `/api/v1/loyalty/members/${alice}/coupons`]) {
    expect((await app.request('GET', path, { token })).status).toBe(403);
  }
  await page.context().close();
});

test('a second check-in on the same day is refused with a friendly message and no extra points', async () => {
  const page = await phonePage(browser);
  await demoLogin(page, BOB_PHONE);
  await page.locator('[data-test=check-in]').click();
  await page.locator('.van-toast', { hasText: '签到成功' }).waitFor();
  // The toast comes with the server's answer; the balance on the card follows when the page reloads it.
  // Polled from the test (the page's Content-Security-Policy forbids the eval a waitForFunction string needs).
  const balance = async () => Number((await page.locator('[data-test=points-balance]').innerText()).replace(/,/g, ''));
  expect(await until(async () => (await balance()) > 77, 10_000, 100)).toBe(true);
  const after = Number((await page.locator('[data-test=points-balance]').innerText()).replace(/,/g, ''));
  await page.locator('[data-test=check-in]').click();
  await page.locator('.van-toast', { hasText: '今天已签到' }).waitFor();
  expect(Number((await page.locator('[data-test=points-balance]').innerText()).replace(/,/g, ''))).toBe(after);

  // An order's points and the check-in read as 订单支付奖励 and 每日签到, without the order id or English.
  const tenant = app.config.DEFAULT_TENANT;
  const occurredAt = app.rt.services.deps.now().toISOString();
  await app.rt.services.events.ingest(
    tenant,
    [{ eventId: 'mc-order-1', type: 'order.paid', occurredAt, customer: { phone: BOB_PHONE }, data: { orderId: 'demo-order-1999-1', amount: 19_900 } }],
    'shop',
  );
  await app.settle();
  await page.goto(`${app.url}/h5/member/points`);
  await page.locator('[data-test=ledger-row]', { hasText: '订单支付奖励' }).waitFor();
  await page.locator('[data-test=ledger-row]', { hasText: '每日签到' }).waitFor();
  const rows = (await page.locator('[data-test=ledger-row]').allInnerTexts()).join('\n');
  expect(rows).not.toMatch(/demo-order|check-in|paid/);
  await page.context().close();
});

test('a shopper stops marketing messages from my data & privacy, and can agree again', async () => {
  const page = await phonePage(browser);
  await demoLogin(page, ALICE_PHONE);
  await page.locator('[data-test=go-privacy]').click();
  const optedOut = () => OptOutModel.countDocuments({ tenantId: app.config.DEFAULT_TENANT, customerId: alice });
  await page.locator('[data-test=opt-out]').click();
  await page.locator('[data-test=consent-state]', { hasText: '已退订营销消息' }).waitFor();
  expect(await optedOut()).toBe(1);
  await screenshot(page, 'member-privacy');
  await page.locator('[data-test=opt-in]').click();
  await page.locator('[data-test=consent-state]', { hasText: '已同意接收营销消息' }).waitFor();
  expect(await optedOut()).toBe(0);
  await page.context().close();
});

test('a stale or forged session sends the shopper back to sign-in instead of showing an error page', async () => {
  const page = await phonePage(browser);
  await page.goto(`${app.url}/h5/member`);
  await page.evaluate(() => (globalThis as any).localStorage.setItem('scrm.shopper.session', JSON.stringify({ token: 'v1.forged.token' })));
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-login]').waitFor();
  expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('scrm.shopper.session'))).toBeNull();
  await page.context().close();
});

test('a refusal the shopper can understand: a coupon that runs out while they decide reads 这张券已经领完了, not the API’s English', async () => {
  const admin = await app.staff('admin');
  const created = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '限量1张 满50减5',
      kind: 'amount',
      amountOff: 500,
      threshold: 5_000,
      validity: { kind: 'relative', days: 30 },
      stock: 1,
      channels: ['exchange'],
      pointsCost: 10,
    },
  });
  expect(created.status).toBe(201);
  const page = await phonePage(browser);
  await demoLogin(page, BOB_PHONE);
  await page.goto(`${app.url}/h5/member/exchange`);
  const item = page.locator('[data-test="catalogue-限量1张 满50减5"]');
  await item.waitFor();
  // meanwhile the brand's last one is gone (stock set to what is left: none)
  expect((await app.request('PATCH', `/api/v1/loyalty/templates/${created.body.id}`, { token: admin.token, body: { stock: 0 } })).status).toBe(200);
  await item.locator('[data-test=exchange-button]').click();
  await page.locator('[data-test=exchange-confirm] .van-dialog__confirm').click();
  expect(await page.locator('[data-test=exchange-error]').innerText()).toContain('这张券已经领完了');
  await page.context().close();
});

test('a shopper opens the link the chat bot gave for 绑定, confirms, and that chat is joined to their membership', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const chatProfile = await s.desk.conversations.identifyContact(tenant, { id: 'wxid_mc_bind', name: '思思的微信' });
  const { token } = await s.chatBindings.offer(tenant, chatProfile, '思思的微信');
  const page = await phonePage(browser);
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-phone] input').fill(ALICE_PHONE);
  await page.locator('[data-test=demo-login-submit]').click();
  await page.locator('[data-test=member-card]').waitFor();
  await page.goto(`${app.url}/h5/member/bind/${token}`);
  expect(await page.locator('[data-test=bind-ask]').innerText()).toContain('将微信聊天「思思的微信」绑定到你的会员账号？');
  await screenshot(page, 'member-bind');
  await page.locator('[data-test=bind-confirm]').click();
  await page.locator('[data-test=bind-done]').waitFor();
  expect(await s.customers.findByIdentity(tenant, { wechatyContactId: 'wxid_mc_bind' })).toBe(alice);
  // The link is spent: opened by someone else it says so in Chinese.
  const other = await phonePage(browser);
  await demoLogin(other, BOB_PHONE);
  await other.goto(`${app.url}/h5/member/bind/${token}`);
  expect(await other.locator('[data-test=state-error]').innerText()).toContain('绑定链接已失效或已被使用');
  await page.context().close();
  await other.context().close();
});
