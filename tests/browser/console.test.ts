import { mock } from 'wechaty-puppet-mock';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { chartRows, consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { eventually } from '../integration/desk/mock-chat.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { botRuntimePlugin, type RunningBot } from '../../bot/src/main.js';
import { deskRuntimePlugin } from '../../server/src/modules/conversations/desk.plugin.js';
import { ConversationModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * The console in a real browser against the whole product: server, worker, the bot on the mock
 * Wechaty puppet (WeChat users are played by the mocker), MongoDB and Redis.
 */
let app: TestApp;
let browser: Browser;
let mocker: mock.Mocker;
let account: mock.ContactMock;
let vipTag: string;

beforeAll(async () => {
  ensureH5Built();
  mocker = new mock.Mocker();
  let running: RunningBot | undefined;
  app = await startTestApp({
    env: { ROLES: 'server,worker', DESK_SWEEP_EVERY: '1 second', BOT_OUTBOUND_POLL_MS: '300', DESK_SSE_MAX_SECONDS: '20' },
    plugins: [deskRuntimePlugin(), botRuntimePlugin({ mocker, onBot: (b) => (running = b) }), staticH5Plugin()],
  });
  account = mocker.createContact({ name: '品牌小助手' });
  mocker.login(account);
  await running!.loggedIn;

  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  vipTag = (await s.tags.ensure(tenant, '客户意向', '高意向')).id;
  const people = [
    { phone: '13600000001', name: '杭州甲', city: '杭州', vip: true },
    { phone: '13600000002', name: '杭州乙', city: '杭州', vip: false },
    { phone: '13600000003', name: '上海丙', city: '上海', vip: true },
    { phone: '13600000004', name: '北京丁', city: '北京', vip: true },
    { phone: '13600000005', name: '北京戊', city: '北京', vip: false },
  ];
  for (const p of people) {
    const id = await s.customers.identify(tenant, { phone: p.phone }, { name: p.name, city: p.city });
    if (p.vip) await s.customers.tag(tenant, id, [vipTag], []);
  }
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

function contact(name: string) {
  const m = mocker.createContact({ name });
  const heard: string[] = [];
  (m as any).on('message', (msg: any) => {
    if (msg.payload.talkerId === account.id && msg.payload.text) heard.push(msg.payload.text);
  });
  return { mock: m, heard, say: (text: string) => m.say(text).to(account) };
}

const signIn = (page: Page, username: string) => staffSignIn(page, `${app.url}/h5/console`, username);

const queued = (contactId: string) =>
  eventually(
    async () => {
      const c = await app.rt.services.desk.conversations.findByPeer(app.config.DEFAULT_TENANT, account.id, contactId);
      return c?.state === 'queued' ? c : null;
    },
    10_000,
    'a queued conversation',
  );

test('an agent sees the queue update live with its SLA clocks, takes a conversation, replies (Enter, edited canned), notes and resolves', async () => {
  const agent = await app.staff('agent', '客服小王');
  const canned = await app.request('POST', '/api/v1/desk/canned-replies', {
    token: agent.token,
    body: { title: '发货时间', text: '亲，现货订单 48 小时内发货哦～' },
  });
  expect(canned.status).toBe(201);
  const fiona = contact('菲奥娜');
  fiona.say('人工');
  await queued(fiona.mock.id);

  const page = await consolePage(browser);
  await signIn(page, agent.username);
  await page.waitForURL('**/h5/console/inbox');
  const rows = page.locator('[data-test=conversation-row]');
  await rows.filter({ hasText: '菲奥娜' }).waitFor();

  // a second customer asks for a human while the agent looks at the queue: the row appears by itself
  const george = contact('乔治');
  george.say('转人工');
  await queued(george.mock.id);
  await rows.filter({ hasText: '乔治' }).waitFor({ timeout: 10_000 });
  // each waiting chat shows its response clock, from the SLA the server set when it was queued
  const due = (await app.request('GET', '/api/v1/conversations?view=queue', { token: agent.token })).body.items.find((c: any) => c.title.includes('菲奥娜')).sla
    .dueAt;
  const left = Math.round((Date.parse(due) - Date.now()) / 60_000);
  expect(await rows.filter({ hasText: '菲奥娜' }).locator('[data-test=sla]').innerText()).toMatch(
    new RegExp(`^(${left}|${left - 1}|${left + 1}) 分钟内需回复$`),
  );
  // 乔治 has waited past his due time (moved 5 minutes back): the SLA job records the breach and the
  // row keeps its clock, now saying how late the answer is, until someone answers
  const past = new Date(Date.now() - 5 * 60_000);
  await ConversationModel.updateOne({ tenantId: app.config.DEFAULT_TENANT, peerId: george.mock.id }, { $set: { 'sla.dueAt': past, 'sla.warnAt': past } });
  await rows
    .filter({ hasText: '乔治' })
    .locator('[data-test=sla]', { hasText: /^已超时 5 分钟$/ })
    .waitFor({ timeout: 10_000 });
  const georgeNow = await app.rt.services.desk.conversations.findByPeer(app.config.DEFAULT_TENANT, account.id, george.mock.id);
  expect(georgeNow?.sla?.breaches).toHaveLength(1);
  // the lists on the left carry the server's counts, and 已超时 holds 乔治 alone
  const views = await app.request('GET', '/api/v1/conversations/counts', { token: agent.token });
  await page.locator('[data-test=view-breached]', { hasText: new RegExp(`^已超时\\s*${views.body.breached}$`) }).waitFor();
  await page.locator('[data-test=view-queue]', { hasText: new RegExp(`^未分配\\s*${views.body.queue}$`) }).waitFor();
  await page.locator('[data-test=view-breached]').click();
  await rows
    .filter({ hasText: '乔治' })
    .locator('[data-test=sla]', { hasText: /^已超时 5 分钟$/ })
    .waitFor();
  // The view's list replaces the previous one: 菲奥娜 (not overdue) leaves it.
  await rows.filter({ hasText: '菲奥娜' }).waitFor({ state: 'detached' });
  // opened, the chat shows the same clock beside its state
  await rows.filter({ hasText: '乔治' }).click();
  await page.locator('[data-test=conversation-sla]', { hasText: /^已超时 5 分钟$/ }).waitFor();
  await screenshot(page, 'console-inbox');
  await page.locator('[data-test=view-queue]').click();

  await rows.filter({ hasText: '菲奥娜' }).click();
  await page.locator('[data-test=message]', { hasText: '人工' }).first().waitFor();
  await page.locator('[data-test=take]').click();
  // Enter sends, Shift+Enter starts a new line
  const box = page.locator('[data-test=reply-input] textarea');
  await box.fill('您好，我是客服小王，');
  await box.press('Shift+Enter');
  await box.pressSequentially('请问有什么可以帮您？');
  expect(await box.inputValue()).toBe('您好，我是客服小王，\n请问有什么可以帮您？');
  await box.press('Enter');
  await page.locator('[data-test=message]', { hasText: '我是客服小王' }).waitFor();
  expect(await box.inputValue()).toBe('');
  expect(await eventually(() => fiona.heard.find((t) => t.includes('我是客服小王')), 10_000, 'the reply in WeChat')).toBe(
    '您好，我是客服小王，\n请问有什么可以帮您？',
  );
  expect(await page.locator('[data-test=conversation-state]').innerText()).toBe('服务中');
  await screenshot(page, 'console-conversation');

  const conv = await app.rt.services.desk.conversations.findByPeer(app.config.DEFAULT_TENANT, account.id, fiona.mock.id);
  expect(conv).toMatchObject({ state: 'assigned', assigneeId: agent.id });

  // a canned reply (from the button, or by typing / and part of its title) lands in the box for
  // editing; nothing reaches the customer until the agent sends it
  await page.locator('[data-test=canned]').click();
  await page.locator('[data-test=canned-item]', { hasText: '发货时间' }).click();
  expect(await box.inputValue()).toBe('亲，现货订单 48 小时内发货哦～');
  await box.fill('');
  await box.pressSequentially('/发货');
  await page.locator('[data-test=canned-item]', { hasText: '发货时间' }).waitFor();
  await box.press('Enter');
  expect(await box.inputValue()).toBe('亲，现货订单 48 小时内发货哦～');
  await page.waitForTimeout(1000);
  expect(fiona.heard.some((t) => t.includes('48 小时内发货'))).toBe(false);
  await box.press('End');
  await box.pressSequentially('单号稍后发您');
  await box.press('Enter');
  expect(await eventually(() => fiona.heard.find((t) => t.includes('48 小时内发货')), 10_000, 'the edited canned reply in WeChat')).toBe(
    '亲，现货订单 48 小时内发货哦～单号稍后发您',
  );

  // an internal note: written in 备注 mode, shown marked 内部备注, never sent to the customer
  await page.locator('[data-test=mode-note]').click();
  await box.fill('客户要开发票，抬头见订单备注');
  await box.press('Enter');
  const note = page.locator('[data-test=message]', { hasText: '客户要开发票' });
  await note.locator('[data-test=note-badge]', { hasText: '内部备注' }).waitFor();
  const stored = (await app.request('GET', `/api/v1/conversations/${conv!._id}/messages`, { token: agent.token })).body.items;
  expect(stored.find((m: any) => m.text.includes('客户要开发票'))).toMatchObject({ direction: 'internal', staffName: '客服小王' });
  await page.waitForTimeout(1000);
  expect(fiona.heard.some((t) => t.includes('发票'))).toBe(false);
  // replies carry no badge
  expect(await page.locator('[data-test=message]', { hasText: '单号稍后发您' }).locator('[data-test=note-badge]').count()).toBe(0);
  await screenshot(page, 'console-conversation-note');
  await page.locator('[data-test=mode-reply]').click();

  // resolving (with its reason) hands the chat back to the bot
  await page.locator('[data-test=resolve-button]').click();
  await page.locator('.el-dropdown-menu__item:visible', { hasText: '问题已解决' }).click();
  await page.locator('[data-test=conversation-state]', { hasText: '已结束' }).waitFor();
  // the conversation stays open on the right; 已解决 on the left now lists it
  await page.locator('[data-test=view-resolved]').click();
  await rows.filter({ hasText: '菲奥娜' }).waitFor();
  await eventually(() => fiona.heard.find((t) => /人工服务已结束/.test(t)), 10_000, 'the end of human service in WeChat');
  await page.context().close();
}, 60_000);

test('a community manager starts a broadcast on a saved audience and watches its progress to the end', async () => {
  const manager = await app.staff('community_manager', '运营小林');
  const seg = await app.request('POST', '/api/v1/segments', {
    token: manager.token,
    body: { name: '北京客户', audience: { type: 'group', op: 'and', rules: [{ type: 'city', in: ['北京'] }] } },
  });
  expect(seg.status).toBe(201);
  const page = await consolePage(browser);
  await signIn(page, manager.username);
  await page.locator('[data-test="nav-console-broadcasts"]').click();
  await page.locator('[data-test=new-broadcast]').click();
  await page.locator('[data-test=broadcast-name]').fill('北京门店开业');
  await page.locator('[data-test=broadcast-segment]').click();
  await page.locator('[data-test="segment-北京客户"]').click();
  await page.locator('[data-test=broadcast-text]').fill('北京新店开业，到店即送小样！');
  // The reach before sending names the audience; 发送 confirms with it.
  await page.locator('[data-test=reach-total]', { hasText: /^共 2 位客户：/ }).waitFor();
  await page.locator('[data-test=create-broadcast]').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForURL(/\/h5\/console\/broadcasts\/[0-9a-f]{24}$/);
  const id = page.url().split('/').pop()!;
  // the page polls while the campaign runs and stops at a final state
  const status = page.locator('[data-test=broadcast-status]');
  await status.filter({ hasText: /已完成|已取消/ }).waitFor({ timeout: 20_000 });
  const server = await app.request('GET', `/api/v1/broadcasts/${id}`, { token: manager.token });
  const c = server.body.progress.counts;
  expect(c.total).toBe(2);
  const done = c.sent + c.failed + c.skipped + c.holdout;
  expect(await page.locator('[data-test=broadcast-counts]').innerText()).toBe(`已处理 ${done}/${c.total}：成功 ${c.sent}，失败 ${c.failed}，跳过 ${c.skipped}`);
  await page.locator('[data-test=broadcast-results]').waitFor();
  await screenshot(page, 'console-broadcast');
  await page.context().close();
});

test('a community manager sees the RFM grid of the latest run and the loyalty programme as configured', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const key = (await s.staff.createApiKey(tenant, 'shop')).key;
  const events = ['13600000001', '13600000003', '13600000004'].map((phone, i) => ({
    eventId: `dash-${i}`,
    type: 'order.paid',
    occurredAt: new Date(Date.now() - (i + 1) * 86_400_000).toISOString(),
    customer: { phone },
    data: { orderId: `D-${i}`, amount: 10_000 * (i + 1) },
  }));
  expect((await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events } })).body.accepted).toBe(3);
  await app.settle();
  await s.rfm.recomputeTenant(tenant);
  const manager = await app.staff('community_manager');
  const run = (await app.request('GET', '/api/v1/rfm/runs', { token: manager.token })).body.items[0];
  expect(run.scored).toBe(3);

  const page = await consolePage(browser);
  await signIn(page, manager.username);
  await page.goto(`${app.url}/h5/console/dashboard`);
  const classes = await chartRows(page, 'rfm-classes');
  expect(classes).toHaveLength(8);
  expect(classes.map((r) => Number(r[1])).reduce((a, b) => a + b, 0)).toBe(3);
  // The R×F heatmap: 25 cells, the three buyers in them with the ¥100 + ¥200 + ¥300 they paid.
  const cells = await chartRows(page, 'rfm-heatmap');
  expect(cells).toHaveLength(25);
  expect(cells.map((c) => Number(c[2])).reduce((a, b) => a + b, 0)).toBe(3);
  expect(
    cells
      .filter((c) => c[2] !== '0')
      .map((c) => c[3])
      .sort(),
  ).toEqual(['¥100.00', '¥200.00', '¥300.00']);
  // The most recent buyer (yesterday, ¥100) scores R5.
  expect(cells.find((c) => c[3] === '¥100.00')![0]).toBe('R5');
  await page.locator('[data-test=rfm-heatmap]').scrollIntoViewIfNeeded();
  await screenshot(page, 'console-dashboard');
  // A class's bar opens 客户 filtered to that class. The bars sit in eight bands of the chart's plot
  // (DashboardPage: 280 px high, 8 px above and 24 px below the plot, 72 px of labels on the left).
  const index = classes.findIndex((r) => r[1] !== '0');
  const canvas = page.locator('[data-test=rfm-classes] canvas');
  await canvas.scrollIntoViewIfNeeded();
  await canvas.click({ position: { x: 72 + 4, y: 8 + ((280 - 8 - 24) / 8) * (index + 0.5) } });
  await page.waitForURL((url) => url.pathname.endsWith('/h5/console/customers') && url.searchParams.get('rfm') === classes[index][0]);
  await page.locator('.el-table__row').first().waitFor();
  expect(await page.locator('.el-table__row').count()).toBe(Number(classes[index][1]));

  // A cell of the R×F heatmap opens 客户 filtered to that cell: the customers it counts. The plot is
  // 5×5 cells (CustomerFigures: 340 px high, 8 px above and 64 px below it, 48 px left and 24 right),
  // R across, F up.
  await page.goto(`${app.url}/h5/console/dashboard`);
  const [r, f, n] = cells.find((c) => c[3] === '¥100.00')!;
  const heat = page.locator('[data-test=rfm-heatmap] .chart');
  await heat.scrollIntoViewIfNeeded();
  const width = (await heat.boundingBox())!.width;
  const [ri, fi] = [Number(r.slice(1)), Number(f.slice(1))];
  await heat.click({ position: { x: 48 + ((width - 72) / 5) * (ri - 0.5), y: 8 + ((340 - 72) / 5) * (5 - fi + 0.5) } });
  await page.waitForURL(
    (url) => url.pathname.endsWith('/h5/console/customers') && url.searchParams.get('r') === String(ri) && url.searchParams.get('f') === String(fi),
  );
  await page.locator('[data-test=filter-rf]', { hasText: `R${ri} · F${fi} 的客户` }).waitFor();
  await page.locator('[data-test=customers-total]', { hasText: `共 ${n} 位客户` }).waitFor();
  expect(await page.locator('.el-table__row').count()).toBe(Number(n));

  await page.goto(`${app.url}/h5/console/loyalty`);
  const silver = page.locator('[data-test=tiers] .el-table__row', { hasText: '银卡' });
  await silver.waitFor();
  expect(await silver.locator('[data-test=tier-threshold-cell]').innerText()).toBe('¥1,000.00');
  await screenshot(page, 'console-loyalty');
  await page.context().close();
});

