import { Types } from 'mongoose';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { grantMarketing } from '../support/consent.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { setFakeClock } from '../../scripts/wecom-fake/fake-corp.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { CustomerModel, IdentityModel } from '../../server/src/modules/customers/customer.model.js';

/**
 * 群发 in the console at 1440×900: a community manager composes a campaign, sees before sending how
 * many it reaches and why the others are skipped (in Chinese), confirms, and watches the progress,
 * the skip reasons, the staff member's confirmation with 提醒, and the list's counts. Messages go to a
 * local WeCom; the worker runs in the server. The clock starts on a fixed morning in Shanghai, so the
 * frequency cap's day never depends on when the test runs.
 */
const BASE = Date.UTC(2026, 2, 10, 2, 0);
const started = Date.now();
const now = () => new Date(BASE + (Date.now() - started));
let app: TestApp;
let fake: FakeWecom;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  setFakeClock(now);
  app = await startTestApp({ env: { ...fake.env(), ROLES: 'server,worker', BROADCAST_TICK_EVERY: '1 second' }, plugins: [staticH5Plugin()], now });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
  setFakeClock(undefined);
});

/** Profiles as a WeCom sync brings them: with an external contact of the owner, or (`ext: false`) without one. */
async function customers(names: string[], owner: { staffId: string; userid: string }, tagId: string, options: { ext?: boolean; consent?: boolean } = {}) {
  const tenantId = app.config.DEFAULT_TENANT;
  const docs = names.map((name, i) => {
    const ext = `wmbc${name.length}${i}${Math.random().toString(36).slice(2, 8)}`;
    if (options.ext !== false) {
      fake.corp.upsertContact({ name, external_userid: ext });
      fake.corp.follow(owner.userid, ext);
    }
    return {
      _id: new Types.ObjectId(),
      tenantId,
      status: 'active',
      name,
      ownerStaffId: owner.staffId,
      followerStaffIds: [owner.staffId],
      tags: [tagId],
      identities: options.ext === false ? [{ type: 'phone', value: `1390000${String(i).padStart(4, '0')}` }] : [{ type: 'externalUserId', value: ext }],
      wecom: { relation: options.ext === false ? 'none' : 'active' },
      aggregates: { orderCount: 0, totalPaid: 0, refundCount: 0, refundedAmount: 0 },
      consents: {},
      sourceChannel: 'wecom',
      gender: 'unknown',
    };
  });
  await CustomerModel.collection.insertMany(docs);
  await IdentityModel.collection.insertMany(docs.map((d) => ({ tenantId, type: d.identities[0].type, key: d.identities[0].value, customerId: d._id })));
  if (options.consent !== false)
    await grantMarketing(
      app.rt.services,
      tenantId,
      docs.map((d) => String(d._id)),
    );
}

