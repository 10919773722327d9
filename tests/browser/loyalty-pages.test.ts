import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';
import { ensureH5Built, launchBrowser, phonePage, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/**
 * Loyalty as shoppers and sales see it: a shopper's expiring points, tier history and birthday (in
 * both languages), empty and error states; a sales member reading what the customer said in chat and
 * redeeming a coupon in the sidebar. The console side is in console-loyalty.test.ts.
 */
let app: TestApp;
let browser: Browser;
let admin: { id: string; token: string };
let sales: { id: string; token: string; username: string };
let chatty: string;
let quiet: string;

const ALICE_PHONE = '13700000031';

beforeAll(async () => {
  ensureH5Built();
  // Polling driver monitor: the embedded MongoDB does not stream, and a busy shared machine made the streaming monitor drop the pool.
  app = await startLoyaltyTestApp({ plugins: [staticH5Plugin()], env: { DEMO_MODE: 'true' } });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  admin = await app.staff('admin');
  sales = await app.staff('sales', '销售小林');
  // Points live 30 days in this programme, so a fresh order's points are "expiring soon".
  const put = await app.request('PUT', '/api/v1/loyalty/settings', { token: admin.token, body: { expiry: { kind: 'days', yearsAfter: 1, days: 30 } } });
  expect(put.status).toBe(200);
  await s.customers.identify(tenant, { phone: ALICE_PHONE }, { name: '周晓雯' });
  const key = (await s.staff.createApiKey(tenant, 'shop')).key;
  const order = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: {
      events: [
        {
          eventId: 'lp-1',
          type: 'order.paid',
          occurredAt: new Date().toISOString(),
          customer: { phone: ALICE_PHONE },
          data: { orderId: 'LP-1', amount: 600_000 },
        },
      ],
    },
  });
  expect(order.body.accepted).toBe(1);
  await app.settle();

  quiet = await s.customers.identify(tenant, { phone: '13700000202' }, { name: '李静', ownerStaffId: sales.id });
  // The customer writes to the brand account on WeChat (as the bot captures it); the profile is this sales member's.
  const contact = { id: 'wx-keke', name: '王可可' };
  const said = ['你好，请问有没有敏感肌能用的面霜？', '上次买的精华用完了', '周末能到店试用吗'];
  let wx: string | undefined;
  for (const [i, text] of said.entries()) {
    const r = await s.desk.conversations.capture(tenant, {
      botAccountId: 'brand-bot',
      peer: { kind: 'private', contact },
      talker: contact,
      externalId: `lp-msg-${i}`,
      type: 'text',
      text,
      at: new Date(Date.now() - (3 - i) * 60_000),
    });
    wx = r.customerId;
  }
  await s.desk.conversations.capture(tenant, {
    botAccountId: 'brand-bot',
    peer: { kind: 'private', contact },
    talker: 'self',
    author: 'bot',
    externalId: 'lp-msg-bot',
    type: 'text',
    text: '您好，这里是品牌小助手',
    at: new Date(),
  });
  chatty = wx!;
  await s.customers.update(tenant, chatty, { ownerStaffId: sales.id });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const signIn = (page: Page, path: string, username: string) => staffSignIn(page, app.url + path, username);

test('a shopper is told which points expire soon, sees how their tier changed, gives their birthday once, and reads it all in English after the switch', async () => {
  const page = await phonePage(browser);
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-phone] input').fill(ALICE_PHONE);
  await page.locator('[data-test=demo-login-submit]').click();
  await page.locator('[data-test=member-card]').waitFor();
  const notice = page.locator('[data-test=expiring-notice]');
  await notice.waitFor();
  expect(await notice.innerText()).toMatch(/6,000 积分将于 \d{4}\/\d{2}\/\d{2} 过期/);

  await page.locator('[data-test=tier-progress]').click();
  const changes = page.locator('[data-test=tier-change]');
  await changes.first().waitFor();
  expect(await changes.allInnerTexts()).toEqual([expect.stringContaining('普通 → 金卡'), expect.stringContaining('入会：普通')]);
  await screenshot(page, 'member-tier-history');

  // The birthday gift needs a birthday: the shopper gives it once, here.
  const birthday = page.locator('[data-test=my-birthday]');
  await birthday.filter({ hasText: '填写生日领生日礼' }).click();
  await page.locator('[data-test=birthday-month]').selectOption('6');
  await page.locator('[data-test=birthday-day]').selectOption('15');
  await page.locator('[data-test=birthday-form] .van-dialog__confirm').click();
  await birthday.filter({ hasText: '6月15日' }).waitFor();
  const alice = (await app.rt.services.customers.findByIdentity(app.config.DEFAULT_TENANT, { phone: ALICE_PHONE }))!;
  expect((await app.rt.services.customers.get(app.config.DEFAULT_TENANT, alice)).birthday).toMatchObject({ month: 6, day: 15 });
  // A second answer (here: straight to the API with the page's own session) is refused.
  const token = JSON.parse(String(await page.evaluate("localStorage.getItem('scrm.shopper.session')"))).token as string;
  const again = await app.request('PUT', '/api/v1/me/birthday', { token, body: { month: 1, day: 1 } });
  expect(again.status).toBe(409);
  expect(again.body.error.message).toMatch(/already on file/);

  await page.locator('[data-test=lang-switch]').click();
  await changes.first().filter({ hasText: '普通 → 金卡' }).waitFor();
  await page.locator('[data-test=tier-history] h3', { hasText: 'Tier history' }).waitFor();
  await page.goBack();
  await page.locator('[data-test=expiring-notice]', { hasText: /6,000 points expire on .+; use them soon/ }).waitFor();
  await screenshot(page, 'member-home-en');
  await page.context().close();
});

