import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/** 标签 in the console: groups of tags with their customer counts; rename and delete say their effect first. */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()] });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a community manager sees how many customers carry each tag, renames one, deletes one after being told how many customers lose it, and moves one to a new group', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const hot = (await s.tags.ensure(tenant, '客户意向', '高意向')).id;
  const cold = (await s.tags.ensure(tenant, '客户意向', '低意向')).id;
  const sale = (await s.tags.ensure(tenant, '活动', '双十二')).id;
  const ids: string[] = [];
  for (const [i, tags] of [[hot, sale], [hot, sale], [hot], [cold]].entries()) {
    const id = await s.customers.identify(tenant, { phone: `1380000100${i}` }, { name: `客户${i}` });
    await s.customers.tag(tenant, id, tags, []);
    ids.push(id);
  }

  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/tags`, manager.username);
  const nav = page.locator('[data-test=console-nav]');
  expect(await nav.locator('.el-menu-item.is-active').innerText()).toBe('标签');

  const intent = page.locator('[data-test=tag-group][data-group=客户意向]');
  const row = (group: typeof intent, name: string) =>
    group.locator('.el-table__row', { has: page.locator('[data-test=tag-name]', { hasText: new RegExp(`^${name}$`) }) });
  await row(intent, '高意向').waitFor();
  expect(await row(intent, '高意向').locator('[data-test=tag-customers]').innerText()).toBe('3');
  expect(await row(intent, '低意向').locator('[data-test=tag-customers]').innerText()).toBe('1');
  // The table uses the desktop's width, not a phone's column.
  expect((await intent.locator('[data-test=tag-table]').boundingBox())!.width).toBeGreaterThan(1000);

  // Rename: the dialog says what happens to the customers before saving.
  await row(intent, '低意向').locator('[data-test=tag-rename]').click();
  // Element Plus puts the input's attributes on the <input> itself.
  await page.locator('input[data-test=tag-dialog-name]').fill('沉睡客户');
  expect(await page.locator('[data-test=tag-effect]').innerText()).toContain('1 位客户身上的「低意向」将显示为「沉睡客户」');
  await page.locator('[data-test=tag-dialog-save]').click();
  await row(intent, '沉睡客户').waitFor();
  expect(await row(intent, '低意向').count()).toBe(0);
  expect((await s.tags.byIds(tenant, [cold]))[0].name).toBe('沉睡客户');
  await screenshot(page, 'console-tags');

  // Delete: the confirmation names how many customers lose the tag; cancelling changes nothing.
  const sales = page.locator('[data-test=tag-group][data-group=活动]');
  await row(sales, '双十二').locator('[data-test=tag-delete]').click();
  const box = page.locator('.el-message-box');
  await box.locator('.el-message-box__message', { hasText: '将从 2 位客户身上移除「活动 · 双十二」' }).waitFor();
  await box.locator('.el-message-box__btns button', { hasText: '取消' }).click();
  await box.waitFor({ state: 'hidden' });
  expect((await s.customers.get(tenant, ids[0])).tags).toContain(sale);

  await row(sales, '双十二').locator('[data-test=tag-delete]').click();
  await box.locator('.el-message-box__message', { hasText: '将从 2 位客户身上移除' }).waitFor();
  await box.locator('.el-message-box__btns button', { hasText: '删除' }).click();
  await page.locator('.el-message', { hasText: '已从 2 位客户身上移除' }).waitFor();
  await sales.waitFor({ state: 'detached' });
  expect((await s.customers.get(tenant, ids[0])).tags).toEqual([hot]);
  expect((await s.customers.get(tenant, ids[1])).tags).toEqual([hot]);

  // Move into a new group: typed into the group picker; the dialog says the customers keep the tag.
  await row(intent, '沉睡客户').locator('[data-test=tag-move]').click();
  const picker = page.locator('[data-test=tag-dialog] .el-select');
  await picker.click();
  await page.keyboard.type('生命周期');
  await page.keyboard.press('Enter');
  await page.locator('[data-test=tag-effect]', { hasText: '「沉睡客户」将从「客户意向」移到「生命周期」，1 位客户保留这个标签' }).waitFor();
  await page.locator('[data-test=tag-dialog-save]').click();
  await row(page.locator('[data-test=tag-group][data-group=生命周期]'), '沉睡客户').waitFor();
  expect((await s.tags.byIds(tenant, [cold]))[0].groupName).toBe('生命周期');
  expect((await s.customers.get(tenant, ids[3])).tags).toEqual([cold]);
  await page.context().close();
});
