import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { ensureH5Built, launchBrowser, phonePage, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/** Staff and roles in the console: admins manage accounts; others only see the list. */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  app = await startLoyaltyTestApp({ plugins: [staticH5Plugin()] });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const signIn = (page: Page, username: string, password?: string) => staffSignIn(page, `${app.url}/h5/console/staff`, username, password);

test('an admin adds a sales account, makes it an agent, then switches it off so it can no longer sign in', async () => {
  const admin = await app.staff('admin');
  const page = await phonePage(browser);
  await signIn(page, admin.username);
  await page.locator('[data-test=add-staff]').click();
  const form = page.locator('[data-test=staff-form]');
  await form.locator('[data-test=staff-username] input').fill('chen.xiao');
  await form.locator('[data-test=staff-name] input').fill('店员小陈');
  await form.locator('[data-test=staff-password] input').fill('short');
  await form.locator('.van-dialog__confirm').click();
  await page.locator('.van-toast', { hasText: '8' }).waitFor(); // the server says the password is too short
  await form.locator('[data-test=staff-password] input').fill('chen-2026-pass');
  await form.locator('.van-dialog__confirm').click();
  const row = page.locator('[data-test=staff-row]', { hasText: '店员小陈' });
  await row.locator('[data-test=staff-role]', { hasText: '销售' }).waitFor();
  const login = await app.request('POST', '/api/v1/auth/login', { body: { username: 'chen.xiao', password: 'chen-2026-pass' } });
  expect(login.status).toBe(200);

  await row.click();
  await page.locator('.van-action-sheet__item', { hasText: '改为客服' }).click();
  await row.locator('[data-test=staff-role]', { hasText: '客服' }).waitFor();
  await screenshot(page, 'console-staff');

  await row.click();
  await page.locator('.van-action-sheet__item', { hasText: '停用账号' }).click();
  await row.waitFor({ state: 'detached' });
  const refused = await app.request('POST', '/api/v1/auth/login', { body: { username: 'chen.xiao', password: 'chen-2026-pass' } });
  expect(refused.status).toBe(401);
  await page.context().close();
});

test('a community manager sees the staff list but cannot change it', async () => {
  const manager = await app.staff('community_manager');
  const page = await phonePage(browser);
  await signIn(page, manager.username);
  await page.locator('[data-test=staff-row]').first().waitFor();
  expect(await page.locator('[data-test=add-staff]').count()).toBe(0);
  await page.locator('[data-test=staff-row]').first().click();
  expect(await page.locator('.van-action-sheet__item').count()).toBe(0);
  await page.context().close();
});

test('with more sections than a phone tab bar holds, four stay and the rest sit under 更多; an agent with four sections gets no 更多', async () => {
  const admin = await app.staff('admin', '管理员老王');
  const page = await phonePage(browser);
  await signIn(page, admin.username);
  const tabs = page.locator('.van-tabbar-item');
  expect(await tabs.allInnerTexts()).toEqual(['客服工作台', '人群圈选', '群发', '旅程', '更多']);
  // On the staff page (not among the four) the 更多 tab is the highlighted one.
  expect(await page.locator('.van-tabbar-item--active').innerText()).toBe('更多');
  await page.locator('[data-test=tab-console-more]').click();
  const grid = page.locator('[data-test=console-more]');
  await grid.waitFor();
  expect(await grid.locator('.van-grid-item').allInnerTexts()).toEqual(['客户', '数据', '会员设置', '渠道活码', '话术库', '员工与角色', '操作日志']);
  expect(await page.locator('.more-account').innerText()).toContain('管理员老王');
  await screenshot(page, 'console-more');
  await page.locator('[data-test=more-console-codes]').click();
  await page.waitForURL('**/h5/console/codes');
  expect(await page.locator('.van-tabbar-item--active').innerText()).toBe('更多');
  await page.context().close();

  const agent = await app.staff('agent');
  const agentPage = await phonePage(browser);
  await signIn(agentPage, agent.username);
  expect(await agentPage.locator('.van-tabbar-item').allInnerTexts()).toEqual(['客服工作台', '客户', '话术库', '员工与角色']);
  await agentPage.context().close();
});

test('a community manager finds customers in 客户 — all of them or by tag, names and phones masked — and opens one', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const vip = (await s.tags.ensure(tenant, '客户意向', '高意向')).id;
  for (const [phone, name, tagged] of [['13811110001', '欧阳娜娜', true], ['13811110002', '司马光', true], ['13811110003', '诸葛亮', false]] as const) {
    const id = await s.customers.identify(tenant, { phone }, { name });
    if (tagged) await s.customers.tag(tenant, id, [vip], []);
  }
  const manager = await app.staff('community_manager');
  const all = (await app.request('GET', '/api/v1/customers?pageSize=1', { token: manager.token })).body.total;
  const page = await phonePage(browser);
  await signIn(page, manager.username);
  await page.goto(`${app.url}/h5/console/customers`);
  await page.locator('[data-test=customers-total]', { hasText: `共 ${all} 位客户` }).waitFor();
  await page.locator('[data-test=customer-row]', { hasText: '欧**娜' }).waitFor();
  expect(await page.locator('[data-test=customer-row]', { hasText: '138****0001' }).count()).toBe(1);
  expect(await page.locator('[data-test=customer-row]', { hasText: '欧阳娜娜' }).count()).toBe(0);

  await page.locator('.van-dropdown-menu__item').click();
  await page.locator('.van-dropdown-item__option', { hasText: '客户意向 · 高意向' }).click();
  await page.locator('[data-test=customers-total]', { hasText: '共 2 位客户' }).waitFor();
  expect(await page.locator('[data-test=customer-row]').count()).toBe(2);
  await page.locator('.van-dropdown-item__content').waitFor({ state: 'hidden' });
  await screenshot(page, 'console-customers');

  await page.locator('[data-test=customer-row]', { hasText: '司*光' }).click();
  await page.locator('[data-test=profile-phone]', { hasText: '138****0002' }).waitFor();
  // notes are read here, written by those who talk to the customer
  await page.locator('[data-test=notes]').waitFor();
  expect(await page.locator('[data-test=note-input]').count()).toBe(0);
  expect(await page.locator('.van-tabbar-item--active').innerText()).toBe('更多');
  await page.locator('.van-nav-bar__left').click();
  await page.waitForURL('**/h5/console/customers');
  await page.context().close();
});

