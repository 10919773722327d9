import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, phonePage, screenshot, staffSignIn } from '../support/browser.js';
import { sentTo } from '../integration/broadcasts/broadcast-testbed.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { JourneyModel } from '../../server/src/modules/journeys/journey.model.js';
import { grantMarketing } from '../support/consent.js';

/**
 * Lifecycle journeys in the console (1440×900): a community manager creates the win-back journey from
 * its template (created off), edits a step in the step editor — a cleared message is refused in
 * Chinese naming the step and field — and saves version 2, then switches it on: the dialog says how
 * many dormant customers would enter at once and what their first steps do, nothing is switched until
 * 确认开启, and a figure gone stale meanwhile is shown again to confirm. Then the welcome journey:
 * switched off and on from the table, a new WeCom contact enters it and the run shows on its page; a
 * sales member is kept out. The server runs on a clock the test moves and messages go to a local
 * WeCom; the journey tick is driven here, as the worker would.
 */
let app: TestApp;
let fake: FakeWecom;
let browser: Browser;
let offset = 0;
let manager: { id: string; token: string; username: string };
let ownerId: string;
let entered: string;
let couponTemplateId: string;
let goldTemplateId: string;
const WELCOME = '欢迎加入！有任何问题随时找我～';
const DAY = 86_400_000;

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  app = await startTestApp({
    env: { ...fake.env(), ROLES: 'server', JOURNEY_SEND_WINDOW: 'always' },
    plugins: [staticH5Plugin()],
    now: () => new Date(Date.now() + offset),
  });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  manager = await app.staff('community_manager', '运营小林');
  fake.corp.addStaff('linxiao', 'linxiao');
  ownerId = (await s.staff.create(tenant, { username: 'linxiao', name: '林晓', role: 'sales', password: 'harbor-kettle-2026', wecomUserId: 'linxiao' })).id;
  couponTemplateId = (
    await s.loyalty.coupons.createTemplate(tenant, {
      name: '新人券 满50减10',
      kind: 'amount',
      amountOff: 1_000,
      threshold: 5_000,
      validity: { kind: 'relative', days: 30 },
      stock: 100,
      perCustomerLimit: 1,
      channels: ['campaign'],
    })
  ).id;
  goldTemplateId = (
    await s.loyalty.coupons.createTemplate(tenant, {
      name: '金卡回归券 满100减30',
      kind: 'amount',
      amountOff: 3_000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 100,
      perCustomerLimit: 1,
      channels: ['campaign'],
    })
  ).id;
  // Two buyers whose last order was 90 days ago: the win-back journey would take them in at once.
  for (const [name, ext] of [
    ['沉睡甲', 'wmjb-d1'],
    ['沉睡乙', 'wmjb-d2'],
  ])
    await dormantBuyer(name, ext, 90);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
});

const signIn = (page: Page, path: string, username: string) => staffSignIn(page, app.url + path, username);

const row = (page: Page, name: string) => page.locator('[data-test=journeys-table] .el-table__row', { hasText: name });
const journeysOnServer = async () =>
  (await app.request('GET', '/api/v1/journeys', { token: manager.token })).body.items as Array<{ id: string; name: string; enabled: boolean; version: number }>;
const pick = (page: Page, text: string) => page.locator('.el-select-dropdown__item:visible', { hasText: text }).click();

/** A customer who adds their owner on WeCom now (the profile's creation is the welcome trigger). */
async function newContact(name: string, ext: string) {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  fake.corp.upsertContact({ name, external_userid: ext });
  fake.corp.follow('linxiao', ext);
  const id = await s.customers.identify(tenant, { externalUserId: ext }, { name, ownerStaffId: ownerId }, 'wecom');
  await s.customers.setWecomRelation(tenant, id, { relation: 'active', at: s.deps.now(), staffId: ownerId });
  await grantMarketing(s, tenant, [id], { profiling: true });
  return id;
}
async function dormantBuyer(name: string, ext: string, days: number) {
  const s = app.rt.services;
  const id = await newContact(name, ext);
  const at = new Date(s.deps.now().getTime() - days * DAY).toISOString();
  await s.events.ingest(app.config.DEFAULT_TENANT, [
    { eventId: `o-${ext}`, type: 'order.paid', occurredAt: at, customer: { externalUserId: ext }, data: { orderId: `o-${ext}`, amount: 19_900 } },
  ]);
  await s.events.settle();
  return id;
}

