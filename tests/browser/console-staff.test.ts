import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
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

test('an admin adds a sales account (the password policy said in Chinese under the field), makes it an agent for 5 chats, then switches it off so it can no longer sign in', async () => {
  const admin = await app.staff('admin');
  const page = await consolePage(browser);
  await signIn(page, admin.username);
  await page.locator('[data-test=add-staff]').click();
  const form = page.locator('[data-test=staff-form]');
  await form.locator('input[data-test=staff-username]').fill('chen.xiao');
  await form.locator('input[data-test=staff-name]').fill('店员小陈');
  await form.locator('input[data-test=staff-password]').fill('short');
  await form.locator('[data-test=staff-form-save]').click();
  // Too short: zod's refusal, in Chinese, under the password field.
  await form.locator('.el-form-item', { hasText: '初始密码' }).locator('.el-form-item__error', { hasText: '8' }).waitFor();
  await form.locator('input[data-test=staff-password]').fill('12345678');
  await form.locator('[data-test=staff-form-save]').click();
  await form.locator('.el-form-item', { hasText: '初始密码' }).locator('.el-form-item__error', { hasText: '密码太容易被猜到' }).waitFor();
  expect((await app.request('POST', '/api/v1/auth/login', { body: { username: 'chen.xiao', password: '12345678' } })).status).toBe(401);
  await form.locator('input[data-test=staff-password]').fill('chen-2026-pass');
  await form.locator('[data-test=staff-form-save]').click();
  const row = page.locator('[data-test=staff-table] .el-table__row', { hasText: '店员小陈' });
  await row.locator('[data-test=staff-role]', { hasText: '销售' }).waitFor();
  const login = await app.request('POST', '/api/v1/auth/login', { body: { username: 'chen.xiao', password: 'chen-2026-pass' } });
  expect(login.status).toBe(200);

  await row.locator('[data-test=staff-edit]').click();
  const edit = page.locator('[data-test=staff-edit-form]');
  await edit.locator('[data-test=staff-edit-role]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '客服' }).click();
  await edit.locator('.el-input-number input').fill('5');
  await edit.locator('[data-test=staff-edit-save]').click();
  await row.locator('[data-test=staff-role]', { hasText: '客服' }).waitFor();
  await row.locator('[data-test=staff-capacity]', { hasText: '5' }).waitFor();
  expect(await app.rt.services.staff.get(app.config.DEFAULT_TENANT, login.body.staff.id)).toMatchObject({ role: 'agent', capacity: 5 });
  await screenshot(page, 'console-staff');

  await row.locator('[data-test=staff-deactivate]').click();
  await page.locator('.el-message-box', { hasText: '店员小陈 将无法登录' }).locator('.el-button--danger').click();
  await row.waitFor({ state: 'detached' });
  const refused = await app.request('POST', '/api/v1/auth/login', { body: { username: 'chen.xiao', password: 'chen-2026-pass' } });
  expect(refused.status).toBe(401);
  // Switched-off accounts are one click away, and can be switched on again.
  await page.locator('[data-test=staff-status] label', { hasText: '已停用' }).click();
  await row.locator('[data-test=staff-activate]').click();
  await page.locator('.el-message', { hasText: '已启用 店员小陈' }).waitFor();
  expect((await app.request('POST', '/api/v1/auth/login', { body: { username: 'chen.xiao', password: 'chen-2026-pass' } })).status).toBe(200);
  await page.context().close();
});

test('an admin makes an integration key (shown once), rotates it, and revokes the new one; each stops the shop at once', async () => {
  const admin = await app.staff('admin');
  const page = await consolePage(browser);
  await signIn(page, admin.username);
  const ingest = (key: string, eventId: string) =>
    app.request('POST', '/api/v1/events', {
      headers: { 'x-api-key': key },
      body: { events: [{ eventId, type: 'product.viewed', occurredAt: '2026-11-01T08:00:00Z', customer: { phone: '13900003333' }, data: { sku: 'S1' } }] },
    });
  const keys = page.locator('[data-test=api-keys]');
  await keys.locator('[data-test=api-key-new]').click();
  await page.locator('input[data-test=api-key-form-name]').fill('有赞店铺');
  await page.locator('[data-test=api-key-form-save]').click();
  const shown = page.locator('[data-test=api-key-shown]');
  await shown.locator('.el-alert', { hasText: '密钥只显示这一次' }).waitFor();
  const first = await shown.locator('input[data-test=api-key-value]').inputValue();
  expect(first).toMatch(/^sk_/);
  await shown.locator('[data-test=api-key-shown-done]').click();
  const row = keys.locator('.el-table__row', { hasText: '有赞店铺' });
  await row.locator('[data-test=api-key-prefix]', { hasText: first.slice(0, 7) }).waitFor();
  expect(await page.content()).not.toContain(first); // never shown again
  expect((await ingest(first, 'ui-k-1')).status).toBe(200);

  await row.locator('[data-test=api-key-rotate]').click();
  await page.locator('[data-test=api-key-grace]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '立即停用' }).click();
  await page.locator('[data-test=api-key-rotate-save]').click();
  await shown.locator('.el-alert', { hasText: '密钥只显示这一次' }).waitFor();
  const second = await shown.locator('input[data-test=api-key-value]').inputValue();
  expect(second).not.toBe(first);
  await shown.locator('[data-test=api-key-shown-done]').click();
  expect((await ingest(first, 'ui-k-2')).status).toBe(401);
  expect((await ingest(second, 'ui-k-3')).status).toBe(200);

  const fresh = keys.locator('.el-table__row', { hasText: second.slice(0, 7) });
  await fresh.locator('[data-test=api-key-revoke]').click();
  await page.locator('.el-message-box', { hasText: '有赞店铺' }).locator('.el-button--danger').click();
  await fresh.locator('[data-test=api-key-state]', { hasText: '已停用' }).waitFor();
  expect((await ingest(second, 'ui-k-4')).status).toBe(401);
  await page.context().close();
});

test('a community manager sees the staff table but cannot change it', async () => {
  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await signIn(page, manager.username);
  await page.locator('[data-test=staff-row]').first().waitFor();
  expect(await page.locator('[data-test=add-staff]').count()).toBe(0);
  expect(await page.locator('[data-test=staff-edit]').count()).toBe(0);
  expect(await page.locator('[data-test=api-keys]').count()).toBe(0);
  await page.context().close();
});

test('the console is a desktop application: navigation grouped by job, the signed-in member, role and brand on top; each role sees only its sections', async () => {
  const admin = await app.staff('admin', '管理员老王');
  const page = await consolePage(browser);
  await signIn(page, admin.username);
  const nav = page.locator('[data-test=console-nav]');
  const groups = nav.locator('.el-menu-item-group__title');
  expect(await groups.allInnerTexts()).toEqual(['客户', '营销', '客服', '会员', '数据', '设置']);
  expect(await nav.locator('.el-menu-item').allInnerTexts()).toEqual([
    '客户',
    '我的任务',
    '标签',
    '客户群',
    '人群圈选',
    '群发',
    '旅程',
    '渠道活码',
    '客服工作台',
    '话术库',
    '机器人',
    '客服设置',
    '会员设置',
    '数据',
    '员工与角色',
    '操作日志',
  ]);
  // The staff page is open: its entry is the highlighted one, and the top bar says who is signed in.
  expect(await nav.locator('.el-menu-item.is-active').innerText()).toBe('员工与角色');
  expect(await page.locator('[data-test=console-account]').innerText()).toContain('管理员老王');
  expect(await page.locator('[data-test=console-role]').innerText()).toBe('管理员');
  expect(await page.locator('[data-test=console-brand]').innerText()).toBe(app.config.DEFAULT_TENANT);
  // The page uses the window's width, not a phone's column.
  const main = await page.locator('.console-main').boundingBox();
  expect(main!.width).toBeGreaterThan(1100);
  await screenshot(page, 'console-shell');
  await page.locator('[data-test=nav-console-codes]').click();
  await page.waitForURL('**/h5/console/codes');
  expect(await nav.locator('.el-menu-item.is-active').innerText()).toBe('渠道活码');
  await page.context().close();

  const agent = await app.staff('agent');
  const agentPage = await consolePage(browser);
  await signIn(agentPage, agent.username);
  const agentNav = agentPage.locator('[data-test=console-nav]');
  expect(await agentNav.locator('.el-menu-item-group__title').allInnerTexts()).toEqual(['客户', '客服', '设置']);
  expect(await agentNav.locator('.el-menu-item').allInnerTexts()).toEqual(['客户', '我的任务', '客服工作台', '话术库', '员工与角色']);
  await agentPage.context().close();
});

test('a community manager works the 客户 table: masked rows, a tag filter kept in the URL, sorting by total paid, the profile in a drawer, bulk tag and owner', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const vip = (await s.tags.ensure(tenant, '客户意向', '高意向')).id;
  const gift = (await s.tags.ensure(tenant, '活动', '双十二')).id;
  const ids: Record<string, string> = {};
  for (const [phone, name, tagged, paid] of [
    ['13811110001', '欧阳娜娜', true, 52_000],
    ['13811110002', '司马光', true, 8_800],
    ['13811110003', '诸葛亮', false, 0],
  ] as const) {
    ids[name] = await s.customers.identify(tenant, { phone }, { name });
    if (tagged) await s.customers.tag(tenant, ids[name], [vip], []);
    if (paid)
      await s.customers.applyAggregates(tenant, [{ customerId: ids[name], update: { $set: { 'aggregates.totalPaid': paid, 'aggregates.orderCount': 1 } } }]);
  }
  const owner = await app.staff('sales', '销售小周');
  const manager = await app.staff('community_manager');
  const all = (await app.request('GET', '/api/v1/customers?pageSize=1', { token: manager.token })).body.total;
  const page = await consolePage(browser);
  await signIn(page, manager.username);
  await page.goto(`${app.url}/h5/console/customers`);
  const table = page.locator('[data-test=customers-table]');
  await page.locator('[data-test=customers-total]', { hasText: `共 ${all} 位客户` }).waitFor();
  await table.locator('.el-table__row', { hasText: '欧**娜' }).waitFor();
  expect(await table.locator('.el-table__row', { hasText: '138****0001' }).count()).toBe(1);
  expect(await table.locator('.el-table__row', { hasText: '欧阳娜娜' }).count()).toBe(0);

  // Filter by tag: the server answers two rows, and the URL keeps the filter (a reload shows the same).
  await page.locator('[data-test=filter-tag]').click();
  await page.locator('.el-select-dropdown__item', { hasText: '客户意向 · 高意向' }).click();
  await page.locator('[data-test=customers-total]', { hasText: '共 2 位客户' }).waitFor();
  expect(page.url()).toContain(`tag=${vip}`);
  await page.reload();
  await page.locator('[data-test=customers-total]', { hasText: '共 2 位客户' }).waitFor();
  expect(await table.locator('.el-table__row').count()).toBe(2);

  // Sort by 累计消费, highest first: the server orders the rows.
  const paidHeader = table.locator('th', { hasText: '累计消费' });
  await paidHeader.locator('.caret-wrapper .descending').click();
  await page.waitForURL(/sort=totalPaid&order=desc|order=desc.*sort=totalPaid/);
  await table.locator('.el-table__row').first().filter({ hasText: '¥520.00' }).waitFor();
  expect(await table.locator('.el-table__row').nth(1).innerText()).toContain('¥88.00');
  await screenshot(page, 'console-customers');

  // A row opens the profile in a drawer over the list; closing it keeps the filter.
  await table.locator('.el-table__row', { hasText: '司*光' }).locator('td').nth(2).click();
  const drawer = page.locator('.el-drawer', { hasText: '客户画像' });
  await drawer.locator('[data-test=profile-phone]', { hasText: '138****0002' }).waitFor();
  await drawer.locator('[data-test=notes]').waitFor();
  expect(await drawer.locator('[data-test=note-input]').count()).toBe(0);
  expect(await page.locator('[data-test=console-nav] .el-menu-item.is-active').innerText()).toBe('客户');
  await drawer.locator('.el-drawer__close-btn').click();
  await page.waitForURL((url) => url.pathname.endsWith('/h5/console/customers') && url.search.includes(`tag=${vip}`));

  // Bulk: select both rows, tag them 双十二 and give them an owner.
  await table.locator('thead .el-checkbox').click();
  await page.locator('[data-test=selected-count]', { hasText: '已选 2 位' }).waitFor();
  await page.locator('[data-test=bulk-tag]').click();
  await page.locator('[data-test=bulk-tag-add]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '活动 · 双十二' }).click();
  await page.locator('[data-test=bulk-tag-apply]').click();
  await page.locator('.el-message', { hasText: '已更新 2 位客户的标签' }).waitFor();
  await table.locator('.el-table__row', { hasText: '活动 · 双十二' }).nth(1).waitFor();
  for (const name of ['欧阳娜娜', '司马光']) expect((await s.customers.get(tenant, ids[name])).tags).toEqual(expect.arrayContaining([vip, gift]));
  expect((await s.customers.get(tenant, ids['诸葛亮'])).tags).not.toContain(gift);

  await table.locator('thead .el-checkbox').click();
  await page.locator('[data-test=bulk-owner]').click();
  await page.locator('[data-test=bulk-owner-pick]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '销售小周' }).click();
  await page.locator('[data-test=bulk-owner-apply]').click();
  await page.locator('.el-message', { hasText: '已为 2 位客户分配负责人' }).waitFor();
  await table.locator('.el-table__row', { hasText: '销售小周' }).nth(1).waitFor();
  expect((await s.customers.get(tenant, ids['司马光'])).ownerStaffId).toBe(owner.id);
  await page.context().close();
});

test('an admin downloads every customer as a CSV file from 客户; a community manager has no such button', async () => {
  const s = app.rt.services;
  await s.customers.identify(app.config.DEFAULT_TENANT, { phone: '13811110009' }, { name: '导出测试客户', city: '宁波' });
  const admin = await app.staff('admin');
  const page = await consolePage(browser);
  await signIn(page, admin.username);
  await page.goto(`${app.url}/h5/console/customers`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-csv]').click()]);
  expect(download.suggestedFilename()).toMatch(/^customers-\d{4}-\d{2}-\d{2}\.csv$/);
  const file = await download.path();
  const text = readFileSync(file!, 'utf8');
  expect(text.split(/\r?\n/)[0]).toBe(
    '\ufeffid,name,phone,gender,city,birthday,sourceChannel,remark,externalUserId,unionId,shopMemberId,tags,orderCount,totalPaid,lastOrderAt',
  );
  expect(text).toContain(',导出测试客户,13811110009,unknown,宁波,');
  await page.locator('.el-message', { hasText: '已导出' }).waitFor();
  await page.context().close();

  const manager = await app.staff('community_manager');
  const cm = await consolePage(browser);
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
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/customers/${chat}`, agent.username);
  await page.locator('[data-test=merge]').waitFor();
  await page.locator('[data-test=merge-search] input').fill('13811119001');
  await page.locator('[data-test=merge-search] input').press('Enter');
  await page.locator('[data-test=merge-candidate]', { hasText: '上官婉' }).click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForURL(`**/h5/console/customers/${member}`);
  expect(await s.customers.findByIdentity(tenant, { wechatyContactId: 'wxid_console_merge' })).toBe(member);
  await page.locator('[data-test=profile-phone]').waitFor();
  await page.context().close();

  const manager = await app.staff('community_manager');
  const other = await consolePage(browser);
  await staffSignIn(other, `${app.url}/h5/console/customers/${member}`, manager.username);
  await other.locator('[data-test=notes]').waitFor();
  expect(await other.locator('[data-test=merge]').count()).toBe(0);
  await other.context().close();
});
