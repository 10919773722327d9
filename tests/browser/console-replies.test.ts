import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/** 话术库 in the console: the bot's reply rules as a desktop table with a drawer, and a test box. */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()], now: () => new Date('2026-10-01T08:00:00Z') });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a community manager creates a keyword rule in the drawer, sees it in the table, and the test box names it for a matching message and says none match for another', async () => {
  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/replies`, manager.username);
  expect(await page.locator('[data-test=console-nav] .el-menu-item.is-active').innerText()).toBe('话术库');
  const table = page.locator('[data-test=rule-table]');
  await table.getByText('还没有规则：机器人不会自动回复').waitFor();

  await page.locator('[data-test=add-rule]').click();
  const drawer = page.locator('[data-test=rule-drawer]');
  // Element Plus puts the input's attributes on the <input> itself.
  await drawer.locator('input[data-test=rule-keywords]').fill('发货，快递');
  await drawer.locator('[data-test=rule-save]').click();
  // No reply text: the drawer says so and stays open.
  expect(await drawer.locator('[data-test=rule-error]').innerText()).toContain('请填写回复内容');
  await drawer.locator('textarea[data-test=rule-reply-input]').fill('付款后 24 小时内从杭州仓发货');
  await drawer.locator('[data-test=rule-priority-input] input').fill('5');
  await drawer.locator('[data-test=rule-save]').click();
  await drawer.waitFor({ state: 'hidden' });

  const row = table.locator('.el-table__row', { hasText: '付款后 24 小时内从杭州仓发货' });
  await row.waitFor();
  expect(await row.locator('[data-test=rule-kind]').innerText()).toBe('关键词');
  expect(await row.locator('[data-test=rule-pattern]').innerText()).toBe('发货、快递');
  expect(await row.locator('[data-test=rule-priority]').innerText()).toBe('5');
  expect(await row.locator('[data-test=rule-active]').getAttribute('class')).toContain('is-checked');
  expect((await table.boundingBox())!.width).toBeGreaterThan(1000);

  const sample = page.locator('input[data-test=rule-test-input]');
  const result = page.locator('[data-test=rule-test-result]');
  await sample.fill('请问我的快递到哪了');
  await page.locator('[data-test=rule-test-run]').click();
  await result.getByText('命中规则：关键词「发货、快递」（优先级 5）').waitFor();
  expect(await result.innerText()).toContain('回复：付款后 24 小时内从杭州仓发货');
  await screenshot(page, 'console-replies-rules');

  await sample.fill('你们有优惠券吗');
  await sample.press('Enter');
  await result.getByText('没有规则匹配这条消息，机器人不会自动回复').waitFor();

  // Switched off, the rule no longer answers.
  await row.locator('[data-test=rule-active]').click();
  await page.locator('.el-message', { hasText: '规则已关闭' }).waitFor();
  await sample.fill('什么时候发货');
  await page.locator('[data-test=rule-test-run]').click();
  await result.getByText('没有规则匹配这条消息').waitFor();
  expect(await row.locator('[data-test=rule-active]').getAttribute('class')).not.toContain('is-checked');
  await page.context().close();
});

test('a bad regex is refused in the drawer in Chinese and nothing is saved', async () => {
  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/replies`, manager.username);
  await page.locator('[data-test=add-rule]').click();
  const drawer = page.locator('[data-test=rule-drawer]');
  await drawer.locator('[data-test=rule-kind-input] label', { hasText: '正则' }).click();
  await drawer.locator('input[data-test=rule-pattern-input]').fill('退(?!款)');
  await drawer.locator('textarea[data-test=rule-reply-input]').fill('退货请点这里');
  await drawer.locator('[data-test=rule-save]').click();
  expect(await drawer.locator('[data-test=rule-error]').innerText()).toMatch(/不支持/);
  const rules = await app.request('GET', '/api/v1/desk/rules?kind=regex', { token: manager.token });
  expect(rules.body.items).toEqual([]);
  await page.context().close();
});

test('an agent sees the canned replies but not the rules, which only managers may change', async () => {
  const agent = await app.staff('agent');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/replies`, agent.username);
  await page.locator('[data-test=canned-table]').waitFor();
  expect(await page.locator('.el-tabs__item').allInnerTexts()).toEqual(['话术']);
  expect(await page.locator('[data-test=rule-table]').count()).toBe(0);
  await page.context().close();
});