test('a manager with no journeys creates the win-back journey from its template, created off, and lands on its page at version 1', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console', manager.username);
  await page.locator('[data-test="nav-console-journeys"]', { hasText: '旅程' }).click();
  await page.waitForURL(/\/h5\/console\/journeys$/);
  await page.locator('[data-test=state-empty]', { hasText: '还没有自动化旅程，从模板创建第一个吧' }).waitFor();
  await screenshot(page, 'console-journeys-empty');

  await page.locator('[data-test=new-journey]').click();
  const winBack = page.locator('[data-test=journey-template-win-back]');
  await winBack.waitFor();
  expect(await winBack.innerText()).toContain('沉睡唤醒 · 60 天未下单 · 6 个步骤');
  expect(await page.locator('[data-test=journey-template-welcome]').innerText()).toContain('客户添加后当天欢迎，第 3 天送新人券');
  await winBack.click();
  // The win-back journey issues a coupon: without one the dialog says so and creates nothing.
  await page.locator('[data-test=create-journey]').click();
  await page.locator('[data-test=template-error]', { hasText: '这个模板会发券，请选择优惠券' }).waitFor();
  expect(await journeysOnServer()).toEqual([]);
  await page.locator('[data-test=journey-coupon]').click();
  await pick(page, '新人券 满50减10');
  await screenshot(page, 'console-journeys-from-template');
  await page.locator('[data-test=create-journey]').click();

  await page.waitForURL(/\/h5\/console\/journeys\/[0-9a-f]{24}$/);
  await page.locator('[data-test=journey-title]', { hasText: '沉睡唤醒' }).waitFor();
  expect(await page.locator('[data-test=journey-state]').innerText()).toBe('已关闭');
  expect(await page.locator('[data-test=journey-version]').innerText()).toBe('第 1 版');
  expect(await page.locator('[data-test=journey-step]').allInnerTexts()).toEqual([
    '第 1 步 发放优惠券「新人券 满50减10」',
    '第 2 步 企业微信群发：「好久不见，送您一张回归券」',
    '第 3 步 等待 3 天',
    '第 4 步 条件：进入后未下单，否则退出',
    '第 5 步 企业微信群发：「回归券即将过期，别错过哦」',
    '第 6 步 给负责人创建跟进任务「沉睡客户 {name} 仍未回购，请电话回访」（2 天 内完成）',
  ]);
  expect(await journeysOnServer()).toEqual([expect.objectContaining({ name: '沉睡唤醒', enabled: false, version: 1 })]);
  // Created off, it enrolled nobody.
  await app.rt.services.journeys.tick();
  expect((await app.request('GET', `/api/v1/journeys/${(await journeysOnServer())[0].id}`, { token: manager.token })).body.runs).toEqual([]);
  await page.context().close();
});