test('a community manager composes a campaign, sees its reach with skip reasons in Chinese before 发送, sends it and follows progress, confirmations and results', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  fake.corp.addStaff('wangwu', 'wangwu');
  const owner = {
    staffId: (await s.staff.create(tenant, { username: 'wangwu', name: '王五', role: 'sales', password: 'harbor-kettle-2026', wecomUserId: 'wangwu' })).id,
    userid: 'wangwu',
  };
  const tag = (await s.tags.ensure(tenant, '活动', '春季上新')).id;
  await customers(['林一', '林二', '林三', '林四'], owner, tag);
  await customers(['门店甲', '门店乙'], owner, tag, { ext: false });
  await customers(['没同意'], owner, tag, { consent: false });
  const manager = await app.staff('community_manager', '运营小周');
  await app.request('POST', '/api/v1/segments', {
    token: manager.token,
    body: { name: '春季人群', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } },
  });

  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console`, manager.username);
  await page.locator('[data-test="nav-console-broadcasts"]').click();
  await page.locator('[data-test=new-broadcast]').click();
  const form = page.locator('[data-test=broadcast-form]');
  await form.locator('[data-test=broadcast-name]').fill('春季上新');
  await form.locator('[data-test=broadcast-segment]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '春季人群' }).click();
  await form.locator('[data-test=broadcast-text]').fill('，春季新品到店');
  await form.locator('[data-test=broadcast-text]').press('Home');
  await form.locator('[data-test=insert-name]').click();
  expect(await form.locator('[data-test=broadcast-text]').inputValue()).toBe('，春季新品到店{name}');
  await form.locator('[data-test=broadcast-text]').fill('{name}，春季新品到店');

  // Before sending: the reach, judged by the server as the send will judge, with reasons in words.
  const reach = form.locator('[data-test=broadcast-reach]');
  await reach.locator('[data-test=reach-total]', { hasText: '共 7 位客户：将送达 4，跳过 3' }).waitFor();
  expect(await reach.locator('[data-test=reason-words]').allInnerTexts()).toEqual(['不是企业微信联系人', '未同意接收营销消息']);
  expect(await reach.locator('[data-test=reason-count]').allInnerTexts()).toEqual(['2', '1']);
  await form.locator('[data-test=preview-text]', { hasText: '林一，春季新品到店' }).waitFor();
  // The drawer uses the desktop's width: the form and the reach side by side.
  const formBox = (await form.boundingBox())!;
  const reachBox = (await reach.boundingBox())!;
  expect(formBox.width).toBeGreaterThan(1000);
  expect(reachBox.x).toBeGreaterThan(formBox.x + 500);
  await screenshot(page, 'console-broadcast-composer');

  // 发送 asks once more, with the reach; nothing is created until confirmed.
  await form.locator('[data-test=create-broadcast]').click();
  const box = page.locator('.el-message-box');
  await box.locator('.el-message-box__message', { hasText: '「春季上新」将送达 4 位客户，跳过 3。确认发送？' }).waitFor();
  expect((await app.request('GET', '/api/v1/broadcasts', { token: manager.token })).body.total).toBe(0);
  await box.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForURL(/\/h5\/console\/broadcasts\/[0-9a-f]{24}$/);

  // Progress and the reasons, as the send recorded them: the numbers the reach gave.
  await page.locator('[data-test=broadcast-status]', { hasText: '已完成' }).waitFor({ timeout: 30_000 });
  expect(await page.locator('[data-test=broadcast-counts]').innerText()).toBe('已处理 7/7：成功 4，失败 0，跳过 3');
  expect(await page.locator('[data-test=broadcast-reasons] [data-test=reason]').allInnerTexts()).toEqual(['不是企业微信联系人', '未同意接收营销消息']);
  const sent = [...fake.corp.msgTemplates.values()].filter((t) => t.input.text?.content?.endsWith('，春季新品到店'));
  expect(sent.map((t) => t.input.text!.content).sort()).toEqual(
    ['林一，春季新品到店', '林二，春季新品到店', '林三，春季新品到店', '林四，春季新品到店'].sort(),
  );

  // Each {name} text is its own WeCom task for 王五 to confirm; 提醒 asks WeCom to remind him.
  const senders = page.locator('[data-test=broadcast-senders]');
  await senders.locator('[data-test=sender-name]', { hasText: '王五' }).waitFor();
  expect(await senders.locator('[data-test=sender-state]').innerText()).toBe('待确认');
  await senders.locator('[data-test=sender-remind]').click();
  await page.locator('.el-message', { hasText: '已通过企业微信提醒' }).waitFor();
  expect(sent.every((t) => t.reminders === 1)).toBe(true);
  for (const t of sent) fake.corp.confirmGroupMsg(t.msgid, 'wangwu');
  await page.locator('[data-test=broadcast-sync]').click();
  await page.locator('[data-test=figure-awaiting]', { hasText: /^0$/ }).waitFor();
  await senders.locator('[data-test=sender-state]', { hasText: '已发送' }).waitFor();
  // 林一 orders after the message: the results count the conversion and the revenue.
  const lin = await CustomerModel.findOne({ tenantId: tenant, name: '林一' }).lean();
  const ext = (lin!.identities as Array<{ type: string; value: string }>).find((i) => i.type === 'externalUserId')!.value;
  await s.events.ingest(tenant, [
    {
      eventId: 'bc-order-1',
      type: 'order.paid',
      occurredAt: now().toISOString(),
      customer: { externalUserId: ext },
      data: { orderId: 'bc-o-1', amount: 12_900 },
    },
  ]);
  await s.events.settle();
  await page.reload();
  await page.locator('[data-test=broadcast-results] [data-test=arm-revenue]', { hasText: '¥129.00' }).waitFor();
  await screenshot(page, 'console-broadcast-campaign');

  // The list: a server-side table with the run's sent / skipped / failed.
  await page.locator('[data-test="nav-console-broadcasts"]').click();
  const row = page.locator('[data-test=broadcast-table] .el-table__row', { hasText: '春季上新' });
  expect(await row.locator('[data-test=row-counts]').innerText()).toBe('4 / 3 / 0');
  expect(await row.locator('[data-test=row-status]').innerText()).toBe('已完成');
  await page.context().close();
}, 90_000);
