import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { WecomFollowModel } from '../../server/src/wecom/external-contact.model.js';
import { eventually } from '../integration/wecom/wecom-harness.js';

/** 在职继承 in the console: an admin hands a sales member's WeCom customers to a colleague and follows the records. */
let fake: FakeWecom;
let app: TestApp;
let browser: Browser;
const customers: string[] = [];

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  app = await startTestApp({ env: { ...fake.env(), ROLES: 'server,worker' }, plugins: [wecomPlugin(), staticH5Plugin()] });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  for (const [userid, name] of [
    ['xiaomei', '小美'],
    ['dawei', '大伟'],
    ['laowang', '老王'],
  ]) {
    fake.corp.addStaff(userid, name);
    await s.staff.create(tenant, { username: userid, name, role: 'sales', password: 'harbor-kettle-2026', wecomUserId: userid });
  }
  await s.staff.create(tenant, { username: 'boss', name: '老板', role: 'admin', password: 'harbor-kettle-2026' });
  for (const name of ['王女士', '李先生']) customers.push((await fake.addFriend('xiaomei', { name })).externalUserId);
  await fake.addFriend('laowang', { name: '赵阿姨' });
  await eventually(async () => expect(await WecomFollowModel.countDocuments({ tenantId: tenant, status: 'active' })).toBe(3));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
});

const signIn = (page: Page) => staffSignIn(page, `${app.url}/h5/console/staff`, 'boss');

async function openTransfer(page: Page) {
  await page.locator('[data-test=staff-table] .el-table__row', { hasText: '小美' }).locator('[data-test=staff-transfer]').click();
  return page.locator('[data-test=transfer-panel]');
}

test('an admin hands 小美’s customers to 大伟 and sees each one waiting, then taken over or refused', async () => {
  const page = await consolePage(browser);
  await signIn(page);
  let panel = await openTransfer(page);
  await panel.locator('[data-test=transfer-counts]', { hasText: '企业微信客户 2 位' }).waitFor();
  await panel.locator('[data-test=transfer-start]').click();
  await page.locator('.el-message', { hasText: '请选择接替成员' }).waitFor(); // nothing is sent without a taker
  expect(fake.callsTo('externalcontact/transfer_customer')).toHaveLength(0);
  await panel.locator('[data-test=transfer-to-大伟]').click();
  await panel.locator('[data-test=transfer-message] textarea').fill('您好，后续由同事大伟为您服务');
  await panel.locator('[data-test=transfer-start]').click();
  await page.locator('.el-message', { hasText: '已发起 2 位' }).waitFor();
  await panel.locator('[data-test=transfer-records] tr', { hasText: '王女士' }).locator('[data-test=transfer-status]', { hasText: '等待接替' }).waitFor();
  await panel.locator('[data-test=transfer-records] tr', { hasText: '李先生' }).locator('[data-test=transfer-status]', { hasText: '等待接替' }).waitFor();
  expect(fake.callsTo('externalcontact/transfer_customer')[0].body).toMatchObject({
    handover_userid: 'xiaomei',
    takeover_userid: 'dawei',
    transfer_success_msg: '您好，后续由同事大伟为您服务',
  });

  // A day later in WeCom: 王女士 is taken over, 李先生 declines.
  await fake.completeTransfer(customers[0]);
  await fake.refuseTransfer(customers[1]);
  await eventually(async () => {
    const items = (
      await app.request('GET', '/api/v1/wecom/transfers', {
        token: (await app.rt.services.staff.login(app.config.DEFAULT_TENANT, 'boss', 'harbor-kettle-2026')).token,
      })
    ).body.items;
    expect(items.map((r: any) => r.status).sort()).toEqual(['refused', 'transferred']);
  });
  await page.locator('[data-test=transfer-panel] .el-drawer__close-btn').click();
  await panel.waitFor({ state: 'hidden' });
  panel = await openTransfer(page);
  await panel.locator('[data-test=transfer-records] tr', { hasText: '王女士' }).locator('[data-test=transfer-status]', { hasText: '已接替' }).waitFor();
  const refused = panel.locator('[data-test=transfer-records] tr', { hasText: '李先生' });
  await refused.locator('[data-test=transfer-status]', { hasText: '客户拒绝' }).waitFor();
  await panel.locator('[data-test=transfer-counts]', { hasText: '企业微信客户 1 位' }).waitFor();
  await refused.scrollIntoViewIfNeeded();
  await screenshot(page, 'console-transfer');
  await page.context().close();
});

test("an admin finds a member who left on WeCom's unassigned list and hands their customer over (离职继承)", async () => {
  fake.resign('laowang');
  const laowang = (await app.rt.services.staff.findByWecomUserId(app.config.DEFAULT_TENANT, 'laowang'))!;
  await app.rt.services.staff.update(app.config.DEFAULT_TENANT, laowang.id, { active: false });
  const page = await consolePage(browser);
  await signIn(page);
  await page.locator('[data-test=open-resigned]').click();
  const row = page.locator('[data-test=resigned-row]', { hasText: '老王' });
  await row.locator('text=待分配 1 位').waitFor();
  await row.click();
  const panel = page.locator('[data-test=transfer-panel]');
  await panel.locator('[data-test=transfer-counts]', { hasText: '企业微信客户 1 位' }).waitFor();
  expect(await panel.locator('[data-test=transfer-message]').count()).toBe(0); // WeCom sends no message on a resigned transfer
  await panel.locator('[data-test=transfer-to-大伟]').click();
  await panel.locator('[data-test=transfer-start]').click();
  await panel.locator('[data-test=transfer-records] tr', { hasText: '赵阿姨' }).locator('[data-test=transfer-status]', { hasText: '等待接替' }).waitFor();
  expect(fake.callsTo('externalcontact/resigned/transfer_customer')[0].body).toMatchObject({ handover_userid: 'laowang', takeover_userid: 'dawei' });
  await page.locator('[data-test=transfer-panel] .el-drawer__close-btn').click();
  await page.locator('[data-test=resigned-section]', { hasText: '没有待分配的离职成员客户' }).waitFor();
  await page.context().close();
});