test('in the step editor a cleared message is refused in Chinese naming the step and field; edited (a wait, a move, a "no" branch, a coupon for gold members) and saved, the page shows version 2 and both versions', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', manager.username);
  await row(page, '沉睡唤醒').click();
  await page.locator('[data-test=edit-journey]').click();
  const editor = page.locator('[data-test=journey-editor]');
  await editor.locator('[data-test=editor-step]').first().waitFor();
  expect(await editor.locator('[data-test=editor-step]').count()).toBe(6);
  const send = editor.locator('[data-test=editor-step]').nth(1);
  await send.locator('textarea[data-test=step-text]').fill('');
  await editor.locator('[data-test=editor-save]').click();
  await editor.locator('[data-test=editor-error]', { hasText: '第 2 步（发送消息），消息内容：请填写消息内容' }).waitFor();
  await send.locator('.el-form-item__error', { hasText: '请填写消息内容' }).waitFor();

  await send.locator('textarea[data-test=step-text]').fill('好久不见，{name}，回归券已放入您的会员中心');
  // The wait becomes 5 days, and the task moves up before the reminder.
  await editor.locator('[data-test=editor-step]').nth(2).locator('[data-test=step-amount] input').fill('5');
  await editor.locator('[data-test=editor-step]').nth(5).locator('[data-test=step-up]').click();
  // The condition gets a "no" branch: those who ordered meanwhile get a thank-you task instead of leaving.
  const condition = editor.locator('[data-test=editor-step]').nth(3);
  await condition.locator('[data-test=add-branch-step]').click();
  await page.locator('[data-test=add-branch-task]:visible').click();
  await condition.locator('[data-test=editor-branch-step] input[data-test=step-title]').fill('客户 {name} 已回购，请致谢');
  // Gold members get a bigger coupon; the other tiers keep the step's own.
  const coupon = editor.locator('[data-test=editor-step]').nth(0);
  expect(await coupon.locator('[data-test=step-by-tier] .tier-name').allInnerTexts()).toEqual(['普通', '银卡', '金卡', '黑金']);
  await coupon.locator('[data-test=step-tier-coupon-gold]').click();
  await pick(page, '金卡回归券 满100减30');
  await screenshot(page, 'console-journey-editor');
  await editor.locator('[data-test=editor-save]').click();
  await page.locator('.el-message', { hasText: '已保存为第 2 版' }).waitFor();
  await page.locator('[data-test=journey-version]', { hasText: '第 2 版' }).waitFor();
  expect(await page.locator('[data-test=journey-step]').allInnerTexts()).toEqual([
    '第 1 步 发放优惠券「新人券 满50减10」（金卡会员发「金卡回归券 满100减30」）',
    '第 2 步 企业微信群发：「好久不见，{name}，回归券已放入您的会员中心」',
    '第 3 步 等待 5 天',
    '第 4 步 条件：进入后未下单，否则执行 1 个「否」分支步骤',
    '第 5 步 给负责人创建跟进任务「沉睡客户 {name} 仍未回购，请电话回访」（2 天 内完成）',
    '第 6 步 企业微信群发：「回归券即将过期，别错过哦」',
  ]);
  expect(await page.locator('[data-test=journey-branch-step]').allInnerTexts()).toEqual([
    '「否」分支第 1 步 给负责人创建跟进任务「客户 {name} 已回购，请致谢」（1 天 内完成）',
  ]);
  expect(await page.locator('[data-test=journey-versions] [data-test=version-n]').allInnerTexts()).toEqual(['第 2 版', '第 1 版']);
  expect((await journeysOnServer())[0]).toMatchObject({ version: 2, enabled: false });
  const saved = (await app.request('GET', `/api/v1/journeys/${(await journeysOnServer())[0].id}`, { token: manager.token })).body;
  expect(saved.steps[0]).toEqual({ type: 'coupon', templateId: couponTemplateId, byTier: { gold: goldTemplateId } });
  await screenshot(page, 'console-journey-detail-v2');
  await page.context().close();
});

test('switching on shows how many would enter and what their first steps do; cancelled, nothing switches; a stale figure is shown again; confirmed, exactly those customers enter', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', manager.username);
  const listed = row(page, '沉睡唤醒');
  expect(await listed.locator('[data-test=journey-version]').innerText()).toBe('第 2 版');
  await listed.locator('[data-test=journey-enabled]').click();
  const dialog = page.locator('[data-test=switch-dialog]');
  await dialog.locator('[data-test=preview-entrants]', { hasText: '开启后将有 2 位客户立即进入这个旅程' }).waitFor();
  expect(await dialog.locator('[data-test=preview-effect]').allInnerTexts()).toEqual([
    '第 1 步 · 发券：最多 2 张（「新人券 满50减10」库存剩余 100 张）',
    '第 2 步 · 发送消息：最多 2 条',
  ]);
  // Names are masked for a community manager, here as everywhere in the console.
  expect(await dialog.locator('[data-test=preview-sample]').innerText()).toMatch(/^例如：沉\*[甲乙]、沉\*[甲乙]$/);
  await screenshot(page, 'console-journey-switch-on');
  await dialog.getByRole('button', { name: '取消' }).click();
  await dialog.waitFor({ state: 'hidden' });
  expect((await journeysOnServer())[0].enabled).toBe(false);
  expect(await listed.locator('[data-test=journey-state]').innerText()).toBe('已关闭');

  await listed.locator('[data-test=journey-enabled]').click();
  await dialog.locator('[data-test=preview-entrants]', { hasText: '2 位' }).waitFor();
  // While the dialog is open a third buyer passes 60 days without an order.
  await dormantBuyer('沉睡丙', 'wmjb-d3', 61);
  await dialog.locator('[data-test=switch-confirm]').click();
  await dialog.locator('[data-test=preview-changed]', { hasText: '人数已变化：请按最新人数确认' }).waitFor();
  await dialog.locator('[data-test=preview-entrants]', { hasText: '开启后将有 3 位客户立即进入这个旅程' }).waitFor();
  expect((await journeysOnServer())[0].enabled).toBe(false);
  await dialog.locator('[data-test=switch-confirm]').click();
  await dialog.waitFor({ state: 'hidden' });
  await listed.locator('[data-test=journey-state]', { hasText: '已开启' }).waitFor();
  expect((await journeysOnServer())[0].enabled).toBe(true);

  await app.rt.services.journeys.tick();
  const id = (await journeysOnServer())[0].id;
  const runs = (await app.request('GET', `/api/v1/journeys/${id}`, { token: manager.token })).body.runs;
  expect(runs.map((r: any) => r.version)).toEqual([2, 2, 2]);
  await page.reload();
  expect(await row(page, '沉睡唤醒').locator('[data-test=journey-figures]').innerText()).toBe('3 / 3 / 0');
  expect(await row(page, '沉睡唤醒').locator('[data-test=journey-coupons]').innerText()).toBe('3');
  await screenshot(page, 'console-journeys-list');
  // Off again, so the welcome journey below is the only one running.
  await row(page, '沉睡唤醒').locator('[data-test=journey-enabled]').click();
  await row(page, '沉睡唤醒').locator('[data-test=journey-state]', { hasText: '已关闭' }).waitFor();
  await page.context().close();
});

