import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, phonePage, screenshot, staffSignIn } from '../support/browser.js';
import { sentTo } from '../integration/broadcasts/broadcast-testbed.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { JourneyModel } from '../../server/src/modules/journeys/journey.model.js';
import { grantMarketing } from '../support/consent.js';

/**
 * Lifecycle journeys in the console: a community manager creates the welcome journey from its
 * template, switches it off and on (the server's state, seen after a reload), watches a new WeCom
 * contact enter it and sees the run on the journey's page; a sales member is kept out. The server
 * runs on a clock the test moves (the welcome waits a minute before greeting) and messages go to a
 * local WeCom; the journey tick is driven here, as the worker would.
 */
let app: TestApp;
let fake: FakeWecom;
let browser: Browser;
let offset = 0;
let manager: { id: string; token: string; username: string };
let ownerId: string;
let entered: string;
const WELCOME = '欢迎加入！有任何问题随时找我～';

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  app = await startTestApp({ env: { ...fake.env(), ROLES: 'server', JOURNEY_SEND_WINDOW: 'always' }, plugins: [staticH5Plugin()], now: () => new Date(Date.now() + offset) });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  manager = await app.staff('community_manager', '运营小林');
  fake.corp.addStaff('linxiao', 'linxiao');
  ownerId = (await s.staff.create(tenant, { username: 'linxiao', name: '林晓', role: 'sales', password: 'harbor-kettle-2026', wecomUserId: 'linxiao' })).id;
  await s.loyalty.coupons.createTemplate(tenant, {
    name: '新人券 满50减10', kind: 'amount', amountOff: 1_000, threshold: 5_000, validity: { kind: 'relative', days: 30 }, stock: 100, perCustomerLimit: 1, channels: ['campaign'],
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
});

const signIn = (page: Page, path: string, username: string) => staffSignIn(page, app.url + path, username);

const row = (page: Page, name: string) => page.locator('[data-test=journey-row]', { hasText: name });
const journeysOnServer = async () => (await app.request('GET', '/api/v1/journeys', { token: manager.token })).body.items as Array<{ id: string; name: string; enabled: boolean }>;

/** A customer who adds their owner on WeCom now (the profile's creation is the welcome trigger). */
async function newContact(name: string, ext: string) {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  fake.corp.upsertContact({ name, external_userid: ext });
  fake.corp.follow('linxiao', ext);
  const id = await s.customers.identify(tenant, { externalUserId: ext }, { name, ownerStaffId: ownerId }, 'wecom');
  await s.customers.setWecomRelation(tenant, id, { relation: 'active', at: s.deps.now(), staffId: ownerId });
  await grantMarketing(s, tenant, [id]);
  return id;
}

test('a manager with no journeys is invited to create one, creates the welcome journey from its template with a coupon, and sees it listed as on', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console', manager.username);
  await page.locator('[data-test="nav-console-journeys"]', { hasText: '旅程' }).click();
  await page.waitForURL(/\/h5\/console\/journeys$/);
  await page.locator('[data-test=state-empty]', { hasText: '还没有自动化旅程，从模板创建第一个吧' }).waitFor();
  await screenshot(page, 'console-journeys-empty');

  await page.locator('[data-test=new-journey]').click();
  const welcome = page.locator('[data-test=journey-template-welcome]');
  await welcome.waitFor();
  expect(await welcome.innerText()).toContain('新客欢迎 · 新客添加后 · 5 个步骤');
  expect(await welcome.innerText()).toContain('客户添加后当天欢迎，第 3 天送新人券');
  expect(await page.locator('[data-test=journey-template-win-back]').innerText()).toContain('60 天未下单');
  await welcome.click();
  // The welcome series issues a coupon: without one the page says so and creates nothing.
  await page.locator('[data-test=create-journey]').click();
  await page.locator('.van-toast', { hasText: '这个模板会发券，请选择优惠券' }).waitFor();
  expect(await journeysOnServer()).toEqual([]);
  await page.locator('[data-test="journey-coupon-新人券 满50减10"]').click();
  await page.locator('.van-toast').waitFor({ state: 'hidden' });
  await screenshot(page, 'console-journeys-from-template');
  await page.locator('[data-test=create-journey]').click();
  await page.locator('[data-test=journey-template-form]').waitFor({ state: 'hidden' });

  const listed = row(page, '新客欢迎');
  await listed.waitFor();
  expect(await listed.locator('[data-test=journey-state]').innerText()).toBe('已开启');
  expect(await listed.locator('[data-test=journey-trigger]').innerText()).toBe('新客添加后 · 5 个步骤');
  expect(await listed.locator('[data-test=journey-figures]').innerText()).toBe('进入 0 · 进行中 0 · 完成 0 · 退出 0');
  expect(await listed.locator('[data-test=journey-enabled]').getAttribute('aria-checked')).toBe('true');
  await screenshot(page, 'console-journeys-list');
  expect(await journeysOnServer()).toEqual([expect.objectContaining({ name: '新客欢迎', enabled: true })]);
  await page.context().close();
});