test('an admin downloads every customer as a CSV file from 客户; a community manager has no such button', async () => {
  const s = app.rt.services;
  await s.customers.identify(app.config.DEFAULT_TENANT, { phone: '13811110009' }, { name: '导出测试客户', city: '宁波' });
  const admin = await app.staff('admin');
  const page = await phonePage(browser);
  await signIn(page, admin.username);
  await page.goto(`${app.url}/h5/console/customers`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-csv]').click()]);
  expect(download.suggestedFilename()).toMatch(/^customers-\d{4}-\d{2}-\d{2}\.csv$/);
  const file = await download.path();
  const text = readFileSync(file!, 'utf8');
  expect(text.split(/\r?\n/)[0]).toBe('\ufeffid,name,phone,gender,city,birthday,sourceChannel,remark,externalUserId,unionId,shopMemberId,tags,orderCount,totalPaid,lastOrderAt');
  expect(text).toContain(',导出测试客户,13811110009,unknown,宁波,');
  await page.locator('.van-toast', { hasText: '已导出' }).waitFor();
  await page.context().close();

  const manager = await app.staff('community_manager');
  const cm = await phonePage(browser);
  await signIn(cm, manager.username);
  await cm.goto(`${app.url}/h5/console/customers`);
  await cm.locator('[data-test=customers-total]').waitFor();
  expect(await cm.locator('[data-test=export-csv]').count()).toBe(0);
  await cm.context().close();
});

test('an agent merges a chat contact with the member behind it from the customer profile; a community manager has no such action', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const member = await s.customers.identify(tenant, { phone: '13811119001' }, { name: '上官婉' });
  const chat = await s.desk.conversations.identifyContact(tenant, { id: 'wxid_console_merge', name: '婉婉' });
  const agent = await app.staff('agent');
  const page = await phonePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/customers/${chat}`, agent.username);
  await page.locator('[data-test=merge]').waitFor();
  await page.locator('[data-test=merge-search] input').fill('13811119001');
  await page.locator('[data-test=merge-search] input').press('Enter');
  await page.locator('[data-test=merge-candidate]', { hasText: '上官婉' }).click();
  await page.locator('.van-dialog__confirm').click();
  await page.waitForURL(`**/h5/console/customers/${member}`);
  expect(await s.customers.findByIdentity(tenant, { wechatyContactId: 'wxid_console_merge' })).toBe(member);
  await page.locator('[data-test=profile-phone]').waitFor();
  await page.context().close();

  const manager = await app.staff('community_manager');
  const other = await phonePage(browser);
  await staffSignIn(other, `${app.url}/h5/console/customers/${member}`, manager.username);
  await other.locator('[data-test=notes]').waitFor();
  expect(await other.locator('[data-test=merge]').count()).toBe(0);
  await other.context().close();
});