test('a mistyped password is refused in Chinese, and the right one signs in', async () => {
  const agent = await app.staff('agent');
  const page = await consolePage(browser);
  await page.goto(`${app.url}/h5/console`);
  await page.locator('[data-test=login-username] input').fill(agent.username);
  await page.locator('[data-test=login-password] input').fill('password-124');
  await page.locator('[data-test=login-submit]').click();
  expect(await page.locator('[data-test=login-error]').innerText()).toContain('用户名或密码错误');
  await page.locator('[data-test=login-password] input').fill('harbor-kettle-2026');
  await page.locator('[data-test=login-submit]').click();
  await page.waitForURL('**/h5/console/inbox');
  await page.context().close();
});

test('an agent cannot open the audience builder; a sales member gets 我的客户 (only their own) and 我的任务 to finish', async () => {
  const agent = await app.staff('agent');
  const page = await consolePage(browser);
  await signIn(page, agent.username);
  await page.waitForURL('**/h5/console/inbox');
  expect(await page.locator('[data-test="nav-console-audience"]').count()).toBe(0);
  await page.goto(`${app.url}/h5/console/audience`);
  await page.locator('[data-test=console-forbidden]').waitFor();
  await page.context().close();

  // A sales member owns one customer; the five of the brand's others are not theirs. A follow-up about
  // theirs is assigned to them.
  const sales = await app.staff('sales');
  const tenant = app.config.DEFAULT_TENANT;
  const mine = await app.rt.services.customers.identify(tenant, { phone: '13600000077' }, { name: '销售自己的客户', ownerStaffId: sales.id });
  const task = await app.request('POST', `/api/v1/customers/${mine}/follow-ups`, { token: sales.token, body: { title: '回访试用感受' } });
  expect(task.status).toBe(201);

  const page2 = await consolePage(browser);
  await signIn(page2, sales.username);
  await page2.waitForURL('**/h5/console/customers');
  await page2.locator('[data-test=console-page-title]', { hasText: '我的客户' }).waitFor();
  await page2.locator('[data-test=customers-total]', { hasText: '共 1 位客户' }).waitFor();
  expect(await page2.locator('[data-test=customers-table] .el-table__row').count()).toBe(1);
  // Only what a sales member may use: 我的客户 and 我的任务, no bulk actions, import or export.
  expect((await page2.locator('[data-test=console-nav] .el-menu-item').allInnerTexts()).map((s) => s.trim())).toEqual(['我的客户', '我的任务']);
  expect(await page2.locator('[data-test=import-csv], [data-test=export-csv], [data-test=bulk-tag]').count()).toBe(0);

  await page2.locator('[data-test=nav-console-tasks]').click();
  const row = page2.locator('[data-test=tasks-table] .el-table__row', { hasText: '回访试用感受' });
  await row.waitFor();
  await screenshot(page2, 'console-sales-tasks');
  await row.locator('[data-test=task-complete]').click();
  await page2.locator('.el-message', { hasText: '已完成：回访试用感受' }).waitFor();
  await row.waitFor({ state: 'detached' });
  const done = await app.request('GET', '/api/v1/follow-ups?status=done', { token: sales.token });
  expect(done.body.items.map((f: any) => f._id)).toEqual([task.body._id]);
  await page2.locator('[data-test=tasks-done]').click();
  await page2.locator('[data-test=tasks-table] .el-table__row', { hasText: '回访试用感受' }).locator('[data-test=task-reopen]').waitFor();

  await page2.goto(`${app.url}/h5/console/audience`);
  await page2.locator('[data-test=console-forbidden]').waitFor();
  await page2.context().close();
});

