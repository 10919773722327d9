import { mock } from 'wechaty-puppet-mock';
import { FileBox } from 'file-box';
import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { startDeskRig } from '../support/desk-rig.js';
import { consolePage, screenshot, staffSignIn } from '../support/browser.js';
import { eventually } from '../integration/desk/mock-chat.js';

/**
 * The inbox at 1440×900 in real Chromium against the whole product: an agent hands a chat to a team
 * (转接 → 转给团队, with a reason), the team's manager finds the chat's missed target in 升级给我 and
 * sees 已升级给 on it; a customer's video plays in the chat (where Chromium plays MP4) and WeChat's
 * SILK voice is offered as a download.
 */
let app: TestApp;
let browser: Browser;
let mocker: mock.Mocker;
let account: mock.ContactMock;
let offsetMs = 0;

beforeAll(async () => {
  ({ app, browser, mocker, account } = await startDeskRig({
    env: { DESK_PRESENCE_TIMEOUT_SECONDS: String(7 * 86_400) },
    now: () => new Date(Date.now() + offsetMs),
  }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const tenant = () => app.config.DEFAULT_TENANT;
/** The customer's conversation once their 人工 has put it in the queue (capture stores it a moment before). */
const conversationOf = (contactId: string) =>
  eventually(
    async () => {
      const c = await app.rt.services.desk.conversations.findByPeer(tenant(), account.id, contactId);
      return c?.state === 'queued' ? c : undefined;
    },
    10_000,
    'the queued conversation',
  );
const signIn = (page: Page, username: string) => staffSignIn(page, `${app.url}/h5/console`, username);

test('an agent hands a chat to 售后组 with a reason; its missed target shows 已升级给 the team manager, in their 升级给我', async () => {
  const desk = app.rt.services.desk;
  const me = await app.staff('agent', '客服阿前');
  const member = await app.staff('agent', '客服阿后');
  const manager = await app.staff('community_manager', '售后主管');
  await desk.teams.create(tenant(), { name: '售后组', memberIds: [member.id], managerId: manager.id });
  const buyer = mocker.createContact({ name: '退货客' });
  buyer.say('人工').to(account);
  const c = await conversationOf(buyer.id);
  expect((await app.request('POST', `/api/v1/conversations/${c._id}/take`, { token: me.token })).status).toBe(200);

  const page = await consolePage(browser);
  await signIn(page, me.username);
  await page.locator('[data-test=view-mine]').click();
  await page.locator('[data-test=conversation-row]', { hasText: '退货客' }).click();
  await page.locator('[data-test=transfer-button]').click();
  await page.locator('[data-test=transfer-team]:visible').click();
  const drawer = page.locator('[data-test=team-transfer]');
  // 售后组: nobody of it online yet
  await drawer.locator('[data-test=team-transfer-售后组]', { hasText: '在线 0/1 人' }).click();
  await drawer.locator('[data-test=team-transfer-reason] textarea').fill('退货需要售后处理');
  await screenshot(page, 'console-inbox-team-transfer');
  await drawer.locator('[data-test=team-transfer-send]').click();
  await page.locator('[data-test=conversation-state]', { hasText: '排队中' }).waitFor();
  await page.locator('[data-test=message]', { hasText: '客服阿前 转给团队「售后组」：退货需要售后处理' }).waitFor();
  expect(await desk.conversations.get(tenant(), String(c._id))).toMatchObject({ state: 'queued', teamName: '售后组' });
  await page.context().close();

  // Nobody of the team answers: past the first-response target the sweep escalates to 售后主管.
  offsetMs += 10 * 60_000;
  await eventually(async () => (await desk.conversations.get(tenant(), String(c._id))).escalatedToName === '售后主管', 15_000, 'the escalation');
  const boss = await consolePage(browser);
  await signIn(boss, manager.username);
  await boss.locator('[data-test=view-escalated]', { hasText: /升级给我\s*1/ }).click();
  // A community manager sees the customer's name masked: the list holds that one chat.
  await boss.locator('[data-test=conversation-row]').first().click();
  await boss.locator('[data-test=conversation-escalated]', { hasText: '已升级给 售后主管' }).waitFor();
  await screenshot(boss, 'console-inbox-escalated');
  await boss.context().close();
  // Signed in, 客服阿前 stays online and would be given the next test's chat: they go offline.
  expect((await app.request('POST', '/api/v1/desk/presence', { token: me.token, body: { online: false } })).status).toBe(200);
}, 90_000);

test("a customer's video plays in the chat where the browser plays MP4; WeChat voice (SILK) is a card to download", async () => {
  const me = await app.staff('agent', '客服阿影');
  const viewer = mocker.createContact({ name: '发视频的客人' });
  viewer.say('人工').to(account);
  const c = await conversationOf(viewer.id);
  expect((await app.request('POST', `/api/v1/conversations/${c._id}/take`, { token: me.token })).status).toBe(200);
  for (const [bytes, name] of [
    [Buffer.from('#!SILK_V3\x02\x01\x00'), '语音.silk'],
    [Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]), '开箱.mp4'],
  ] as const) {
    const box = FileBox.fromBase64(bytes.toString('base64'), name);
    (box as any)._mediaType = 'application/octet-stream';
    viewer.say(box).to(account);
  }
  await eventually(
    async () =>
      (await app.request('GET', `/api/v1/conversations/${c._id}/messages`, { token: me.token })).body.items.filter((m: any) => m.media?.attachmentId).length ===
      2,
    10_000,
    'both kept',
  );

  const page = await consolePage(browser);
  await signIn(page, me.username);
  await page.locator('[data-test=view-mine]').click();
  await page.locator('[data-test=conversation-row]', { hasText: '发视频的客人' }).click();
  const voice = page.locator('[data-test=message]', { hasText: '语音.silk' });
  await voice.locator('[data-test=attachment-unplayable]', { hasText: '浏览器无法直接播放' }).waitFor();
  await voice.locator('[data-test=attachment-download]').waitFor();
  // Open-source Chromium builds may lack H.264: the page asks the browser, as the test does.
  const playsMp4 = await page.evaluate<boolean>("document.createElement('video').canPlayType('video/mp4') !== ''");
  if (playsMp4) {
    const video = page.locator('[data-test=attachment-video]');
    await video.waitFor();
    expect(await video.getAttribute('src')).toMatch(/^blob:/);
  } else {
    await page.locator('[data-test=message]', { hasText: '开箱.mp4' }).locator('[data-test=attachment-unplayable]').waitFor();
  }
  await screenshot(page, 'console-inbox-voice-video');
  await page.context().close();
}, 60_000);
