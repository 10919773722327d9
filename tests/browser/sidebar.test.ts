import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { ensureH5Built, launchBrowser, phonePage, screenshot } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/** A sales member works one of their customers in the sidebar, outside WeCom (customer picker). */
let app: TestApp;
let browser: Browser;
let sales: { id: string; token: string; username: string };
let mine: string;
let theirs: string;
let tagId: string;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()] });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  sales = await app.staff('sales', '销售小周');
  const other = await app.staff('sales', '销售小吴');
  mine = await s.customers.identify(tenant, { phone: '13900000001' }, { name: '林小雨', city: '杭州', ownerStaffId: sales.id });
  theirs = await s.customers.identify(tenant, { phone: '13900000002' }, { name: '赵大海', ownerStaffId: other.id });
  tagId = (await s.tags.ensure(tenant, '兴趣', '护肤')).id;
  await s.tags.ensure(tenant, '兴趣', '彩妆');
  const admin = await app.staff('admin');
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: { name: '导购专享券', kind: 'amount', amountOff: 1_500, threshold: 10_000, channels: ['staff'], validity: { kind: 'relative', days: 14 }, stock: 10 },
  });
  expect(tpl.status).toBe(201);
  const key = (await s.staff.createApiKey(tenant, 'shop')).key;
  const paid = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: { events: [{ eventId: 'sb-1', type: 'order.paid', occurredAt: '2026-11-01T08:00:00Z', customer: { phone: '13900000001' }, data: { orderId: 'SO-1', amount: 12_900 } }] },
  });
  expect(paid.body.accepted).toBe(1);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function signIn(page: Page, path: string) {
  await page.goto(app.url + path);
  await page.locator('[data-test=login-username] input').fill(sales.username);
  await page.locator('[data-test=login-password] input').fill('password-123');
  await page.locator('[data-test=login-submit]').click();
}

test('a sales member picks their customer, adds a tag, a note and a follow-up, and they are saved', async () => {
  const page = await phonePage(browser);
  await signIn(page, '/h5/sidebar');

  const rows = page.locator('[data-test=customer-row]');
  await rows.filter({ hasText: '林小雨' }).waitFor();
  // another sales member's customer is not in this member's book
  expect(await rows.filter({ hasText: '赵大海' }).count()).toBe(0);
  await screenshot(page, 'sidebar-picker');

  await rows.filter({ hasText: '林小雨' }).click();
  await page.waitForURL(`**/h5/sidebar/customers/${mine}`);
  await page.locator('[data-test=profile-name]', { hasText: '林小雨' }).waitFor();
  // the owner sees the full phone; amounts come from fen
  await page.locator('[data-test=profile-phone]', { hasText: '13900000001' }).waitFor();
  await page.locator('[data-test=total-paid]', { hasText: '¥129.00' }).waitFor();

  await page.locator('[data-test=edit-tags]').click();
  await page.locator('[data-test="tag-option-护肤"]').click();
  await page.locator('[data-test=save-tags]').click();
  await page.locator('[data-test=customer-tag]', { hasText: '护肤' }).waitFor();

  await page.locator('[data-test=note-input] textarea').fill('喜欢清爽型面霜，下周到店');
  await page.locator('[data-test=add-note]').click();
  await page.locator('[data-test=note]', { hasText: '喜欢清爽型面霜' }).waitFor();

  await page.locator('[data-test=follow-up-input] input').fill('周五回访试用感受');
  await page.locator('[data-test=add-follow-up]').click();
  const task = page.locator('[data-test=follow-up]', { hasText: '周五回访试用感受' });
  await task.locator('[data-test=complete-follow-up]').click();
  await task.locator('[data-test=complete-follow-up]').waitFor({ state: 'detached' });

  // one-tap coupon and a points adjustment, each landing once on the server
  const before = (await app.request('GET', `/api/v1/loyalty/members/${mine}`, { token: sales.token })).body.balance ?? 0;
  await page.locator('[data-test=send-coupon]').click();
  await page.locator('.van-action-sheet__item:visible', { hasText: '导购专享券' }).click();
  await page.locator('[data-test=sidebar-coupon]', { hasText: '导购专享券' }).waitFor();
  await page.locator('[data-test=adjust-points]').click();
  await page.locator('[data-test=adjust-amount] input').fill('50');
  await page.locator('[data-test=adjust-reason] input').fill('到店试用反馈奖励');
  await page.locator('.van-dialog:visible .van-dialog__confirm').click();
  await page.locator('[data-test=sidebar-points]', { hasText: String(before + 50) }).waitFor();
  await screenshot(page, 'sidebar-customer');

  const saved = await app.request('GET', `/api/v1/customers/${mine}`, { token: sales.token });
  expect(saved.body.tags).toEqual([tagId]);
  expect(saved.body.notes.map((n: { text: string }) => n.text)).toEqual(['喜欢清爽型面霜，下周到店']);
  expect(saved.body.followUps).toEqual([expect.objectContaining({ title: '周五回访试用感受', status: 'done' })]);
  const card = await app.request('GET', `/api/v1/loyalty/members/${mine}`, { token: sales.token });
  expect(card.body.balance).toBe(before + 50);
  expect(card.body.availableCoupons.map((c: { name: string }) => c.name)).toEqual(['导购专享券']);
  await page.context().close();
});

test("a sales member who opens another member's customer by address sees 'not found', not the profile", async () => {
  const page = await phonePage(browser);
  await signIn(page, `/h5/sidebar/customers/${theirs}`);
  await page.locator('[data-test=state-error]').waitFor();
  expect(await page.locator('[data-test=state-error]').innerText()).toContain('内容不存在或无权查看');
  expect(await page.locator('body').innerText()).not.toContain('赵大海');
  await page.context().close();
});

test('the sidebar speaks Chinese by default and English with ?lang=en', async () => {
  const page = await phonePage(browser);
  await page.goto(`${app.url}/h5/sidebar`);
  expect(await page.locator('[data-test=staff-login] h2').innerText()).toBe('员工登录');
  await page.goto(`${app.url}/h5/sidebar?lang=en`);
  expect(await page.locator('[data-test=staff-login] h2').innerText()).toBe('Staff sign-in');
  await page.context().close();
});
