import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, phonePage, screenshot, staffSignIn } from '../support/browser.js';
import { startFakeWecom, type FakeWecom } from '../../scripts/wecom-fake/fake-wecom.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { WecomFollowModel } from '../../server/src/wecom/external-contact.model.js';
import { eventually } from '../integration/desk/mock-chat.js';

/**
 * The sidebar as WeCom opens it: OAuth code in the address, WeCom's user agent, and WeCom's JS bridge.
 * The server talks to the local WeCom stand-in (tickets, OAuth); the page's JS-SDK files are replaced
 * by a stand-in bridge that records what the page asked WeCom to do, as the WeCom client would see it.
 */
const WXWORK_UA =
  'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Mobile Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh';
const EXTERNAL_ID = 'wmFAKEexternal0001';

const BRIDGE = `
window.__wx = { calls: [] };
window.wx = {
  config(o) { window.__wx.calls.push({ api: 'config', args: o, url: location.href.split('#')[0] }); },
  ready(cb) { setTimeout(cb, 0); },
  error() {},
  agentConfig(o) { window.__wx.calls.push({ api: 'agentConfig', args: { ...o, success: undefined, fail: undefined }, url: location.href.split('#')[0] }); setTimeout(() => o.success && o.success(), 0); },
  invoke(api, args, cb) {
    window.__wx.calls.push({ api, args });
    if (api === 'getContext') return setTimeout(() => cb({ err_msg: api + ':ok', entry: window.__entry || 'single_chat_tools' }), 0);
    if (api === 'getCurExternalContact') return setTimeout(() => cb({ err_msg: api + ':ok', userId: '${EXTERNAL_ID}' }), 0);
    if (api === 'getCurExternalChat') return setTimeout(() => cb(window.__chatId ? { err_msg: api + ':ok', chatId: window.__chatId } : { err_msg: api + ':fail' }), 0);
    setTimeout(() => cb({ err_msg: api + ':ok' }), 0);
  },
};`;

let fake: FakeWecom;
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  fake = await startFakeWecom();
  app = await startTestApp({ env: { ...fake.env(), ROLES: 'server,worker' }, plugins: [wecomPlugin(), staticH5Plugin()] });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  fake.corp.addStaff('xiaomei', '小美');
  const staff = await s.staff.create(tenant, {
    username: 'xiaomei_sales',
    name: '小美',
    role: 'sales',
    password: 'harbor-kettle-2026',
    wecomUserId: 'xiaomei',
  });
  await s.customers.identify(tenant, { externalUserId: EXTERNAL_ID }, { name: '企微客户阿兰', ownerStaffId: staff.id }, 'wecom');
  await s.tags.ensure(tenant, '兴趣', '护肤');
  // the customer adds 小美 in WeCom: the callback links the relation, so tag changes can reach WeCom
  await fake.addFriend('xiaomei', { name: '企微客户阿兰', external_userid: EXTERNAL_ID });
  await eventually(
    () => WecomFollowModel.findOne({ tenantId: tenant, externalUserId: EXTERNAL_ID, userid: 'xiaomei', customerId: { $ne: null } }).lean(),
    10_000,
    'the WeCom relation',
  );
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.stop();
});

/** A page inside WeCom; `group` opens it from that customer group's chat toolbar instead of a single chat. */
async function wecomPage(group?: string): Promise<Page> {
  const page = await phonePage(browser, { userAgent: WXWORK_UA });
  if (group) await page.addInitScript((chatId) => Object.assign(globalThis, { __entry: 'group_chat_tools', __chatId: chatId }), group);
  await page.route('https://res.wx.qq.com/**', (r) => r.fulfill({ contentType: 'application/javascript', body: BRIDGE }));
  await page.route('https://open.work.weixin.qq.com/**', (r) => r.fulfill({ contentType: 'application/javascript', body: '' }));
  return page;
}