test('switched off, the journey is off after a reload because the server says so; a contact added meanwhile does not enter it', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', manager.username);
  await row(page, '新客欢迎').locator('[data-test=journey-enabled]').click();
  await row(page, '新客欢迎').locator('[data-test=journey-state]', { hasText: '已关闭' }).waitFor();
  expect((await journeysOnServer())[0].enabled).toBe(false);

  await page.reload();
  const listed = row(page, '新客欢迎');
  await listed.locator('[data-test=journey-state]', { hasText: '已关闭' }).waitFor();
  expect(await listed.locator('[data-test=journey-enabled]').getAttribute('aria-checked')).toBe('false');
  await screenshot(page, 'console-journeys-off');

  const whileOff = await newContact('错过的', 'wmjb-off');
  expect((await app.request('GET', `/api/v1/journeys/customers/${whileOff}/runs`, { token: manager.token })).body.items).toEqual([]);
  await page.context().close();
});

test('switched back on, a contact added afterwards enters it, is greeted once, and the journey page shows 1 entered and the run', async () => {
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', manager.username);
  await row(page, '新客欢迎').locator('[data-test=journey-enabled]').click();
  await row(page, '新客欢迎').locator('[data-test=journey-state]', { hasText: '已开启' }).waitFor();
  expect((await journeysOnServer())[0].enabled).toBe(true);

  entered = await newContact('新朋友', 'wmjb-new');
  offset += 61_000; // the welcome waits a minute, so WeCom has recorded when the contact was added
  await app.rt.services.journeys.tick();
  await app.rt.services.journeys.tick();
  expect(sentTo(fake, WELCOME)).toEqual(new Map([['wmjb-new', 1]]));

  await page.reload();
  expect(await row(page, '新客欢迎').locator('[data-test=journey-figures]').innerText()).toBe('进入 1 · 进行中 1 · 完成 0 · 退出 0');
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
  const runs = page.locator('[data-test=journey-run]');
  expect(await runs.count()).toBe(1);
  // A community manager sees customers' names masked, here as everywhere in the console.
  expect(await runs.first().locator('[data-test=run-customer]').innerText()).toBe('新*友');
  expect(await runs.first().locator('[data-test=run-state]').innerText()).toBe('进行中');
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
  expect(await journey.locator('[data-test=customer-journey-log]').allInnerTexts()).toEqual(['第 1 步 · 条件满足，继续', '第 2 步 · 消息已发送', '第 3 步 · 等待 3 天']);
  await screenshot(page, 'sidebar-customer-journeys');
  await page.context().close();
});

test('a sales member has no journeys tab, is refused the page, and the API answers 403', async () => {
  const sales = await app.staff('sales', '销售小王');
  const page = await consolePage(browser);
  await signIn(page, '/h5/console/journeys', sales.username);
  await page.locator('[data-test=console-forbidden]', { hasText: '无权访问' }).waitFor();
  expect(await page.locator('[data-test="nav-console-journeys"]').count()).toBe(0);
  expect(await page.locator('[data-test=journey-row]').count()).toBe(0);
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
  await page.locator('.van-toast', { hasText: '内容不存在或无权查看' }).waitFor();
  expect(await listed.locator('[data-test=journey-enabled]').getAttribute('aria-checked')).toBe('true');
  expect(await listed.locator('[data-test=journey-state]').innerText()).toBe('已开启');
  await page.context().close();
});