test('a sales member sees what the customer said lately beside the chat, and a quiet customer shows none', async () => {
  const page = await phonePage(browser);
  await signIn(page, `/h5/sidebar/customers/${chatty}`, sales.username);
  const lines = page.locator('[data-test=highlight]');
  await lines.first().waitFor();
  const texts = await lines.allInnerTexts();
  expect(texts).toHaveLength(3);
  expect(texts[0]).toContain('周末能到店试用吗');
  expect(texts[2]).toContain('敏感肌');
  expect(texts.join()).not.toContain('品牌小助手');
  await screenshot(page, 'sidebar-highlights');

  await page.goto(`${app.url}/h5/sidebar/customers/${quiet}`);
  await page.locator('[data-test=highlights-empty]', { hasText: '还没有聊天记录' }).waitFor();
  await page.context().close();
});

test('a new shopper sees friendly empty pages, and a failed load offers a retry that recovers', async () => {
  await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: '13700000041' }, { name: '新顾客' });
  const page = await phonePage(browser);
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-phone] input').fill('13700000041');
  await page.locator('[data-test=demo-login-submit]').click();
  await page.locator('[data-test=member-card]').waitFor();
  expect(await page.locator('[data-test=expiring-notice]').count()).toBe(0); // nothing to expire

  await page.goto(`${app.url}/h5/member/points`);
  await page.locator('.van-list__finished-text', { hasText: '还没有积分记录' }).waitFor();

  // The coupons request fails once (a dropped connection), then the network is back.
  let failures = 1;
  await page.route('**/api/v1/me/coupons**', (route) => (failures-- > 0 ? route.abort('connectionreset') : route.continue()));
  await page.goto(`${app.url}/h5/member/coupons`);
  const error = page.locator('[data-test=state-error]');
  await error.waitFor();
  expect(await error.innerText()).toContain('网络异常');
  await screenshot(page, 'member-coupons-error');
  await error.locator('button').click();
  await page.locator('[data-test=state-empty]', { hasText: '暂无优惠券' }).waitFor();
  await page.context().close();
});

test('a sales member redeems a customer’s coupon at the counter from the sidebar, once', async () => {
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '到店礼 满100减15',
      kind: 'amount',
      amountOff: 1_500,
      threshold: 10_000,
      channels: ['staff'],
      validity: { kind: 'relative', days: 14 },
      stock: 10,
    },
  });
  const sent = await app.request('POST', `/api/v1/loyalty/members/${quiet}/coupons`, {
    token: sales.token,
    body: { templateId: tpl.body.id, idempotencyKey: 'redeem-test-1' },
  });
  expect(sent.status).toBe(201);
  const page = await phonePage(browser);
  await signIn(page, `/h5/sidebar/customers/${quiet}`, sales.username);
  const coupon = page.locator('[data-test=sidebar-coupon]', { hasText: '到店礼' });
  await coupon.locator('[data-test=redeem-coupon]').click();
  await page.locator('.van-dialog__confirm').click();
  await page.locator('.van-toast', { hasText: '已核销：¥15.00' }).waitFor();
  await coupon.waitFor({ state: 'detached' }); // no longer among the available coupons
  const used = await app.request('GET', `/api/v1/loyalty/members/${quiet}/coupons?state=used`, { token: sales.token });
  expect(used.body.items.map((c: any) => [c.code, c.state])).toEqual([[sent.body.code, 'used']]);
  const again = await app.request('POST', '/api/v1/loyalty/coupons/redeem', { token: sales.token, body: { code: sent.body.code } });
  expect(again.status).toBe(409);
  await page.context().close();
});
