import { mock } from 'wechaty-puppet-mock';
import type { Browser, Page } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { startDeskRig } from '../support/desk-rig.js';
import { consolePage, screenshot, staffSignIn } from '../support/browser.js';
import { eventually } from '../integration/desk/mock-chat.js';
import { ConversationModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * The agent's inbox at 1440×900 in real Chromium against the whole product (server, worker, the bot
 * on the mock puppet, MongoDB, Redis): the customer pane beside the chat, labels and the label filter,
 * snooze (its return driven by the app's clock), resolve with a reason and reopen, and the keyboard.
 */
let app: TestApp;
let browser: Browser;
let mocker: mock.Mocker;
let account: mock.ContactMock;
let offsetMs = 0;

beforeAll(async () => {
  // The snooze test moves the clock an hour on: agents' consoles must not count as silent for that.
  ({ app, browser, mocker, account } = await startDeskRig({
    env: { DESK_PRESENCE_TIMEOUT_SECONDS: String(7 * 86_400) },
    now: () => new Date(Date.now() + offsetMs),
  }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

// An agent who takes a chat goes online: each test's agents end their chats and leave the desk, so the
// next test's customers are not handed to them.
const onDesk: string[] = [];
const pages: Page[] = [];
afterEach(async () => {
  for (const page of pages.splice(0))
    await page
      .context()
      .close()
      .catch(() => undefined);
  for (const token of onDesk.splice(0)) {
    for (const c of (await app.request('GET', '/api/v1/conversations?view=mine', { token })).body.items)
      await app.request('POST', `/api/v1/conversations/${c.id}/resolve`, { token });
    await app.request('POST', '/api/v1/desk/presence', { token, body: { online: false } });
  }
});
async function agent(name: string) {
  const a = await app.staff('agent', name);
  onDesk.push(a.token);
  return a;
}

const tenant = () => app.config.DEFAULT_TENANT;
function contact(name: string) {
  const m = mocker.createContact({ name });
  const heard: string[] = [];
  (m as any).on('message', (msg: any) => {
    if (msg.payload.talkerId === account.id && msg.payload.text) heard.push(msg.payload.text);
  });
  return { mock: m, heard, say: (text: string) => m.say(text).to(account) };
}
const conversationOf = (contactId: string) =>
  eventually(() => app.rt.services.desk.conversations.findByPeer(tenant(), account.id, contactId), 10_000, 'the conversation');
const signIn = (page: Page, username: string) => staffSignIn(page, `${app.url}/h5/console`, username);

test('beside the chat the agent sees the customer: masked profile, tags, orders, points, coupons, earlier chats (which open) and notes', async () => {
  const s = app.rt.services;
  const admin = await app.staff('admin');
  const lin = contact('林小雨');
  // the WeChat contact is a known customer: a phone, a tag, an order, points, a coupon, a note
  const customerId = await s.customers.identify(tenant(), { wechatyContactId: lin.mock.id, phone: '13900000009' }, { name: '林小雨', city: '杭州' });
  const tagId = (await s.tags.ensure(tenant(), '兴趣', '护肤')).id;
  await s.customers.tag(tenant(), customerId, [tagId], []);
  const key = (await s.staff.createApiKey(tenant(), 'shop')).key;
  const paid = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: {
      events: [
        {
          eventId: 'inbox-1',
          type: 'order.paid',
          occurredAt: '2026-11-01T08:00:00Z',
          customer: { phone: '13900000009' },
          data: { orderId: 'SO-881', amount: 12_900 },
        },
      ],
    },
  });
  expect(paid.body.accepted).toBe(1);
  await app.settle();
  expect(
    (
      await app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, {
        token: admin.token,
        body: { points: 360, reason: '老客回馈', idempotencyKey: 'inbox-points' },
      })
    ).status,
  ).toBe(201);
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: { name: '客服安抚券', kind: 'amount', amountOff: 1_000, threshold: 5_000, channels: ['staff'], validity: { kind: 'relative', days: 14 }, stock: 10 },
  });
  expect(
    (
      await app.request('POST', `/api/v1/loyalty/members/${customerId}/coupons`, {
        token: admin.token,
        body: { templateId: tpl.body.id, idempotencyKey: 'inbox-coupon' },
      })
    ).status,
  ).toBe(201);
  expect((await app.request('POST', `/api/v1/customers/${customerId}/notes`, { token: admin.token, body: { text: '回电 13900000009 确认尺码' } })).status).toBe(
    201,
  );
  // an earlier chat with the brand's second account, resolved last month
  const earlier = await ConversationModel.create({
    tenantId: tenant(),
    botAccountId: 'second-account',
    peerId: 'lin-on-second-account',
    kind: 'private',
    title: '林小雨（门店号）',
    customerId,
    state: 'resolved',
    lastMessageAt: new Date('2026-11-02T10:00:00Z'),
    lastMessagePreview: '尺码偏小吗',
  });

  lin.say('人工');
  const conv = await conversationOf(lin.mock.id);
  const me = await agent('客服小林');
  const page = await consolePage(browser);
  pages.push(page);
  await signIn(page, me.username);
  await page.locator('[data-test=conversation-row]', { hasText: '林小雨' }).click();

  const pane = page.locator('[data-test=customer-pane]');
  await pane.locator('[data-test=panel-name]', { hasText: '林小雨' }).waitFor();
  // agents may not read phone numbers: the pane shows what the server masked, in the profile and in notes
  const phone = await pane.locator('[data-test=panel-phone]').innerText();
  expect(phone).not.toContain('13900000009');
  expect(phone).toMatch(/139\*+0009/);
  await pane.locator('[data-test=panel-tags]', { hasText: '护肤' }).waitFor();
  await pane.locator('[data-test=panel-order]', { hasText: 'SO-881' }).filter({ hasText: '¥129.00' }).waitFor();
  // the order earned points too: the pane shows the balance the server holds
  const card = (await app.request('GET', `/api/v1/loyalty/members/${customerId}`, { token: me.token })).body;
  expect(card.balance).toBeGreaterThanOrEqual(360);
  await pane.locator('[data-test=panel-points]', { hasText: `积分 ${card.balance} · 会员等级 ${card.tier.name}` }).waitFor();
  await pane.locator('[data-test=panel-coupon]', { hasText: '客服安抚券' }).waitFor();
  const note = await pane.locator('[data-test=panel-note]').first().innerText();
  expect(note).toContain('确认尺码');
  expect(note).not.toContain('13900000009');
  // the open chat is not among the earlier ones; the earlier one opens in the inbox
  expect(await pane.locator('[data-test=panel-conversation]').count()).toBe(1);
  await screenshot(page, 'console-inbox-customer-pane');
  await pane.locator('[data-test=panel-conversation]', { hasText: '林小雨（门店号）' }).click();
  await page.waitForURL(`**/h5/console/inbox/${earlier._id}`);
  await page.locator('[data-test=conversation-state]', { hasText: '已结束' }).waitFor();
  // from there, the chat they are in now is the earlier one
  await pane.locator('[data-test=panel-conversation]', { hasText: '林小雨' }).first().waitFor();
  expect(await pane.locator('[data-test=panel-conversation]').getAttribute('href')).toContain(String(conv._id));
  // taken, so the chat leaves the queue with this test
  expect((await app.request('POST', `/api/v1/conversations/${conv._id}/take`, { token: me.token })).status).toBe(200);
  await page.context().close();
}, 60_000);

