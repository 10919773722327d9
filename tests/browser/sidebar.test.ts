import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, phonePage, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/** A sales member works one of their customers in the sidebar, outside WeCom (customer picker). */
let app: TestApp;
let browser: Browser;
let sales: { id: string; token: string; username: string };
let mine: string;
let theirs: string;
let tagId: string;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()] });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  sales = await app.staff('sales', '销售小周');
  const other = await app.staff('sales', '销售小吴');
  mine = await s.customers.identify(tenant, { phone: '13900000001' }, { name: '林小雨', city: '杭州', ownerStaffId: sales.id });
  theirs = await s.customers.identify(tenant, { phone: '13900000002' }, { name: '赵大海', ownerStaffId: other.id });
  tagId = (await s.tags.ensure(tenant, '兴趣', '护肤')).id;
  await s.tags.ensure(tenant, '兴趣', '彩妆');
  const admin = await app.staff('admin');
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: { name: '导购专享券', kind: 'amount', amountOff: 1_500, threshold: 10_000, channels: ['staff'], validity: { kind: 'relative', days: 14 }, stock: 10 },
  });
  expect(tpl.status).toBe(201);
  const key = (await s.staff.createApiKey(tenant, 'shop')).key;
  const paid = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: {
      events: [
        {
          eventId: 'sb-1',
          type: 'order.paid',
          occurredAt: '2026-11-01T08:00:00Z',
          customer: { phone: '13900000001' },
          data: { orderId: 'SO-1', amount: 12_900 },
        },
      ],
    },
  });
  expect(paid.body.accepted).toBe(1);
  await app.settle();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const signIn = (page: Page, path: string) => staffSignIn(page, app.url + path, sales.username);

test('a sales member picks their customer, adds a tag, a note and a follow-up, and they are saved', async () => {
  const page = await phonePage(browser);
  await signIn(page, '/h5/sidebar');

  const rows = page.locator('[data-test=customer-row]');
  await rows.filter({ hasText: '林小雨' }).waitFor();
  // another sales member's customer is not in this member's book
  expect(await rows.filter({ hasText: '赵大海' }).count()).toBe(0);
  await screenshot(page, 'sidebar-picker');

  await rows.filter({ hasText: '林小雨' }).click();
  await page.waitForURL(`**/h5/sidebar/customers/${mine}`);
  await page.locator('[data-test=profile-name]', { hasText: '林小雨' }).waitFor();
  // the owner sees the full phone; amounts come from fen
  await page.locator('[data-test=profile-phone]', { hasText: '13900000001' }).waitFor();
  await page.locator('[data-test=total-paid]', { hasText: '¥129.00' }).waitFor();

  await page.locator('[data-test=edit-tags]').click();
  await page.locator('[data-test="tag-option-护肤"]').click();
  await page.locator('[data-test=save-tags]').click();
  await page.locator('[data-test=customer-tag]', { hasText: '护肤' }).waitFor();

  await page.locator('[data-test=note-input] textarea').fill('喜欢清爽型面霜，下周到店');
  await page.locator('[data-test=add-note]').click();
  await page.locator('[data-test=note]', { hasText: '喜欢清爽型面霜' }).waitFor();

  await page.locator('[data-test=follow-up-input] input').fill('周五回访试用感受');
  await page.locator('[data-test=add-follow-up]').click();
  const task = page.locator('[data-test=follow-up]', { hasText: '周五回访试用感受' });
  await task.locator('[data-test=complete-follow-up]').click();
  await task.locator('[data-test=complete-follow-up]').waitFor({ state: 'detached' });

  // one-tap coupon and a points adjustment, each landing once on the server
  const before = (await app.request('GET', `/api/v1/loyalty/members/${mine}`, { token: sales.token })).body.balance ?? 0;
  await page.locator('[data-test=send-coupon]').click();
  await page.locator('.van-action-sheet__item:visible', { hasText: '导购专享券' }).click();
  await page.locator('[data-test=sidebar-coupon]', { hasText: '导购专享券' }).waitFor();
  await page.locator('[data-test=adjust-points]').click();
  await page.locator('[data-test=adjust-amount] input').fill('50');
  await page.locator('[data-test=adjust-reason] input').fill('到店试用反馈奖励');
  await page.locator('.van-dialog:visible .van-dialog__confirm').click();
  await page.locator('[data-test=sidebar-points]', { hasText: String(before + 50) }).waitFor();
  await screenshot(page, 'sidebar-customer');

  const saved = await app.request('GET', `/api/v1/customers/${mine}`, { token: sales.token });
  expect(saved.body.tags).toEqual([tagId]);
  expect(saved.body.notes.map((n: { text: string }) => n.text)).toEqual(['喜欢清爽型面霜，下周到店']);
  expect(saved.body.followUps).toEqual([expect.objectContaining({ title: '周五回访试用感受', status: 'done' })]);
  const card = await app.request('GET', `/api/v1/loyalty/members/${mine}`, { token: sales.token });
  expect(card.body.balance).toBe(before + 50);
  expect(card.body.availableCoupons.map((c: { name: string }) => c.name)).toEqual(['导购专享券']);
  await page.context().close();
});