test('switched off, the journey is off after a reload because the server says so; a contact added meanwhile does not enter it', async () => {
  const welcome = await app.request('POST', '/api/v1/journeys/from-template', { token: manager.token, body: { key: 'welcome', couponTemplateId } });
  expect(welcome.status).toBe(201);
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', manager.username);
  await row(page, '新客欢迎').locator('[data-test=journey-state]', { hasText: '已开启' }).waitFor();
  await row(page, '新客欢迎').locator('[data-test=journey-enabled]').click();
  await row(page, '新客欢迎').locator('[data-test=journey-state]', { hasText: '已关闭' }).waitFor();
  expect((await journeysOnServer())[0].enabled).toBe(false);

  await page.reload();
  const listed = row(page, '新客欢迎');
  await listed.locator('[data-test=journey-state]', { hasText: '已关闭' }).waitFor();
  expect(await listed.locator('[data-test=journey-enabled] input').isChecked()).toBe(false);
  await screenshot(page, 'console-journeys-off');

  const whileOff = await newContact('错过的', 'wmjb-off');
  expect((await app.request('GET', `/api/v1/journeys/customers/${whileOff}/runs`, { token: manager.token })).body.items).toEqual([]);
  await page.context().close();
});

test('switched back on (the dialog: nobody enters at once), a contact added afterwards enters it, is greeted once, and the journey page shows 1 entered and the run', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', manager.username);
  await row(page, '新客欢迎').locator('[data-test=journey-enabled]').click();
  const dialog = page.locator('[data-test=switch-dialog]');
  await dialog.locator('[data-test=preview-entrants]', { hasText: '现在开启不会有客户立即进入' }).waitFor();
  await dialog.locator('[data-test=switch-confirm]').click();
  await row(page, '新客欢迎').locator('[data-test=journey-state]', { hasText: '已开启' }).waitFor();
  expect((await journeysOnServer())[0].enabled).toBe(true);

  entered = await newContact('新朋友', 'wmjb-new');
  offset += 61_000; // the welcome waits a minute, so WeCom has recorded when the contact was added
  await app.rt.services.journeys.tick();
  await app.rt.services.journeys.tick();
  expect(sentTo(fake, WELCOME)).toEqual(new Map([['wmjb-new', 1]]));

  await page.reload();
  expect(await row(page, '新客欢迎').locator('[data-test=journey-figures]').innerText()).toBe('1 / 1 / 0');
  await row(page, '新客欢迎').click();
  await page.waitForURL(/\/h5\/console\/journeys\/[0-9a-f]{24}$/);
  await page.locator('[data-test=journey-trigger]', { hasText: '触发：新客添加后' }).waitFor();
  expect(await page.locator('[data-test=journey-step]').allInnerTexts()).toEqual([
    '第 1 步 条件：2 天内新添加，否则退出',
    `第 2 步 企业微信群发：「${WELCOME}」`,
    '第 3 步 等待 3 天',
    '第 4 步 发放优惠券「新人券 满50减10」',
    '第 5 步 企业微信群发：「送您一张新人券，已放入会员中心」',
  ]);
  const figure = (key: string) => page.locator(`[data-test=figure-${key}] [data-test=figure-value]`).innerText();
  expect(await figure('entered')).toBe('1');
  expect(await figure('active')).toBe('1');
  expect(await figure('sent')).toBe('1');
  expect(await figure('coupons')).toBe('0');
  const runs = page.locator('[data-test=journey-runs] .el-table__row');
  expect(await runs.count()).toBe(1);
  // A community manager sees customers' names masked, here as everywhere in the console.
  expect(await runs.first().locator('[data-test=run-customer]').innerText()).toBe('新*友');
  expect(await runs.first().locator('[data-test=run-state]').innerText()).toBe('进行中');
  expect(await runs.first().locator('[data-test=run-version]').innerText()).toBe('第 1 版');
  expect(await runs.first().locator('[data-test=run-where]').innerText()).toMatch(/^第 4\/5 步 · \d{4}\/\d{2}\/\d{2} \d{2}:\d{2} 进入$/);
  expect(await runs.first().locator('[data-test=run-last]').innerText()).toBe('第 3 步 · 等待 3 天');
  await screenshot(page, 'console-journey-detail');
  await page.context().close();
});