test('the keyboard: Alt+↓ and Alt+↑ move between chats, the 快捷键 tooltip says so, / picks a canned reply to edit', async () => {
  const me = await agent('客服小键');
  expect(
    (await app.request('POST', '/api/v1/desk/canned-replies', { token: me.token, body: { title: '发货时间', text: '亲，现货 48 小时内发货～' } })).status,
  ).toBe(201);
  expect(
    (await app.request('POST', '/api/v1/desk/canned-replies', { token: me.token, body: { title: '发票说明', text: '电子发票会在签收后开具～' } })).status,
  ).toBe(201);
  const ids: string[] = [];
  for (const name of ['键盘甲', '键盘乙', '键盘丙']) {
    const c = contact(name);
    c.say('人工');
    ids.push(
      String((await eventually(async () => ((await conversationOf(c.mock.id)).state === 'queued' ? conversationOf(c.mock.id) : null), 10_000, 'queued'))._id),
    );
  }
  const page = await consolePage(browser);
  pages.push(page);
  await signIn(page, me.username);
  const rows = page.locator('[data-test=conversation-row]');
  await rows.filter({ hasText: '键盘丙' }).waitFor();
  // the queue is oldest first: 甲, 乙, 丙; each move opens the chat and marks its row
  const opened = async (i: number, name: string) => {
    await page.waitForURL(`**/h5/console/inbox/${ids[i]}`);
    await page.locator('[data-test=conversation-row].open', { hasText: name }).waitFor();
  };
  await page.keyboard.press('Alt+ArrowDown');
  await opened(0, '键盘甲');
  await page.keyboard.press('Alt+ArrowDown');
  await opened(1, '键盘乙');
  await page.keyboard.press('Alt+ArrowDown');
  await opened(2, '键盘丙');
  await page.keyboard.press('Alt+ArrowUp');
  await opened(1, '键盘乙');

  await page.locator('[data-test=shortcuts-help]').hover();
  await page.locator('.el-popper', { hasText: 'Alt+↓ 下一个会话' }).filter({ hasText: 'Alt+↑ 上一个会话' }).waitFor();

  await page.locator('[data-test=take]').click();
  const box = page.locator('[data-test=reply-input] textarea');
  await box.waitFor();
  // `/` opens the canned replies; typing filters them; ↓ moves the choice and Enter inserts it for editing
  await box.pressSequentially('/');
  await page.locator('[data-test=canned-item]', { hasText: '发票说明' }).waitFor();
  expect(await page.locator('[data-test=canned-item]').count()).toBe(2);
  await box.pressSequentially('发');
  expect(await page.locator('[data-test=canned-item]').count()).toBe(2);
  const texts: Record<string, string> = { 发货时间: '亲，现货 48 小时内发货～', 发票说明: '电子发票会在签收后开具～' };
  const second = (await page.locator('[data-test=canned-item] strong').allInnerTexts())[1];
  await page.locator('[data-test=canned-item].active').first().waitFor();
  await box.press('ArrowDown');
  await page.locator('[data-test=canned-item].active', { hasText: second }).waitFor();
  await box.press('Enter');
  expect(await box.inputValue()).toBe(texts[second]);
  await page.locator('[data-test=canned-list]').waitFor({ state: 'detached' });
  // taking put the agent online, so the queue handed them 甲 and 丙 too: in 我的, the keys work from
  // inside the reply box as well (to the neighbour in that list), and nothing was sent meanwhile
  await page.locator('[data-test=view-mine]').click();
  await page.locator('[data-test=view-mine]', { hasText: /^我的\s*3$/ }).waitFor();
  await rows.nth(2).waitFor();
  const titles = await rows.locator('.title').allInnerTexts();
  const at = titles.indexOf('键盘乙');
  await box.press(at > 0 ? 'Alt+ArrowUp' : 'Alt+ArrowDown');
  await page.locator('[data-test=conversation-row].open', { hasText: titles[at > 0 ? at - 1 : at + 1] }).waitFor();
  const sent = (await app.request('GET', `/api/v1/conversations/${ids[1]}/messages`, { token: me.token })).body.items;
  expect(sent.some((m: any) => m.text === texts[second])).toBe(false);
  await page.context().close();
}, 60_000);