test("a sales member who opens another member's customer by address sees 'not found', not the profile", async () => {
  const page = await phonePage(browser);
  await signIn(page, `/h5/sidebar/customers/${theirs}`);
  await page.locator('[data-test=state-error]').waitFor();
  expect(await page.locator('[data-test=state-error]').innerText()).toContain('内容不存在或无权查看');
  expect(await page.locator('body').innerText()).not.toContain('赵大海');
  await page.context().close();
});

test('the sidebar speaks Chinese by default and English with ?lang=en', async () => {
  const page = await phonePage(browser);
  await page.goto(`${app.url}/h5/sidebar`);
  expect(await page.locator('[data-test=staff-login] h2').innerText()).toBe('员工登录');
  await page.goto(`${app.url}/h5/sidebar?lang=en`);
  expect(await page.locator('[data-test=staff-login] h2').innerText()).toBe('Staff sign-in');
  await page.context().close();
});

test("a community manager writes a reply in the 话术库; the sales sidebar offers it with the customer's name and balance filled in", async () => {
  const manager = await app.staff('community_manager', '运营小郑');
  const admin = await app.staff('admin');
  const gift = await app.request('POST', `/api/v1/loyalty/members/${mine}/points`, {
    token: admin.token,
    body: { points: 360, reason: '老客回馈', idempotencyKey: 'sidebar-replies-gift' },
  });
  expect(gift.status).toBe(201);
  const { balance } = (await app.request('GET', `/api/v1/loyalty/members/${mine}`, { token: admin.token })).body;
  expect(balance).toBeGreaterThanOrEqual(360);
  const filled = `林小雨您好，您有 ${balance} 积分可用，记得来兑换哦`;

  const console = await consolePage(browser);
  await staffSignIn(console, `${app.url}/h5/console/replies`, manager.username);
  await console.locator('.el-tabs__item', { hasText: /^话术$/ }).click();
  await console.locator('[data-test=add-reply]').click();
  const form = console.locator('[data-test=reply-form]');
  await form.locator('textarea[data-test=reply-text]').fill('{name}您好，您有 {points} 积分可用，记得来兑换哦');
  await form.locator('[data-test=reply-save]').click();
  // no title: the server's reason is shown and the form stays open with the text kept
  await form.locator('[data-test=reply-error]', { hasText: /标题|title/ }).waitFor();
  expect(await form.locator('textarea[data-test=reply-text]').inputValue()).toContain('{points}');
  await form.locator('input[data-test=reply-title]').fill('积分提醒');
  await form.locator('[data-test=reply-save]').click();
  const replyRow = console.locator('[data-test=canned-table] .el-table__row', { hasText: '积分提醒' });
  await replyRow.waitFor();
  await form.waitFor({ state: 'hidden' });
  await screenshot(console, 'console-replies');

  const page = await phonePage(browser);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, `/h5/sidebar/customers/${mine}`);
  // the balance is filled in once the sidebar has read it
  const reply = page.locator('[data-test="quick-reply-积分提醒"]', { hasText: filled });
  await reply.waitFor();
  // the brand's own replies replace the general phrases
  expect(await page.locator('[data-test=quick-replies] .van-tag').count()).toBe(1);
  await reply.click();
  await page.locator('.van-toast', { hasText: '已复制' }).waitFor();
  expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>)).toBe(filled);

  await replyRow.locator('[data-test=delete-reply]').click();
  await console.locator('.el-message-box__btns .el-button--danger').click();
  await replyRow.waitFor({ state: 'detached' });
  await page.reload();
  await page.locator('[data-test=quick-replies] .van-tag', { hasText: '林小雨您好，感谢联系我们' }).waitFor();
  await console.context().close();
  await page.context().close();
});

test("the sidebar's first screen lists the sales member's open follow-ups; a task opens its customer", async () => {
  const admin = await app.staff('admin');
  const task = await app.request('POST', `/api/v1/customers/${mine}/follow-ups`, {
    token: admin.token,
    body: { title: '回访林小雨的面霜试用感受', assigneeId: sales.id, dueAt: '2026-11-20T02:00:00Z' },
  });
  expect(task.status).toBe(201);
  const open = (await app.request('GET', '/api/v1/follow-ups?status=open', { token: sales.token })).body;

  const page = await phonePage(browser);
  await signIn(page, '/h5/sidebar');
  const tasks = page.locator('[data-test=my-tasks]');
  expect(open.total).toBe(open.items.length);
  await tasks.getByText(`我的待办（${open.total}）`).click();
  const row = page.locator('[data-test=my-task]', { hasText: '回访林小雨的面霜试用感受' });
  expect(await row.innerText()).toContain('2026/11/20 前完成');
  await row.click();
  await page.waitForURL(`**/h5/sidebar/customers/${mine}`);
  await page.locator('[data-test=profile-name]', { hasText: '林小雨' }).waitFor();
  await page.context().close();
});
