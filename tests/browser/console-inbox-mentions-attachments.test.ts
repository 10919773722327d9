import { mock } from 'wechaty-puppet-mock';
import type { Browser } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { startDeskRig } from '../support/desk-rig.js';
import { consolePage, screenshot, staffSignIn } from '../support/browser.js';
import { eventually } from '../integration/desk/mock-chat.js';

/**
 * The inbox at 1440×900 in real Chromium against the whole product (bot on the mock puppet): a note
 * that @mentions a colleague reaches their 提及我 live, and an image sent from the page reaches the
 * customer and shows in the chat as a thumbnail marked 已发送.
 */
let app: TestApp;
let browser: Browser;
let mocker: mock.Mocker;
let account: mock.ContactMock;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  ({ app, browser, mocker, account } = await startDeskRig());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('a note @mentioning a colleague shows in their 提及我 live; an image sent from the page reaches the customer and shows 已发送', async () => {
  const me = await app.staff('agent', '客服小周');
  const colleague = await app.staff('community_manager', '林主管');
  const customer = mocker.createContact({ name: '顾客小满' });
  const pictures: Buffer[] = [];
  (customer as any).on('message', (msg: any) => {
    const json = (mocker as any).cacheFileBoxPayload.get(msg.payload.id);
    if (msg.payload.talkerId === account.id && json) pictures.push(Buffer.from(json.base64, 'base64'));
  });
  customer.say('人工').to(account);
  const conv = await eventually(
    async () => {
      const c = await app.rt.services.desk.conversations.findByPeer(app.config.DEFAULT_TENANT, account.id, customer.id);
      return c?.state === 'queued' ? c : null;
    },
    10_000,
    'the queued chat',
  );

  // The colleague has the inbox open: 提及我 is empty.
  const theirs = await consolePage(browser);
  await staffSignIn(theirs, `${app.url}/h5/console`, colleague.username);
  await theirs.goto(`${app.url}/h5/console/inbox`);
  await theirs.locator('[data-test=mentions-button]').waitFor();
  expect(await theirs.locator('[data-test=mentions-count]').count()).toBe(0);

  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console`, me.username);
  await page.goto(`${app.url}/h5/console/inbox/${conv._id}`);
  await page.locator('[data-test=take]').click();
  await page.locator('[data-test=mode-note]').click();
  const box = page.locator('[data-test=reply-input] textarea');
  // `@` then part of the name lists the colleague; Enter writes the mention into the note.
  await box.pressSequentially('@林');
  await page.locator('[data-test=mention-option]', { hasText: '@林主管' }).waitFor();
  await box.press('Enter');
  expect(await box.inputValue()).toBe('@林主管 ');
  await box.pressSequentially('顾客要开专票，麻烦审批');
  await page.locator('[data-test=send-reply]').click();
  await page.locator('[data-test=message]', { hasText: '顾客要开专票' }).locator('[data-test=note-badge]').waitFor();

  // Live on the colleague's page: the count, the note in the list, and opening it reads it.
  await theirs.locator('[data-test=mentions-count]', { hasText: '1' }).waitFor({ timeout: 10_000 });
  await theirs.locator('[data-test=mentions-button]').click();
  await theirs.locator('[data-test=mention-item]', { hasText: '顾客要开专票' }).click();
  await theirs.waitForURL(`**/h5/console/inbox/${conv._id}`);
  await theirs.locator('[data-test=message]', { hasText: '顾客要开专票' }).waitFor();
  await theirs.locator('[data-test=mentions-count]').waitFor({ state: 'detached', timeout: 10_000 });

  // Back to replying: 图片/文件 sends a picture.
  await page.locator('[data-test=mode-reply]').click();
  await page.locator('[data-test=attach-input]').setInputFiles({ name: '尺码表.png', mimeType: 'image/png', buffer: PNG });
  const sent = page.locator('[data-test=message]', { has: page.locator('[data-test=attachment-image]') });
  await sent.locator('[data-test=delivery-sent]', { hasText: '已发送' }).waitFor({ timeout: 15_000 });
  expect(await sent.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  await eventually(() => pictures.length === 1, 5000, 'the picture at the customer');
  expect(pictures[0].equals(PNG)).toBe(true);
  // The customer never saw the note.
  expect(
    (await app.request('GET', `/api/v1/conversations/${conv._id}/messages`, { token: me.token })).body.items.filter(
      (m: any) => m.direction === 'out' && /专票/.test(m.text),
    ),
  ).toHaveLength(0);
  await screenshot(page, 'inbox-mention-and-image');
  await page.context().close();
  await theirs.context().close();
}, 90_000);
