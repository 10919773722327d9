import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { eventually } from '../integration/wecom/wecom-harness.js';

/** 渠道活码 in the console: a community manager makes a code in a drawer, downloads its QR, changes and deletes it. */
let fake: FakeWecom;
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  app = await startTestApp({ env: { ...fake.env(), ROLES: 'server,worker' }, plugins: [wecomPlugin(), staticH5Plugin()] });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  const tenant = app.config.DEFAULT_TENANT;
  for (const [userid, name] of [
    ['xiaomei', '小美'],
    ['dawei', '大伟'],
  ]) {
    fake.corp.addStaff(userid, name);
    await app.rt.services.staff.create(tenant, { username: userid, name, role: 'sales', password: 'harbor-kettle-2026', wecomUserId: userid });
  }
  await app.rt.services.staff.create(tenant, { username: 'nowecom', name: '没绑企微', role: 'sales', password: 'harbor-kettle-2026' });
  await app.rt.services.tags.ensure(tenant, '渠道', '门店海报');
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
});

test('a community manager makes a code (staff, tags, welcome text and link), downloads its QR, sees its adds, edits and deletes it', async () => {
  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/codes`, manager.username);
  await page.locator('[data-test=new-code]').click();
  const drawer = page.locator('[data-test=code-drawer]');
  await drawer.locator('input[data-test=code-name]').fill('门店海报码');
  await drawer.locator('[data-test=code-staff]').click();
  // Only members linked to WeCom can serve a code.
  expect(await page.locator('.el-select-dropdown__item:visible', { hasText: '没绑企微' }).count()).toBe(0);
  await page.locator('.el-select-dropdown__item:visible', { hasText: '小美' }).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '大伟' }).click();
  await drawer.locator('.el-drawer__title').click(); // closes the list
  await drawer.locator('[data-test=code-tags]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '渠道 · 门店海报' }).click();
  await drawer.locator('.el-drawer__title').click();
  await drawer.locator('textarea[data-test=code-welcome]').fill('欢迎光临，回复“会员”领取新人券');
  await drawer.locator('input[data-test=code-link-title]').fill('新人礼');
  await drawer.locator('input[data-test=code-link-url]').fill('不是网址');
  await drawer.locator('[data-test=code-save]').click();
  // The server's refusal, in Chinese, under the field it names; nothing is made.
  await drawer.locator('.el-form-item', { hasText: '链接地址' }).locator('.el-form-item__error').waitFor();
  expect(fake.corp.contactWays.size).toBe(0);
  await drawer.locator('input[data-test=code-link-url]').fill('https://shop.example.com/gift');
  await drawer.locator('[data-test=code-save]').click();

  const row = page.locator('[data-test=codes-table] .el-table__row', { hasText: '门店海报码' });
  await row.locator('[data-test=code-staff-names]', { hasText: '小美、大伟' }).waitFor();
  expect(await row.locator('[data-test=code-tag]').innerText()).toBe('渠道 · 门店海报');
  expect(await row.locator('[data-test=code-welcome-text]').innerText()).toContain('新人礼');
  const way = (await app.request('GET', '/api/v1/wecom/contact-ways', { token: manager.token })).body.items[0];
  expect(way.welcome).toEqual({ text: '欢迎光临，回复“会员”领取新人券', link: { title: '新人礼', url: 'https://shop.example.com/gift' } });
  expect(fake.corp.contactWays.get(way.configId)?.user).toEqual(['xiaomei', 'dawei']);

  // The QR, large, and as a PNG file for the poster.
  await row.locator('[data-test=code-image]').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=code-qr-download]').click()]);
  expect(download.suggestedFilename()).toBe('门店海报码.png');
  expect(
    readFileSync((await download.path())!)
      .subarray(1, 4)
      .toString(),
  ).toBe('PNG');
  await page.locator('[data-test=code-qr-dialog] .el-dialog__headerbtn').click();

  // A customer scans it: the row counts the add.
  await fake.scan(way.configId, { name: '扫码客小林' });
  await eventually(async () => expect((await app.request('GET', '/api/v1/wecom/contact-ways', { token: manager.token })).body.items[0].stats.adds).toBe(1));
  await page.reload();
  await row.locator('[data-test=code-stats]', { hasText: '累计 1' }).waitFor();
  await row.locator('[data-test=code-tag]', { hasText: '渠道 · 门店海报' }).waitFor();
  await screenshot(page, 'console-codes');

  // Edit: 大伟 no longer serves it; WeCom is told.
  await row.locator('[data-test=code-edit]').click();
  await drawer.locator('[data-test=code-staff] .el-tag', { hasText: '大伟' }).locator('.el-tag__close').click();
  await drawer.locator('[data-test=code-save]').click();
  await row.locator('[data-test=code-staff-names]', { hasText: /^小美$/ }).waitFor();
  expect(fake.corp.contactWays.get(way.configId)?.user).toEqual(['xiaomei']);

  await row.locator('[data-test=code-delete]').click();
  await page.locator('.el-message-box', { hasText: '门店海报码' }).locator('.el-button--danger').click();
  await row.waitFor({ state: 'detached' });
  await page.context().close();
}, 90_000);