const calls = (page: Page) => page.evaluate(() => (globalThis as any).__wx?.calls ?? []) as Promise<Array<{ api: string; args: any; url?: string }>>;
const sha1 = (ticket: string, nonce: string, ts: number, url: string) =>
  createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonce}&timestamp=${ts}&url=${url}`).digest('hex');

test("opened from a WeCom chat, the sidebar signs the sales member in by OAuth, registers the JS-SDK with valid signatures, opens the chat's customer, puts a quick reply into the chat and tags the contact in WeCom", async () => {
  const page = await wecomPage();
  await page.goto(`${app.url}/h5/sidebar?code=${fake.oauthCode('xiaomei')}&state=sidebar`);
  // straight to the customer WeCom says this chat is with
  await page.waitForURL(/\/h5\/sidebar\/customers\/[0-9a-f]{24}$/);
  await page.locator('.van-nav-bar__title', { hasText: '企微客户阿兰' }).waitFor();
  expect(await page.locator('[data-test=staff-login]').count()).toBe(0);
  // the one-time code is gone from the address once used
  expect(page.url()).not.toContain('code=');

  const recorded = await calls(page);
  const config = recorded.find((c) => c.api === 'config')!;
  const agent = recorded.find((c) => c.api === 'agentConfig')!;
  const client = app.rt.services.wecom.client;
  expect(config.args).toMatchObject({
    beta: true,
    appId: fake.options.corpId,
    jsApiList: ['getContext', 'getCurExternalContact', 'getCurExternalChat', 'sendChatMessage'],
  });
  expect(config.args.signature).toBe(sha1(await client.jsapiTicketValue(), config.args.nonceStr, config.args.timestamp, config.url!));
  expect(agent.args).toMatchObject({ corpid: fake.options.corpId, agentid: fake.options.agentId });
  expect(agent.args.signature).toBe(sha1(await client.agentTicketValue(), agent.args.nonceStr, agent.args.timestamp, agent.url!));
  expect(recorded.some((c) => c.api === 'getCurExternalContact')).toBe(true);
  await screenshot(page, 'sidebar-wecom');

  await page.locator('[data-test=quick-replies] .van-tag').first().click();
  await page.locator('.van-toast', { hasText: '已插入聊天输入框' }).waitFor();
  const send = (await calls(page)).find((c) => c.api === 'sendChatMessage');
  expect(send?.args).toEqual({ msgtype: 'text', text: { content: '企微客户阿兰您好，感谢联系我们，请问有什么可以帮您？' } });

  // a tag added in the sidebar is marked on the contact in WeCom too
  await page.locator('[data-test=edit-tags]').click();
  await page.locator('[data-test="tag-option-护肤"]').click();
  await page.locator('[data-test=save-tags]').click();
  await page.locator('[data-test=customer-tag]', { hasText: '护肤' }).waitFor();
  await eventually(
    () => {
      const ids = fake.corp.contacts.get(EXTERNAL_ID)?.follows.get('xiaomei')?.tagIds ?? [];
      return ids.map((id) => fake.corp.tagById(id)?.tag.name).includes('护肤');
    },
    15_000,
    'the tag in WeCom',
  );

  // back to the picker stays there (no bounce), with a way back to this chat's customer
  await page.locator('.van-nav-bar__left').click();
  await page.locator('[data-test=wecom-contact]').waitFor();
  expect(page.url()).toBe(`${app.url}/h5/sidebar`);
  await page.locator('[data-test=wecom-contact]').click();
  await page.locator('.van-nav-bar__title', { hasText: '企微客户阿兰' }).waitFor();
  await page.context().close();
});

test('opened from a customer group chat, the sidebar shows the group: members, buyers first, and opens the customers the sales member may see', async () => {
  const other = await fake.addFriend('xiaomei', { name: '群友小周' });
  await eventually(
    () => WecomFollowModel.findOne({ tenantId: app.config.DEFAULT_TENANT, externalUserId: other.externalUserId, customerId: { $ne: null } }).lean(),
    10_000,
    'the second contact',
  );
  const { key } = await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop');
  const paid = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: {
      events: [
        {
          eventId: 'group-order-1',
          type: 'order.paid',
          customer: { externalUserId: EXTERNAL_ID },
          occurredAt: new Date().toISOString(),
          data: { orderId: 'G-1', amount: 19_900 },
        },
      ],
    },
  });
  expect(paid.status).toBe(200);
  await app.settle();
  const { chatId } = await fake.createGroup('xiaomei', '阿兰的护肤群', [other.externalUserId, EXTERNAL_ID]);

  const page = await wecomPage(chatId);
  await page.goto(`${app.url}/h5/sidebar?code=${fake.oauthCode('xiaomei')}&state=sidebar`);
  await page.waitForURL(`**/h5/sidebar/groups/${chatId}`);
  await page.locator('.van-nav-bar__title', { hasText: '阿兰的护肤群' }).waitFor();
  expect(await page.locator('[data-test=group-facts]').innerText()).toContain('3 人（客户 2 · 员工 1）');
  expect(await page.locator('[data-test=group-buyers]').innerText()).toContain('1');
  const rows = page.locator('[data-test=group-customer]');
  expect(await rows.count()).toBe(2);
  expect(await rows.nth(0).innerText()).toContain('企微客户阿兰');
  expect(await rows.nth(0).innerText()).toContain('¥199.00');
  expect(await rows.nth(1).innerText()).toContain('未下单');
  expect((await calls(page)).some((c) => c.api === 'getCurExternalChat')).toBe(true);
  await screenshot(page, 'sidebar-wecom-group');

  // a quick reply goes into the group chat
  await page.locator('[data-test=quick-replies] .van-tag').nth(1).click();
  await page.locator('.van-toast', { hasText: '已插入聊天输入框' }).waitFor();
  expect((await calls(page)).filter((c) => c.api === 'sendChatMessage').at(-1)?.args).toEqual({
    msgtype: 'text',
    text: { content: '您的订单已发货，可在小程序中查看物流。' },
  });

  await rows.nth(0).click();
  await page.waitForURL(/\/h5\/sidebar\/customers\/[0-9a-f]{24}$/);
  await page.locator('.van-nav-bar__title', { hasText: '企微客户阿兰' }).waitFor();
  await page.context().close();
});

test('a WeCom user without a linked staff account sees why, and can still sign in with a password', async () => {
  fake.corp.addStaff('stranger', '陌生人');
  const page = await wecomPage();
  await page.goto(`${app.url}/h5/sidebar?code=${fake.oauthCode('stranger')}`);
  const error = page.locator('[data-test=oauth-error]');
  await error.waitFor();
  // Said in Chinese, naming the WeCom account and what the admin must do.
  expect(await error.innerText()).toMatch(/企业微信账号（stranger）还没有关联员工账号.*填写企业微信 userid/);
  await page.locator('[data-test=staff-login]').waitFor();
  await page.context().close();
});

test('a community manager creates a channel QR code served by a WeCom-linked sales member, and WeCom holds it', async () => {
  const manager = await app.staff('community_manager', '运营小郑');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/codes`, manager.username);
  await page.locator('[data-test=new-code]').click();
  await page.locator('input[data-test=code-name]').fill('门店海报码');
  await page.locator('[data-test=code-staff]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '小美' }).click();
  await page.locator('textarea[data-test=code-welcome]').fill('欢迎光临，回复“会员”领取新人券');
  await page.locator('[data-test=code-save]').click();
  const row = page.locator('[data-test=codes-table] .el-table__row', { hasText: '门店海报码' });
  await row.waitFor();
  expect(await row.innerText()).toContain('累计 0');
  await screenshot(page, 'console-channel-codes');

  const listed = (await app.request('GET', '/api/v1/wecom/contact-ways', { token: manager.token })).body.items;
  const way = listed.find((w: { name: string }) => w.name === '门店海报码');
  expect(way.qrCode).toBeTruthy();
  expect(await row.locator('img').getAttribute('src')).toBe(way.qrCode);
  // the code is an image the manager can print: it loads, as WeCom's qr_code link does
  await eventually(() => row.locator('img').evaluate((img: any) => img.complete && img.naturalWidth > 100), 5_000, 'the QR image');
  expect(fake.corp.contactWays.get(way.configId)?.user).toEqual(['xiaomei']);
  await page.context().close();

  // a customer who scans it is shown in 小美's sidebar as coming from that code, by its name
  const scanned = await fake.scan(way.configId, { name: '扫码客小林' });
  const follow = await eventually(
    () => WecomFollowModel.findOne({ tenantId: app.config.DEFAULT_TENANT, externalUserId: scanned.externalUserId, customerId: { $ne: null } }).lean(),
    10_000,
    'the scan',
  );
  const sales = await phonePage(browser);
  await staffSignIn(sales, `${app.url}/h5/sidebar/customers/${follow!.customerId}`, 'xiaomei_sales');
  await sales.locator('[data-test=profile-source]', { hasText: '渠道活码 · 门店海报码' }).waitFor();
  await sales.context().close();
});
