import type { Browser } from 'playwright-core';
import type { Types } from 'mongoose';
import { startTestApp, type TestApp } from '../support/harness.js';
import { chartRows, consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { ConversationModel, MessageModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * 机器人 (常见问题 with similar questions, 转人工触发词, 指令) and the desk's figures on 数据, at 1440×900.
 * The server's clock stands at 2026-10-15 04:00 UTC; the 数据 page is opened on the period that ends then.
 */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()], now: () => new Date('2026-10-15T04:00:00Z') });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a manager adds an FAQ with a similar question; the test box names it for the similar phrasing', async () => {
  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/bot`, manager.username);
  expect(await page.locator('[data-test=console-nav] .el-menu-item.is-active').innerText()).toBe('机器人');
  expect(await page.locator('[data-test=nav-group-service]').innerText()).toContain('机器人');
  const table = page.locator('[data-test=faq-table]');
  await table.getByText('还没有常见问题').waitFor();

  await page.locator('[data-test=add-faq]').click();
  const drawer = page.locator('[data-test=faq-drawer]');
  await drawer.locator('input[data-test=faq-question-input]').fill('怎么退货');
  await drawer.locator('textarea[data-test=faq-similar-input]').fill('东西不想要了怎么办\n可以退吗');
  await drawer.locator('textarea[data-test=faq-answer-input]').fill('收货 7 天内在订单页申请退货即可。');
  await drawer.locator('[data-test=faq-save]').click();
  await drawer.waitFor({ state: 'hidden' });

  const row = table.locator('.el-table__row', { hasText: '怎么退货' });
  await row.waitFor();
  expect(await row.locator('[data-test=faq-similar]').allInnerTexts()).toEqual(['东西不想要了怎么办', '可以退吗']);
  expect((await table.boundingBox())!.width).toBeGreaterThan(1000);

  const sample = page.locator('input[data-test=faq-test-input]');
  const result = page.locator('[data-test=faq-test-result]');
  await sample.fill('东西不想要了，怎么办？');
  await page.locator('[data-test=faq-test-run]').click();
  await result.getByText('命中常见问题「怎么退货」').waitFor();
  expect(await result.innerText()).toContain('按“东西不想要了怎么办”匹配');
  expect(await result.innerText()).toContain('回复：收货 7 天内在订单页申请退货即可。');
  await screenshot(page, 'console-bot-faq');

  await sample.fill('今天天气怎么样');
  await sample.press('Enter');
  await result.getByText('没有规则匹配这条消息').waitFor();

  // 转人工触发词: the built-in words are listed, and a word added here hands the chat over.
  await page.locator('.el-tabs__item', { hasText: '转人工触发词' }).click();
  const words = page.locator('[data-test=handoff-words]');
  await words.getByText('转人工', { exact: true }).waitFor();
  await words.locator('input[data-test=handoff-word-input]').fill('找客服');
  await words.locator('[data-test=handoff-word-add]').click();
  await words.locator('[data-test=handoff-word]', { hasText: '找客服' }).waitFor();
  expect(await app.rt.services.desk.commands.which(app.config.DEFAULT_TENANT, '找客服', false)).toBe('human');

  // 指令: 积分 switched off on the page is off for the bot; 转人工 cannot be switched off.
  await page.locator('.el-tabs__item', { hasText: '指令' }).click();
  const points = page.locator('[data-test=command-table] .el-table__row', { hasText: '查积分' });
  expect(await points.locator('[data-test=command-words]').innerText()).toContain('我的积分');
  await points.locator('[data-test=command-active]').click();
  await page.locator('.el-message', { hasText: '指令已关闭' }).waitFor();
  expect(await app.rt.services.desk.commands.which(app.config.DEFAULT_TENANT, '积分', false)).toBeNull();
  const human = page.locator('[data-test=command-table] .el-table__row', { hasText: '转人工' });
  expect(await human.locator('[data-test=command-active]').getAttribute('class')).toContain('is-disabled');
  await page.context().close();
});

test('数据 shows the desk figures of the period and one row per agent', async () => {
  const tenantId = app.config.DEFAULT_TENANT;
  let peer = 0;
  const chat = async (fields: Record<string, unknown>) =>
    (await ConversationModel.create({ tenantId, botAccountId: 'ui-bot', peerId: `ui-peer-${++peer}`, kind: 'private', ...fields }))._id as Types.ObjectId;
  const say = (conversationId: Types.ObjectId, at: string, author: 'customer' | 'agent') =>
    MessageModel.create({
      tenantId,
      conversationId,
      direction: author === 'customer' ? 'in' : 'out',
      author,
      text: '…',
      at: new Date(at),
      ...(author === 'agent' ? { staffId: 'zhou', staffName: '周晴' } : {}),
    });
  await say(await chat({}), '2026-10-14T00:00:00Z', 'customer');
  const handed = await chat({
    state: 'assigned',
    queuedAt: new Date('2026-10-14T01:00:00Z'),
    assigneeId: 'zhou',
    assigneeName: '周晴',
    assignedAt: new Date('2026-10-14T01:01:00Z'),
    sla: {
      breaches: [
        { kind: 'first', dueAt: new Date('2026-10-14T01:02:00Z'), at: new Date('2026-10-14T01:02:00Z'), assigneeId: 'zhou', escalatedTo: 'community_manager' },
      ],
    },
  });
  await say(handed, '2026-10-14T00:59:00Z', 'customer');
  await say(handed, '2026-10-14T01:03:00Z', 'agent');

  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/dashboard?from=2026-10-09&to=2026-10-15`, manager.username);
  const desk = page.locator('[data-test=desk-figures]');
  const row = desk.locator('[data-test=desk-agents] .el-table__row', { hasText: '周晴' });
  await row.waitFor();
  expect(await row.locator('[data-test=desk-agent-chats]').innerText()).toBe('1');
  expect(await row.locator('[data-test=desk-agent-first]').innerText()).toBe('3 分钟');
  expect(await row.locator('[data-test=desk-agent-breaches]').innerText()).toBe('1');
  expect(await desk.locator('[data-test=figure-desk-bot-only] [data-test=figure-value]').innerText()).toBe('1');
  expect(await desk.locator('[data-test=figure-desk-handed-over] [data-test=figure-value]').innerText()).toBe('1');
  expect(await desk.locator('[data-test=figure-desk-median] [data-test=figure-value]').innerText()).toBe('3 分钟');
  expect(await chartRows(page, 'desk-split')).toEqual([
    ['机器人独立解决', '1'],
    ['转人工', '1'],
  ]);
  await desk.scrollIntoViewIfNeeded();
  await screenshot(page, 'console-dashboard-desk');
  await page.context().close();
});
