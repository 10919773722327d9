import { grantMarketing } from '../support/consent.js';
import { mock } from 'wechaty-puppet-mock';
import type { Browser } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { startDeskRig } from '../support/desk-rig.js';
import { consolePage, staffSignIn } from '../support/browser.js';
import { eventually } from '../integration/desk/mock-chat.js';

/** The console's broadcast form with the bot channels: a room the bot is in, picked in a real browser. */
let app: TestApp;
let browser: Browser;
let mocker: mock.Mocker;
let account: mock.ContactMock;

beforeAll(async () => {
  ({ app, browser, mocker, account } = await startDeskRig({ env: { DESK_SSE_MAX_SECONDS: '10', BROADCAST_TICK_EVERY: '1 second' } }));
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
  await page.locator('[data-test=broadcast-name]').fill('老客福利');
  await page.locator('[data-test=channel-bot_room]').click();
  await page.locator('[data-test=broadcast-rooms]').click();
  await page.locator('[data-test="room-老客福利群"]').click();
  await page.locator('[data-test=broadcast-text]').fill('老客专享：今晚8点限时秒杀');
  // The reach counts rooms: the one room the bot is in.
  await page.locator('[data-test=reach-total]', { hasText: '共 1 个群：将送达 1，跳过 0' }).waitFor();
  await page.locator('[data-test=create-broadcast]').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForURL(/\/h5\/console\/broadcasts\/[0-9a-f]{24}$/);

  await page
    .locator('[data-test=broadcast-status]')
    .filter({ hasText: /已完成/ })
    .waitFor({ timeout: 20_000 });
  expect(await page.locator('[data-test=broadcast-counts]').innerText()).toBe('已处理 1/1：成功 1，失败 0，跳过 0');
  await eventually(() => posted.includes('老客专享：今晚8点限时秒杀'), 8000, 'the room post');
  expect(posted.filter((t) => t === '老客专享：今晚8点限时秒杀')).toHaveLength(1);
  await page.context().close();
});

test('a campaign written with {name} in the console reaches the bot contact with their name; a mistyped placeholder is refused in Chinese', async () => {
  const tenant = app.config.DEFAULT_TENANT;
  const shopper = mocker.createContact({ name: '李雷' });
  const heard: string[] = [];
  (shopper as any).on('message', (msg: any) => {
    if (msg.payload.talkerId === account.id && msg.payload.text) heard.push(msg.payload.text);
  });
  shopper.say('你好').to(account);
  const conv = await eventually(() => app.rt.services.desk.conversations.findByPeer(tenant, account.id, shopper.id), 8000, 'the private chat');
  const name = (await app.rt.services.customers.get(tenant, String(conv.customerId))).name;
  const tag = (await app.rt.services.tags.ensure(tenant, '活动', '会员日-占位')).id;
  await app.rt.services.customers.tag(tenant, String(conv.customerId), [tag], []);
  // Marketing is opt-in: this shopper agreed (as the member center would record it).
  await grantMarketing(app.rt.services, tenant, [String(conv.customerId)]);
  const manager = await app.staff('community_manager', '运营小王');
  await app.request('POST', '/api/v1/segments', {
    token: manager.token,
    body: { name: '会员日人群', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } },
  });

  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console`, manager.username);
  await page.locator('[data-test="nav-console-broadcasts"]').click();
  await page.locator('[data-test=new-broadcast]').click();
  await page.locator('[data-test=broadcast-name]').fill('会员日');
  await page.locator('[data-test=channel-bot_private]').click();
  await page.locator('[data-test=broadcast-segment]').click();
  await page.locator('[data-test="segment-会员日人群"]').click();
  expect(await page.locator('[data-test=insert-name]').innerText()).toBe('{name} 称呼');
  await page.locator('[data-test=broadcast-text]').fill('{nmae}，会员日积分翻倍');
  // The reach is refused, in Chinese, before anything can be sent.
  await page.locator('[data-test=reach-error]', { hasText: 'content.text 中的 {nmae} 不是可用的占位符' }).waitFor();
  await page.locator('[data-test=broadcast-text]').fill('{name}，会员日积分翻倍');
  await page.locator('[data-test=preview-text]', { hasText: `${name}，会员日积分翻倍` }).waitFor();
  await page.locator('[data-test=create-broadcast]').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForURL(/\/h5\/console\/broadcasts\/[0-9a-f]{24}$/);
  await eventually(() => heard.includes(`${name}，会员日积分翻倍`), 20_000, 'the filled message');
  expect(heard.filter((t) => t.includes('会员日'))).toEqual([`${name}，会员日积分翻倍`]);
  await page.context().close();
});
