import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { eventually } from '../integration/wecom/wecom-harness.js';

/** 客户群 in the console: a community manager reads the brand's WeCom customer groups and opens one. */
let fake: FakeWecom;
let app: TestApp;
let browser: Browser;
let chatId: string;
let vip: string;

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  app = await startTestApp({ env: { ...fake.env(), ROLES: 'server,worker' }, plugins: [wecomPlugin(), staticH5Plugin()] });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  for (const [userid, name] of [
    ['xiaomei', '小美'],
    ['dawei', '大伟'],
  ]) {
    fake.corp.addStaff(userid, name);
    await s.staff.create(tenant, { username: userid, name, role: 'sales', password: 'harbor-kettle-2026', wecomUserId: userid });
  }
  vip = (await s.tags.ensure(tenant, '客户意向', '高意向')).id;
  const a = await fake.addFriend('xiaomei', { name: '王女士' });
  const b = await fake.addFriend('xiaomei', { name: '李先生' });
  chatId = (await fake.createGroup('xiaomei', '会员福利群', [a.externalUserId, b.externalUserId])).chatId;
  await fake.createGroup('dawei', '新品试用群', []);
  const groups = async () => (await s.customerGroups.groups.list(tenant)).map((g) => `${g.name}:${g.memberCount}`).sort();
  await eventually(async () => expect(await groups()).toEqual(['会员福利群:3', '新品试用群:1']));
  await fake.leaveGroup(chatId, b.externalUserId);
  await eventually(async () => expect(await groups()).toEqual(['会员福利群:2', '新品试用群:1']));
  const wang = (await s.customers.findByIdentity(tenant, { externalUserId: a.externalUserId }))!;
  await s.customers.tag(tenant, wang, [vip], []);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
});

test('a community manager sees each group with its owner, members, joins and leaves and tags, filters by owner, and opens a group to its members', async () => {
  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/groups`, manager.username);
  expect(await page.locator('[data-test=console-nav] .el-menu-item.is-active').innerText()).toBe('客户群');
  const table = page.locator('[data-test=groups-table]');
  await page.locator('[data-test=groups-total]', { hasText: '共 2 个客户群' }).waitFor();
  const row = table.locator('.el-table__row', { hasText: '会员福利群' });
  await row.locator('[data-test=group-members]', { hasText: '2' }).waitFor();
  expect(await row.innerText()).toContain('小美');
  expect(await row.locator('[data-test=group-joined]').innerText()).toBe('+2'); // 李先生 joined and left again
  expect(await row.locator('[data-test=group-left]').innerText()).toBe('-1');
  expect(await row.locator('[data-test=group-tag]').innerText()).toContain('客户意向 · 高意向 1');

  // Owner filter, kept in the URL.
  await page.locator('[data-test=group-filter-owner]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '大伟' }).click();
  await page.locator('[data-test=groups-total]', { hasText: '共 1 个客户群' }).waitFor();
  expect(await table.locator('[data-test=group-name]').allInnerTexts()).toEqual(['新品试用群']);
  expect(page.url()).toContain('owner=');
  await page.locator('[data-test=group-filter-reset]').click();
  await page.locator('[data-test=groups-total]', { hasText: '共 2 个客户群' }).waitFor();

  // Sorted by size, smallest first, by the server.
  await table.locator('th', { hasText: '成员数' }).locator('.caret-wrapper .ascending').click();
  await page.waitForURL(/sort=memberCount/);
  await table.locator('.el-table__row').first().filter({ hasText: '新品试用群' }).waitFor();

  // A group's drawer: its members with their tags, and who left.
  await table.locator('.el-table__row', { hasText: '会员福利群' }).click();
  const drawer = page.locator('.el-drawer', { hasText: '群成员' });
  await drawer.locator('[data-test=group-member]', { hasText: '王' }).waitFor();
  expect(await drawer.locator('[data-test=group-member-table]').innerText()).toContain('客户意向 · 高意向');
  await drawer.locator('[data-test=group-departure]', { hasText: '李' }).waitFor();
  await screenshot(page, 'console-groups');
  await page.context().close();
});