test('an agent goes online from the inbox, sets how many chats at once, and goes offline again', async () => {
  const agent = await app.staff('agent', '客服小安');
  const page = await consolePage(browser);
  await signIn(page, agent.username);
  await page.waitForURL('**/h5/console/inbox');
  const presence = page.locator('[data-test=presence]');
  await presence.getByText('离线', { exact: true }).waitFor();
  expect(await presence.innerText()).toContain('接待中 0 / 上限 5 个会话');
  const mine = async () => (await app.request('GET', '/api/v1/desk/presence', { token: agent.token })).body;

  await page.locator('[data-test=presence-switch]').click();
  await page.locator('.el-message', { hasText: '已上线' }).waitFor();
  await presence.getByText('在线', { exact: true }).waitFor();
  expect(await mine()).toMatchObject({ online: true, capacity: 5 });

  // The stepper is disabled while the switch's save finishes: press it once it takes presses again.
  await page.locator('[data-test=presence-capacity] .el-input-number__decrease:not(.is-disabled)').click();
  await presence.getByText('接待中 0 / 上限 4 个会话').waitFor();
  expect(await mine()).toMatchObject({ online: true, capacity: 4 });
  await screenshot(page, 'console-inbox-presence');

  await page.locator('[data-test=presence-switch]').click();
  await page.locator('.el-message', { hasText: '已下线' }).waitFor();
  expect(await mine()).toMatchObject({ online: false, capacity: 4 });
  await page.context().close();
});
