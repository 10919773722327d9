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
 * edited by an admin.
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
    body: { events: [{ eventId: 'cl-1', type: 'order.paid', occurredAt: new Date().toISOString(), customer: { phone: '13700000031' }, data: { orderId: 'CL-1', amount: 600_000 } }] },
  });
  expect(order.body.accepted).toBe(1);
  // Shops resend orders under new delivery ids: the dashboard counts CL-1 once.
  const resent = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: { events: [{ eventId: 'cl-1-resent', type: 'order.paid', occurredAt: new Date().toISOString(), customer: { phone: '13700000031' }, data: { orderId: 'CL-1', amount: 600_000 } }] },
  });
  expect(resent.body.accepted).toBe(1);
  for (let i = 0; i < 3; i++) await s.customers.identify(tenant, { phone: `1370000010${i}` }, { name: `苏州会员${i}`, city: '苏州' });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const signIn = (page: Page, path: string, username: string) => staffSignIn(page, app.url + path, username);

test('a manager sees the points issued, issues a campaign coupon to a segment and watches the batch finish, then sees the coupons counted', async () => {
  const seg = await app.request('POST', '/api/v1/segments', { token: manager.token, body: { name: '苏州会员', audience: { type: 'group', op: 'and', rules: [{ type: 'city', in: ['苏州'] }] } } });
  expect(seg.status).toBe(201);
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: manager.token,
    body: { name: '苏州新店 满200减30', kind: 'amount', amountOff: 3_000, threshold: 20_000, channels: ['campaign'], validity: { kind: 'relative', days: 14 }, stock: 100 },
  });
  expect(tpl.status).toBe(201);

  const page = await consolePage(browser);
  await signIn(page, '/h5/console/dashboard', manager.username);
  await page.locator('[data-test=figure-pointsIssued] [data-test=figure-value]', { hasText: '6,000' }).waitFor();
  expect(await page.locator('[data-test=figure-couponsIssued] [data-test=figure-value]').innerText()).toBe('0');

  await page.goto(`${app.url}/h5/console/loyalty`);
  await page.locator('[data-test=template-row]', { hasText: '苏州新店' }).locator('[data-test=issue-to-segment]').click();
  await page.locator('.van-action-sheet__item', { hasText: '苏州会员' }).click();
  const batch = page.locator('[data-test=batch]').first();
  await batch.locator('[data-test=batch-state]', { hasText: '排队中' }).waitFor();
  expect(await batch.locator('[data-test=batch-progress]').innerText()).toBe('已处理 0/3，成功 0，失败 0');
  // The worker's job runs; the page is polling and shows the result without a reload.
  await jobDefinitions(app.rt.services).find((j) => j.name === 'loyalty.issue-batches')!.run({});
  await batch.locator('[data-test=batch-state]', { hasText: '已完成' }).waitFor();
  expect(await batch.locator('[data-test=batch-progress]').innerText()).toBe('已处理 3/3，成功 3，失败 0');
  await page.locator('[data-test=template-row]', { hasText: '苏州新店' }).filter({ hasText: '3/100' }).waitFor();
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
  expect(await page.locator('[data-test=edit-rules]').count()).toBe(0); // only admins change the rules
  await page.locator('[data-test=new-template]').click();
  const form = page.locator('[data-test=template-form]');
  await form.locator('[data-test=tpl-name] input').fill('会员8.5折');
  await form.locator('[data-test=tpl-kind-percent]').click();
  await form.locator('[data-test=tpl-discount] input').fill('8.5');
  await form.locator('[data-test=tpl-max-off] input').fill('30');
  await form.locator('[data-test=tpl-channel-exchange]').click();
  await form.locator('[data-test=tpl-points] input').fill('500');
  await form.locator('[data-test=tpl-create]').click();
  const row = page.locator('[data-test=template-row]', { hasText: '会员8.5折' });
  await row.waitFor();
  expect(await row.innerText()).toMatch(/8\.5折[\s\S]*最多减¥30\.00|最多减¥30\.00[\s\S]*8\.5折/);
  const saved = (await app.request('GET', '/api/v1/loyalty/templates', { token: manager.token })).body.items.find((x: any) => x.name === '会员8.5折');
  expect(saved).toMatchObject({ kind: 'percent', discountTenths: 85, maxOff: 3_000, pointsCost: 500, channels: ['staff', 'exchange'], active: true });
  await form.waitFor({ state: 'hidden' });
  await screenshot(page, 'console-template-created');

  await row.locator('[data-test=template-active]').click();
  await row.locator('[data-test=template-off]').waitFor();
  const off = (await app.request('GET', '/api/v1/loyalty/templates', { token: manager.token })).body.items.find((x: any) => x.id === saved.id);
  expect(off.active).toBe(false);
  await page.context().close();

  const adminPage = await consolePage(browser);
  const adminUser = await app.staff('admin');
  await signIn(adminPage, '/h5/console/loyalty', adminUser.username);
  await adminPage.locator('[data-test=edit-rules]').click();
  await adminPage.locator('[data-test=rules-daily-cap] input').fill('500');
  await adminPage.locator('[data-test=rules-form] .van-dialog__confirm').click();
  await adminPage.locator('[data-test=rule-daily-cap]', { hasText: '500' }).waitFor();
  expect((await app.request('GET', '/api/v1/loyalty/settings', { token: adminUser.token })).body.earn.dailyCap).toBe(500);

  // Tiers: a threshold that would not rise is refused with the server's reason; a valid edit is kept.
  const gift = await app.request('POST', '/api/v1/loyalty/templates', {
    token: adminUser.token,
    body: { name: '金卡生日券', kind: 'amount', amountOff: 5_000, threshold: 0, channels: ['campaign'], validity: { kind: 'relative', days: 30 }, stock: 1_000 },
  });
  expect(gift.status).toBe(201);
  await adminPage.reload();
  await adminPage.locator('[data-test=tier-row]', { hasText: '银卡' }).click();
  await adminPage.locator('[data-test=tier-threshold] input').fill('9000');
  await adminPage.locator('[data-test=tier-form] .van-dialog__confirm').click();
  await adminPage.locator('.van-toast', { hasText: '等级门槛必须从最低等级开始逐级升高' }).waitFor();
  await adminPage.locator('[data-test=tier-form] .van-dialog__cancel').click();
  await adminPage.locator('[data-test=tier-row]', { hasText: '金卡' }).click();
  await adminPage.locator('[data-test=tier-multiplier] input').fill('1.8');
  await adminPage.locator('[data-test="tier-birthday-金卡生日券"]').click();
  await adminPage.locator('[data-test=tier-form] .van-dialog__confirm').click();
  await adminPage.locator('[data-test=tier-row]', { hasText: '金卡' }).filter({ hasText: '×1.8' }).filter({ hasText: '生日专属券' }).waitFor();
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
