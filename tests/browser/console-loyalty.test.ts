import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { chartRows, consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { jobDefinitions } from '../../server/src/jobs/index.js';
import { startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * The loyalty programme in the console: the dashboard (loyalty figures, lifecycle stages, WeCom contacts
 * added/lost, broadcast funnel), a bulk coupon issue to a
 * segment with live progress, coupon templates created and switched off, earning rules and tiers
 * edited by an admin. The 会员 page is a desktop page: tables, a drawer, dialogs (Element Plus).
 */
let app: TestApp;
let browser: Browser;
let manager: { id: string; token: string; username: string };

beforeAll(async () => {
  ensureH5Built();
  // Polling driver monitor: the embedded MongoDB does not stream (see loyalty-test-kit).
  app = await startLoyaltyTestApp({ plugins: [staticH5Plugin()] });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  manager = await app.staff('community_manager');
  await s.customers.identify(tenant, { phone: '13700000031' }, { name: '周晓雯' });
  const key = (await s.staff.createApiKey(tenant, 'shop')).key;
  const order = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: {
      events: [
        {
          eventId: 'cl-1',
          type: 'order.paid',
          occurredAt: new Date().toISOString(),
          customer: { phone: '13700000031' },
          data: { orderId: 'CL-1', amount: 600_000 },
        },
      ],
    },
  });
  expect(order.body.accepted).toBe(1);
  // Shops resend orders under new delivery ids: the dashboard counts CL-1 once.
  const resent = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: {
      events: [
        {
          eventId: 'cl-1-resent',
          type: 'order.paid',
          occurredAt: new Date().toISOString(),
          customer: { phone: '13700000031' },
          data: { orderId: 'CL-1', amount: 600_000 },
        },
      ],
    },
  });
  expect(resent.body.accepted).toBe(1);
  await app.settle();
  for (let i = 0; i < 3; i++) await s.customers.identify(tenant, { phone: `1370000010${i}` }, { name: `苏州会员${i}`, city: '苏州' });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const signIn = (page: Page, path: string, username: string) => staffSignIn(page, app.url + path, username);
/** A table row of the 会员 page, found by what it shows. */
const rowOf = (page: Page, section: string, text: string) => page.locator(`[data-test=${section}] .el-table__body-wrapper .el-table__row`, { hasText: text });

test('a manager sees the points issued, issues a campaign coupon to a segment and watches the batch finish, then sees the coupons counted', async () => {
  const seg = await app.request('POST', '/api/v1/segments', {
    token: manager.token,
    body: { name: '苏州会员', audience: { type: 'group', op: 'and', rules: [{ type: 'city', in: ['苏州'] }] } },
  });
  expect(seg.status).toBe(201);
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: manager.token,
    body: {
      name: '苏州新店 满200减30',
      kind: 'amount',
      amountOff: 3_000,
      threshold: 20_000,
      channels: ['campaign'],
      validity: { kind: 'relative', days: 14 },
      stock: 100,
    },
  });
  expect(tpl.status).toBe(201);

  const page = await consolePage(browser);
  await signIn(page, '/h5/console/dashboard', manager.username);
  await page.locator('[data-test=figure-pointsIssued] [data-test=figure-value]', { hasText: '6,000' }).waitFor();
  expect(await page.locator('[data-test=figure-couponsIssued] [data-test=figure-value]').innerText()).toBe('0');

  await page.goto(`${app.url}/h5/console/loyalty`);
  await rowOf(page, 'templates', '苏州新店').locator('[data-test=issue-to-segment]').click();
  const picker = page.locator('.el-dialog[data-test=segment-picker]');
  await picker.locator('.el-dialog__title', { hasText: '苏州新店 满200减30' }).waitFor();
  await picker.locator('.el-table__row', { hasText: '苏州会员' }).locator('[data-test=issue-pick]').click();
  await picker.waitFor({ state: 'hidden' });
  const batch = rowOf(page, 'batches', '苏州新店').first();
  await batch.locator('[data-test=batch-state]', { hasText: '排队中' }).waitFor();
  expect(await batch.locator('[data-test=batch-progress]').innerText()).toBe('已处理 0/3，成功 0，失败 0');
  // The worker's job runs; the page is polling and shows the result without a reload.
  await jobDefinitions(app.rt.services)
    .find((j) => j.name === 'loyalty.issue-batches')!
    .run({});
  await batch.locator('[data-test=batch-state]', { hasText: '已完成' }).waitFor();
  expect(await batch.locator('[data-test=batch-progress]').innerText()).toBe('已处理 3/3，成功 3，失败 0');
  await rowOf(page, 'templates', '苏州新店').locator('[data-test=template-issued]', { hasText: '3/100' }).waitFor();
  await screenshot(page, 'console-bulk-issue');

  await page.goto(`${app.url}/h5/console/dashboard`);
  await page.locator('[data-test=figure-couponsIssued] [data-test=figure-value]', { hasText: '3' }).waitFor();
  await screenshot(page, 'console-dashboard-loyalty');
  await page.context().close();
});

