import { mock } from 'wechaty-puppet-mock';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, staffSignIn } from '../support/browser.js';
import { eventually } from '../integration/desk/mock-chat.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { botRuntimePlugin, type RunningBot } from '../../bot/src/main.js';
import { deskRuntimePlugin } from '../../server/src/modules/conversations/desk.plugin.js';

/** The console's broadcast form with the bot channels: a room the bot is in, picked in a real browser. */
let app: TestApp;
let browser: Browser;
let mocker: mock.Mocker;
let account: mock.ContactMock;

beforeAll(async () => {
  ensureH5Built();
  mocker = new mock.Mocker();
  let running: RunningBot | undefined;
  app = await startTestApp({
    env: { ROLES: 'server,worker', DESK_SWEEP_EVERY: '1 second', BOT_OUTBOUND_POLL_MS: '300', DESK_SSE_MAX_SECONDS: '10', BROADCAST_TICK_EVERY: '1 second' },
    plugins: [deskRuntimePlugin(), botRuntimePlugin({ mocker, onBot: (b) => (running = b) }), staticH5Plugin()],
  });
  account = mocker.createContact({ name: '品牌小助手' });
  mocker.login(account);
  await running!.loggedIn;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a community manager picks a bot room in the broadcast form and the room sees the message once', async () => {
  const member = mocker.createContact({ name: '群友甲' });
  const room = mocker.createRoom({ topic: '老客福利群', memberIdList: [account.id, member.id] } as any);
  const posted: string[] = [];
  (room as any).on('message', (msg: any) => {
    if (msg.payload.talkerId === account.id && msg.payload.text) posted.push(msg.payload.text);
  });
  member.say('有新品吗').to(room);
  await eventually(() => app.rt.services.desk.conversations.findByPeer(app.config.DEFAULT_TENANT, account.id, room.id), 8000, 'the room chat');

  const manager = await app.staff('community_manager', '运营小周');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console`, manager.username);
  await page.locator('[data-test="nav-console-broadcasts"]').click();
  await page.locator('[data-test=new-broadcast]').click();
  await page.locator('[data-test=broadcast-name] input').fill('老客福利');
  await page.locator('[data-test=channel-bot_room]').click();
  await page.locator('[data-test="room-老客福利群"]').click();
  await page.locator('[data-test=broadcast-text] textarea').fill('老客专享：今晚8点限时秒杀');
  await page.locator('[data-test=create-broadcast]').click();
  await page.waitForURL(/\/h5\/console\/broadcasts\/[0-9a-f]{24}$/);

  await page.locator('[data-test=broadcast-status]').filter({ hasText: /已完成/ }).waitFor({ timeout: 20_000 });
  expect(await page.locator('[data-test=broadcast-counts]').innerText()).toBe('已处理 1/1：成功 1，失败 0，跳过 0');
  await eventually(() => posted.includes('老客专享：今晚8点限时秒杀'), 8000, 'the room post');
  expect(posted.filter((t) => t === '老客专享：今晚8点限时秒杀')).toHaveLength(1);
  await page.context().close();
});