test("in the sales sidebar, the customer's owner sees the journey the customer is in and what each step did", async () => {
  const page = await phonePage(browser);
  await signIn(page, `/h5/sidebar/customers/${entered}`, 'linxiao');
  const journey = page.locator('[data-test=customer-journey]', { hasText: '新客欢迎' });
  await journey.waitFor();
  expect(await journey.locator('[data-test=customer-journey-state]').innerText()).toBe('进行中');
  expect(await journey.locator('[data-test=customer-journey-log]').allInnerTexts()).toEqual([
    '第 1 步 · 条件满足，继续',
    '第 2 步 · 消息已发送',
    '第 3 步 · 等待 3 天',
  ]);
  await screenshot(page, 'sidebar-customer-journeys');
  await page.context().close();
});

test('a sales member has no journeys tab, is refused the page, and the API answers 403', async () => {
  const sales = await app.staff('sales', '销售小王');
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', sales.username);
  await page.locator('[data-test=console-forbidden]', { hasText: '无权访问' }).waitFor();
  expect(await page.locator('[data-test="nav-console-journeys"]').count()).toBe(0);
  expect(await page.locator('[data-test=journeys-table]').count()).toBe(0);
  await screenshot(page, 'console-journeys-sales-forbidden');
  expect((await app.request('GET', '/api/v1/journeys', { token: sales.token })).status).toBe(403);
  const id = (await journeysOnServer())[0].id;
  expect((await app.request('GET', `/api/v1/journeys/${id}`, { token: sales.token })).status).toBe(403);
  expect((await app.request('PATCH', `/api/v1/journeys/${id}`, { token: sales.token, body: { enabled: false } })).status).toBe(403);
  expect((await journeysOnServer())[0].enabled).toBe(true);
  await page.context().close();
});

test('a switch the server refuses stays as it was and the page says why', async () => {
  const created = await app.request('POST', '/api/v1/journeys/from-template', { token: manager.token, body: { key: 'review-request' } });
  expect(created.status).toBe(201);
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', manager.username);
  const listed = row(page, '售后评价');
  expect(await listed.locator('[data-test=journey-trigger]').innerText()).toBe('下单后 · 2 个步骤');
  // Gone on the server (another admin's clean-up) while this page still shows it.
  await JourneyModel.deleteOne({ _id: created.body.id });
  await listed.locator('[data-test=journey-enabled]').click();
  await page.locator('.el-message', { hasText: '内容不存在或无权查看' }).waitFor();
  expect(await listed.locator('[data-test=journey-enabled] input').isChecked()).toBe(true);
  expect(await listed.locator('[data-test=journey-state]').innerText()).toBe('已开启');
  await page.context().close();
});