test('a manager creates a percentage coupon with a cap and switches it off; an admin changes the daily points cap and a tier (a bad threshold is refused with the reason)', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/loyalty', manager.username);
  await page.locator('[data-test=tiers]').waitFor();
  // Only admins change the rules and tiers: a manager reads them.
  expect(await page.locator('[data-test=save-rules]').count()).toBe(0);
  expect(await page.locator('[data-test=edit-tier]').count()).toBe(0);
  expect(await page.locator('input[data-test=rules-daily-cap]').isDisabled()).toBe(true);
  await page.locator('[data-test=new-template]').click();
  const form = page.locator('.el-drawer[data-test=template-form]');
  await form.locator('input[data-test=tpl-name]').fill('会员8.5折');
  await form.locator('[data-test=tpl-kind-percent]').click();
  await form.locator('input[data-test=tpl-discount]').fill('8.5');
  await form.locator('input[data-test=tpl-max-off]').fill('30');
  await form.locator('[data-test=tpl-channel-exchange]').click();
  await form.locator('input[data-test=tpl-points]').fill('500');
  await form.locator('[data-test=tpl-create]').click();
  const row = rowOf(page, 'templates', '会员8.5折');
  await row.waitFor();
  expect(await row.locator('[data-test=template-value]').innerText()).toBe('8.5折');
  expect(await row.locator('[data-test=template-condition]').innerText()).toBe('无门槛 · 最多减¥30.00');
  const saved = (await app.request('GET', '/api/v1/loyalty/templates', { token: manager.token })).body.items.find((x: any) => x.name === '会员8.5折');
  expect(saved).toMatchObject({ kind: 'percent', discountTenths: 85, maxOff: 3_000, pointsCost: 500, channels: ['staff', 'exchange'], active: true });
  await form.waitFor({ state: 'hidden' });
  await screenshot(page, 'console-template-created');

  await row.locator('[data-test=template-active]').click();
  await row.locator('[data-test=template-off]').waitFor();
  const off = (await app.request('GET', '/api/v1/loyalty/templates', { token: manager.token })).body.items.find((x: any) => x.id === saved.id);
  expect(off.active).toBe(false);

  // Amounts are typed in yuan and stored in fen, exactly: 12.5 元 is 1250 fen and reads back as ¥12.50.
  // A third decimal is refused at the field, before anything is sent.
  await page.locator('[data-test=new-template]').click();
  await form.locator('input[data-test=tpl-name]').fill('满99减12.5');
  await form.locator('input[data-test=tpl-amount]').fill('12.555');
  await form.locator('.el-form-item__error', { hasText: '请输入以元为单位的金额，最多两位小数' }).waitFor();
  expect(await form.locator('[data-test=tpl-create]').isDisabled()).toBe(true);
  await form.locator('input[data-test=tpl-amount]').fill('12.5');
  await form.locator('input[data-test=tpl-threshold]').fill('99');
  await form.locator('[data-test=tpl-create]').click();
  const yuanRow = rowOf(page, 'templates', '满99减12.5');
  await yuanRow.locator('[data-test=template-value]', { hasText: '¥12.50' }).waitFor();
  expect(await yuanRow.locator('[data-test=template-condition]').innerText()).toBe('满¥99.00可用');
  const yuan = (await app.request('GET', '/api/v1/loyalty/templates', { token: manager.token })).body.items.find((x: any) => x.name === '满99减12.5');
  expect(yuan).toMatchObject({ kind: 'amount', amountOff: 1250, threshold: 9900 });
  await page.context().close();

  const adminPage = await consolePage(browser);
  const adminUser = await app.staff('admin');
  await signIn(adminPage, '/h5/console/loyalty', adminUser.username);
  await adminPage.locator('input[data-test=rules-daily-cap]').fill('500');
  await adminPage.locator('[data-test=save-rules]').click();
  await adminPage.locator('.el-message', { hasText: '已保存' }).waitFor();
  await adminPage.reload();
  expect(await adminPage.locator('input[data-test=rules-daily-cap]').inputValue()).toBe('500');
  expect((await app.request('GET', '/api/v1/loyalty/settings', { token: adminUser.token })).body.earn.dailyCap).toBe(500);

  // Tiers: a threshold that would not rise is refused with the server's reason; a valid edit is kept.
  const gift = await app.request('POST', '/api/v1/loyalty/templates', {
    token: adminUser.token,
    body: {
      name: '金卡生日券',
      kind: 'amount',
      amountOff: 5_000,
      threshold: 0,
      channels: ['campaign'],
      validity: { kind: 'relative', days: 30 },
      stock: 1_000,
    },
  });
  expect(gift.status).toBe(201);
  await adminPage.reload();
  const tierForm = adminPage.locator('.el-dialog[data-test=tier-form]');
  await rowOf(adminPage, 'tiers', '银卡').locator('[data-test=edit-tier]').click();
  await tierForm.locator('input[data-test=tier-threshold]').fill('9000');
  await tierForm.locator('[data-test=tier-save]').click();
  await tierForm.locator('[data-test=tier-error]', { hasText: '等级门槛必须从最低等级开始逐级升高' }).waitFor();
  await tierForm.locator('[data-test=tier-cancel]').click();
  await tierForm.waitFor({ state: 'hidden' });
  await rowOf(adminPage, 'tiers', '金卡').locator('[data-test=edit-tier]').click();
  await tierForm.locator('input[data-test=tier-multiplier]').fill('1.8');
  await tierForm.locator('[data-test=tier-birthday-coupon]').click();
  await adminPage.locator('.el-select-dropdown__item', { hasText: '金卡生日券' }).click();
  await tierForm.locator('[data-test=tier-save]').click();
  await tierForm.waitFor({ state: 'hidden' });
  await rowOf(adminPage, 'tiers', '金卡').filter({ hasText: '×1.8' }).filter({ hasText: '金卡生日券' }).waitFor();
  expect(await rowOf(adminPage, 'tiers', '金卡').locator('[data-test=tier-threshold-cell]').innerText()).toBe('¥5,000.00');
  const tiers = (await app.request('GET', '/api/v1/loyalty/settings', { token: adminUser.token })).body.tiers;
  expect(tiers.map((x: any) => [x.code, x.threshold, x.multiplierPermille, x.birthdayTemplateId ?? null])).toEqual([
    ['normal', 0, 1000, null],
    ['silver', 100_000, 1200, null],
    ['gold', 500_000, 1800, gift.body.id],
    ['black', 2_000_000, 2000, null],
  ]);
  await screenshot(adminPage, 'console-tiers-edited');
  await adminPage.context().close();
});