test('labels filter the list; a snoozed chat waits in 稍后 and returns when the clock passes; resolve asks why, reopen brings it back, transfer hands it on', async () => {
  const me = await agent('客服小标');
  const a = contact('标签甲');
  const b = contact('标签乙');
  a.say('人工');
  b.say('人工');
  const ca = await conversationOf(a.mock.id);
  const cb = await conversationOf(b.mock.id);
  for (const c of [ca, cb]) expect((await app.request('POST', `/api/v1/conversations/${c._id}/take`, { token: me.token })).status).toBe(200);

  const page = await consolePage(browser);
  pages.push(page);
  await signIn(page, me.username);
  await page.locator('[data-test=view-mine]').click();
  const rows = page.locator('[data-test=conversation-row]');
  await rows.filter({ hasText: '标签乙' }).waitFor();
  await rows.filter({ hasText: '标签甲' }).click();

  // a label typed and confirmed with Enter shows on the chat and on its row
  const input = page.locator('[data-test=label-input] input');
  await input.fill('售后');
  await input.press('Enter');
  await page.locator('[data-test=label-tag]', { hasText: '售后' }).waitFor();
  await rows.filter({ hasText: '标签甲' }).locator('[data-test=row-label]', { hasText: '售后' }).waitFor();
  // the filter lists the label; choosing it leaves 标签乙 out, and the counts follow
  await page.locator('[data-test=label-filter] .el-select__wrapper').click();
  await page.locator('.el-select-dropdown__item', { hasText: '售后' }).click();
  await rows.filter({ hasText: '标签乙' }).waitFor({ state: 'detached' });
  await page.locator('[data-test=view-mine]', { hasText: /^我的\s*1$/ }).waitFor();
  await rows.filter({ hasText: '标签甲' }).waitFor();
  await screenshot(page, 'console-inbox-labels');
  await page.locator('[data-test=label-filter] .el-select__wrapper').hover();
  await page.locator('[data-test=label-filter] .el-select__clear').click();
  await rows.filter({ hasText: '标签乙' }).waitFor();
  // removing it with the tag's cross
  await page.locator('[data-test=label-tag]', { hasText: '售后' }).locator('.el-tag__close').click();
  await page.locator('[data-test=label-tag]').waitFor({ state: 'detached' });
  expect((await app.request('GET', `/api/v1/conversations/${ca._id}`, { token: me.token })).body.labels).toEqual([]);

  // snoozed for an hour: out of 我的, into 稍后
  await page.locator('[data-test=snooze-button]').click();
  await page.locator('.el-dropdown-menu__item:visible', { hasText: '1 小时后' }).click();
  await page.locator('[data-test=snoozed]', { hasText: '稍后处理至' }).waitFor();
  await rows.filter({ hasText: '标签甲' }).waitFor({ state: 'detached' });
  await page.locator('[data-test=view-snoozed]', { hasText: /^稍后\s*1$/ }).waitFor();
  await page.locator('[data-test=view-snoozed]').click();
  await rows.filter({ hasText: '标签甲' }).waitFor();
  await page.locator('[data-test=view-mine]').click();
  await rows.filter({ hasText: '标签乙' }).waitFor();
  expect(await rows.filter({ hasText: '标签甲' }).count()).toBe(0);
  // the app's clock passes the hour: the sweep wakes the chat and the open list shows it again by itself
  offsetMs += 61 * 60_000;
  await rows.filter({ hasText: '标签甲' }).waitFor({ timeout: 10_000 });
  await page.locator('[data-test=view-snoozed]', { hasText: /^稍后\s*0$/ }).waitFor();

  // resolving asks why; the reason stays on the resolved chat; 重新打开 makes it the agent's again
  await rows.filter({ hasText: '标签甲' }).click();
  await page.locator('[data-test=resolve-button]').click();
  await page.locator('.el-dropdown-menu__item:visible', { hasText: '客户未回复' }).click();
  await page.locator('[data-test=conversation-state]', { hasText: '已结束' }).waitFor();
  await page.locator('[data-test=resolve-reason]', { hasText: '结束原因：客户未回复' }).waitFor();
  expect((await app.request('GET', `/api/v1/conversations/${ca._id}`, { token: me.token })).body).toMatchObject({
    state: 'resolved',
    resolveReason: 'no_response',
  });
  await page.locator('[data-test=reopen]').click();
  await page.locator('[data-test=conversation-state]', { hasText: '服务中' }).waitFor();
  await page.locator('[data-test=reply-input] textarea').waitFor();
  expect((await app.request('GET', `/api/v1/conversations/${ca._id}`, { token: me.token })).body).toMatchObject({ state: 'assigned', assigneeId: me.id });

  // 转接: the list names who is online; the chat goes to the chosen colleague and the customer hears it
  const colleague = await agent('客服小转');
  expect((await app.request('POST', '/api/v1/desk/presence', { token: colleague.token, body: { online: true } })).status).toBe(200);
  await page.locator('[data-test=transfer-button]').click();
  await page.locator('.el-dropdown-menu__item:visible', { hasText: '客服小转 · 在线' }).click();
  await page.getByText('由 客服小转 服务中').waitFor();
  expect((await app.request('GET', `/api/v1/conversations/${ca._id}`, { token: me.token })).body).toMatchObject({
    state: 'assigned',
    assigneeId: colleague.id,
  });
  await eventually(() => a.heard.find((t) => t.includes('已为您转接至 客服小转')), 10_000, 'the transfer told in WeChat');
  await page.context().close();
}, 60_000);
