import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { eventually } from '../integration/wecom/wecom-harness.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { deskRuntimePlugin } from '../../server/src/modules/conversations/desk.plugin.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import { ConversationModel } from '../../server/src/modules/conversations/conversation.model.js';

/** A 微信客服 chat in the console (1440×900): the reply box says how many messages WeCom still allows, and why none once used. */
let app: TestApp;
let fake: FakeWecom;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  app = await startTestApp({
    env: { ...fake.env(), ROLES: 'server,worker', WECOM_KF_ENABLED: 'true', BOT_OUTBOUND_POLL_MS: '300' },
    plugins: [deskRuntimePlugin(), wecomPlugin(), wechatKfPlugin(), staticH5Plugin()],
  });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
});

test("the reply box of a 微信客服 chat counts down WeCom's 5 messages and says why it cannot send once they are used", async () => {
  const kfId = fake.kf.addAccount('品牌客服');
  const agent = await app.staff('agent', '客服小林');
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '小雪' }, '人工');
  const c = await eventually(
    async () => (await ConversationModel.findOne({ peerId: externalUserId, state: 'queued' }).lean()) ?? Promise.reject(new Error('not queued yet')),
  );
  // The queue notice is the first of the 5.
  await eventually(() => expect(fake.kf.sentTo(externalUserId)).toHaveLength(1));
  expect((await app.request('POST', `/api/v1/conversations/${c._id}/take`, { token: agent.token })).status).toBe(200);
  await eventually(() => expect(fake.kf.sentTo(externalUserId)).toHaveLength(2)); // the greeting

  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console`, agent.username);
  await page.goto(`${app.url}/h5/console/inbox/${c._id}`);
  await page.locator('[data-test=conversation-channel]', { hasText: '微信客服' }).waitFor();
  const hint = page.locator('[data-test=kf-window]');
  await hint.filter({ hasText: '还可回复 3 条' }).waitFor();
  const box = page.locator('[data-test=reply-input] textarea');
  // Sent when it shows in the history and the send button has finished reloading the chat.
  const sendByEnter = async (text: string) => {
    await box.fill(text);
    await box.press('Enter');
    await page.locator('[data-test=message]', { hasText: text }).waitFor();
    await page.locator('[data-test=send-reply].is-loading').waitFor({ state: 'detached' });
  };
  await sendByEnter('您好');
  await sendByEnter('帮您查一下');
  await hint.filter({ hasText: '还可回复 1 条' }).waitFor();
  await sendByEnter('已经发出了');
  await hint.filter({ hasText: '客户最后一条消息后最多回复 5 条，已用完，客户再次发消息后才能回复' }).waitFor();
  await box.fill('第六条');
  expect(await page.locator('[data-test=send-reply]').isDisabled()).toBe(true);
  await box.press('Enter');
  await eventually(() =>
    expect(
      fake.kf
        .sentTo(externalUserId)
        .map((m) => m.text)
        .slice(2),
    ).toEqual(['您好', '帮您查一下', '已经发出了']),
  );
  expect(await page.locator('[data-test=message]', { hasText: '第六条' }).count()).toBe(0);
  await screenshot(page, 'console-wechat-kf-window');

  // The customer writes again: the box may send again.
  await fake.kf.customerSends(kfId, { external_userid: externalUserId, nickname: '小雪' }, '好的');
  await hint.filter({ hasText: '还可回复 5 条' }).waitFor();
  expect(await page.locator('[data-test=send-reply]').isDisabled()).toBe(false);
}, 90_000);