test('the dashboard shows customers by lifecycle stage, WeCom contacts added and lost today, an empty broadcast funnel and each order once', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  // 周晓雯 and the three 苏州 members joined today: all new. One of them adds a sales member on WeCom
  // and another deletes theirs.
  const sales = await app.staff('sales');
  const [adds, leaves] = await Promise.all(['13700000100', '13700000101'].map((phone) => s.customers.identify(tenant, { phone })));
  await s.customers.setWecomRelation(tenant, adds, { relation: 'active', at: new Date(), staffId: sales.id });
  await s.customers.setWecomRelation(tenant, leaves, { relation: 'lost', at: new Date() });

  const page = await consolePage(browser);
  await signIn(page, '/h5/console/dashboard', manager.username);
  const figure = (key: string) => page.locator(`[data-test=figure-${key}] [data-test=figure-value]`);
  await figure('contactsAdded').filter({ hasText: '1' }).waitFor();
  // Each stage as the bars draw it, one row per bar.
  expect(await chartRows(page, 'lifecycle')).toEqual([
    ['新客', '3'],
    ['活跃', '0'],
    ['流失风险', '0'],
    ['已流失', '1'],
    ['潜在客户', '0'],
  ]);
  expect(await figure('contactsLost').innerText()).toBe('1');
  expect(await page.locator('[data-test=contacts-per-day] [data-test=chart-subtitle]').innerText()).toBe('新增 1 · 流失 1');
  // Fourteen days by default, today last with its one added and one lost contact.
  const perDay = await chartRows(page, 'contacts-per-day');
  expect(perDay).toHaveLength(14);
  expect(perDay.at(-1)!.slice(1)).toEqual(['1', '1']);
  expect(await page.locator('[data-test=funnel] [data-test=chart-subtitle]').innerText()).toBe('0 个活动 · 下单转化 —');
  expect(await chartRows(page, 'funnel')).toEqual([
    ['目标客户', '0'],
    ['已发送', '0'],
    ['已送达', '0'],
    ['已下单', '0'],
  ]);
  // The shop's order CL-1, resent under a new delivery id, is one order.
  expect(await figure('orders').innerText()).toBe('1');
  expect(await figure('paid').innerText()).toBe('¥6,000.00');
  expect(await figure('refunds').innerText()).toBe('0');
  // Against the fourteen days before: nothing then.
  const hint = (key: string) => page.locator(`[data-test=figure-${key}] [data-test=figure-hint]`);
  expect(await hint('paid').innerText()).toBe('上期 ¥0.00');
  // Each chart is drawn on a canvas that uses the width of the 1440-pixel window.
  const width = await page.locator('[data-test=contacts-per-day] canvas').evaluate((c) => c.getBoundingClientRect().width);
  expect(width).toBeGreaterThan(1000);

  await screenshot(page, 'console-dashboard-customers');

  // A longer period from the date picker's shortcuts: the address keeps it, and every per-day chart
  // has one row per day.
  await page.locator('[data-test=period] input').first().click();
  await page.locator('.el-picker-panel__shortcut', { hasText: '近 30 天' }).click();
  await page.waitForURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
  for (const chart of ['contacts-per-day', 'points-per-day', 'coupons-per-day']) {
    await page.locator(`[data-test=${chart}] [data-test=chart-row]`).nth(29).waitFor({ state: 'attached' });
    expect(await chartRows(page, chart)).toHaveLength(30);
  }

  // One day at a time, the brand's days (Shanghai): today has the order and its points, against none
  // the day before; yesterday has neither.
  const DAY = 86_400_000;
  const shanghai = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
  const today = shanghai(Date.now());
  const yesterday = shanghai(Date.now() - DAY);
  await page.goto(`${app.url}/h5/console/dashboard?from=${today}&to=${today}`);
  expect(await chartRows(page, 'contacts-per-day')).toEqual([[today, '1', '1']]);
  await figure('pointsIssued').filter({ hasText: '6,000' }).waitFor();
  await hint('pointsIssued').filter({ hasText: '上期 0' }).waitFor();
  expect(await figure('orders').innerText()).toBe('1');
  expect(await page.locator('[data-test=period-compare]').innerText()).toBe(`对比上期 ${yesterday} 至 ${yesterday}`);
  await page.goto(`${app.url}/h5/console/dashboard?from=${yesterday}&to=${yesterday}`);
  expect(await chartRows(page, 'contacts-per-day')).toEqual([[yesterday, '0', '0']]);
  await figure('pointsIssued').filter({ hasText: /^0$/ }).waitFor();
  expect(await figure('orders').innerText()).toBe('0');
  await page.context().close();
});
