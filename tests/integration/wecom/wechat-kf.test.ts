import { startTestApp, type TestApp } from '../../support/harness.js';
import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';
import { setFakeClock } from '../../../scripts/wecom-fake/fake-corp.js';
import { wecomPlugin } from '../../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';
import { KfCursorModel } from '../../../server/src/modules/wechat-kf/kf.model.js';
import { ConversationModel, MessageModel } from '../../../server/src/modules/conversations/conversation.model.js';
import { refusalInChinese } from '../../../h5/src/modules/refusals.js';
import { eventually } from './wecom-harness.js';

// 微信客服 end to end against the local WeCom: real encrypted callbacks, sync_msg, send_msg. The
// clock is pinned (and moved) for both sides, so the 48-hour window does not depend on today.
let clock = Date.parse('2026-03-02T02:00:00Z');
const now = () => new Date(clock);
let fake: FakeWecom;
let app: TestApp;
let kfId: string;
let agent: { id: string; token: string };
const tenant = () => app.config.DEFAULT_TENANT;
const s = () => app.rt.services;

beforeAll(async () => {
  setFakeClock(now);
  fake = await startFakeWecom();
  app = await startTestApp({
    env: { ...fake.env(), ROLES: 'server,worker', WECOM_KF_ENABLED: 'true', BOT_OUTBOUND_POLL_MS: '200' },
    plugins: [wecomPlugin(), wechatKfPlugin()],
    now,
  });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  kfId = fake.kf.addAccount('品牌客服');
  fake.corp.addStaff('ajie', '阿杰');
  await s().staff.create(tenant(), { username: 'kf_agent', name: '阿杰', role: 'agent', password: 'harbor-kettle-2026', wecomUserId: 'ajie' });
  const login = await s().staff.login(tenant(), 'kf_agent', 'harbor-kettle-2026');
  agent = { id: (await s().staff.findByWecomUserId(tenant(), 'ajie'))!.id, token: login.token };
  await s().desk.rules.createRule(tenant(), {
    kind: 'keyword',
    keywords: ['发货'],
    reply: '{name}您好，下单后48小时内发货。',
    action: 'reply',
    priority: 10,
    active: true,
  });
});
afterAll(async () => {
  await app.stop();
  await fake.stop();
  setFakeClock(undefined);
});

const as = (method: string, path: string, body?: unknown) => app.request(method, path, { token: agent.token, body });
const conversationOf = (externalUserId: string) =>
  eventually(
    async () => (await ConversationModel.findOne({ tenantId: tenant(), peerId: externalUserId }).lean()) ?? Promise.reject(new Error('no conversation yet')),
  );
/** The chat once the bot has handed it over ('人工'): waiting for an agent, or given to the one online. */
const handedOver = (externalUserId: string) =>
  eventually(
    async () =>
      (await ConversationModel.findOne({ tenantId: tenant(), peerId: externalUserId, state: { $in: ['queued', 'assigned'] } }).lean()) ??
      Promise.reject(new Error('not handed over yet')),
  );

test('a shopper writing to 微信客服 gets the matching rule answered through kf/send_msg, and the chat is in the inbox as wechat_kf', async () => {
  const { externalUserId, delivery } = await fake.kf.customerSends(kfId, { nickname: '小雨' }, '请问什么时候发货？');
  expect(delivery.status).toBe(200);
  expect(delivery.response).toBe('success');
  await eventually(() => expect(fake.kf.sentTo(externalUserId).map((m) => m.text)).toEqual(['小雨您好，下单后48小时内发货。']));
  const c = await conversationOf(externalUserId);
  const list = await as('GET', '/api/v1/conversations?view=all');
  expect(list.status).toBe(200);
  const row = list.body.items.find((x: any) => x.id === String(c._id));
  expect(row).toMatchObject({ channel: 'wechat_kf', kind: 'private', title: '小雨', state: 'bot' });
  const history = await eventually(async () => {
    const h = await as('GET', `/api/v1/conversations/${c._id}/messages`);
    expect(h.body.items.map((m: any) => [m.author, m.text, m.delivery ?? null])).toEqual([
      ['bot', '小雨您好，下单后48小时内发货。', 'sent'],
      ['customer', '请问什么时候发货？', null],
    ]);
    return h.body.items;
  });
  expect(history).toHaveLength(2);
});

test('a callback delivered twice, or a resync from an old cursor, stores each message once and answers once', async () => {
  const { externalUserId, delivery } = await fake.kf.customerSends(kfId, { nickname: '阿明' }, '发货要多久');
  await eventually(() => expect(fake.kf.sentTo(externalUserId)).toHaveLength(1));
  const again = await fake.redeliver(delivery);
  expect(again.status).toBe(200);
  // A later message's callback, then a sync from the very beginning (a lost cursor).
  await fake.kf.customerSends(kfId, { external_userid: externalUserId, nickname: '阿明' }, '还有别的问题');
  const c = await conversationOf(externalUserId);
  await eventually(async () => expect(await MessageModel.countDocuments({ conversationId: c._id, direction: 'in' })).toBe(2));
  await eventually(async () => expect(await WecomCallbackModel.countDocuments({ status: { $ne: 'done' } })).toBe(0));
  await KfCursorModel.updateOne({ tenantId: tenant(), openKfId: kfId }, { $set: { cursor: '' } });
  expect(await s().wechatKf.sync.sync(tenant(), kfId)).toBeGreaterThanOrEqual(3);
  expect(await MessageModel.countDocuments({ conversationId: c._id, direction: 'in' })).toBe(2);
  // The rule's answer once, the fallback for the second message once: nothing said twice.
  expect(fake.kf.sentTo(externalUserId).map((m) => m.text)).toEqual([
    '阿明您好，下单后48小时内发货。',
    '抱歉，我没有听懂。您可以换个说法，或回复「人工」转人工客服。',
  ]);
});

test("agent replies go out through kf/send_msg until WeCom's 5 messages after the customer's last one are used; the 6th is refused with the reason", async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '露露' }, '发货了吗');
  await eventually(() => expect(fake.kf.sentTo(externalUserId)).toHaveLength(1)); // the bot's answer
  const c = await conversationOf(externalUserId);
  expect((await as('POST', `/api/v1/conversations/${c._id}/take`)).status).toBe(200);
  await eventually(() => expect(fake.kf.sentTo(externalUserId).map((m) => m.text)).toContain('您好，我是 阿杰，很高兴为您服务。'));
  for (const text of ['在的', '帮您查一下', '已经发出了']) expect((await as('POST', `/api/v1/conversations/${c._id}/messages`, { text })).status).toBe(201);
  const refused = await as('POST', `/api/v1/conversations/${c._id}/messages`, { text: '第六条' });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('WECHAT_KF_SEND_LIMIT');
  expect(refusalInChinese(refused.body.error)).toBe('微信客服规定客户最后一条消息后最多回复 5 条，已用完：请等客户再次发消息后再回复');
  await eventually(() => expect(fake.kf.sentTo(externalUserId)).toHaveLength(5));
  expect(await MessageModel.countDocuments({ conversationId: c._id, text: '第六条' })).toBe(0);
  // The customer's message brought again by a resync (a lost cursor) opens no fresh window.
  await KfCursorModel.updateOne({ tenantId: tenant(), openKfId: kfId }, { $set: { cursor: '' } });
  await s().wechatKf.sync.sync(tenant(), kfId);
  expect((await as('POST', `/api/v1/conversations/${c._id}/messages`, { text: '第六条' })).body.error?.code).toBe('WECHAT_KF_SEND_LIMIT');
  // WeCom never had to refuse a send: we counted as it does.
  expect(fake.callsTo('kf/send_msg').length).toBe(fake.kf.state.sent.length);
  // The customer writes again: a fresh window.
  await fake.kf.customerSends(kfId, { external_userid: externalUserId, nickname: '露露' }, '好的谢谢');
  await eventually(async () => expect(await MessageModel.countDocuments({ conversationId: c._id, text: '好的谢谢' })).toBe(1));
  expect((await as('POST', `/api/v1/conversations/${c._id}/messages`, { text: '不客气' })).status).toBe(201);
  await eventually(() => expect(fake.kf.sentTo(externalUserId).at(-1)?.text).toBe('不客气'));
  // While our agents answer in the inbox, WeCom's session stays with the API (no 人工接待).
  expect(fake.kf.state.transitions.filter((t) => t.external_userid === externalUserId)).toEqual([]);
});

test("48 hours after the customer's last message the reply is refused (window closed); resolving ends WeCom's session after the goodbye", async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '老周' }, '人工');
  const c = await handedOver(externalUserId);
  expect((await as('POST', `/api/v1/conversations/${c._id}/take`)).status).toBe(200);
  clock += 48 * 3600_000 + 60_000;
  const refused = await as('POST', `/api/v1/conversations/${c._id}/messages`, { text: '还在吗' });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('WECHAT_KF_WINDOW_CLOSED');
  expect(refusalInChinese(refused.body.error)).toBe('距客户最后一条消息已超过 48 小时，微信客服不允许再发消息：请等客户再次发消息');
  await fake.kf.customerSends(kfId, { external_userid: externalUserId, nickname: '老周' }, '在的');
  await eventually(async () => expect(await MessageModel.countDocuments({ conversationId: c._id, text: '在的' })).toBe(1));
  expect((await as('POST', `/api/v1/conversations/${c._id}/resolve`)).status).toBe(200);
  await eventually(() =>
    expect(fake.kf.state.transitions.filter((t) => t.external_userid === externalUserId)).toEqual([
      { open_kfid: kfId, external_userid: externalUserId, from: 0, to: 4 },
    ]),
  );
  expect(fake.kf.sentTo(externalUserId).at(-1)?.text).toBe('本次人工服务已结束，感谢您的耐心。如需帮助，随时留言。');
});

test("a 微信客服 customer whose unionid the member center knows lands on that member's profile", async () => {
  const memberId = await s().customers.identify(tenant(), { unionId: 'union-kf-lin', openId: 'o-mp-lin', appId: 'wx-mp-demo' }, { name: '林会员' }, 'member');
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '林林', unionid: 'union-kf-lin' }, '你好');
  const c = await conversationOf(externalUserId);
  expect(String(c.customerId)).toBe(memberId);
  expect(c.channel).toBe('wechat_kf');
  expect(await s().customers.findByIdentity(tenant(), { externalUserId })).toBe(memberId);
  expect(fake.callsTo('kf/customer/batchget').some((call) => (call.body.external_userid_list as string[]).includes(externalUserId))).toBe(true);
});

test("agents replying at the same moment never pass WeCom's limit together: only the sends left go, the rest are refused", async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '阿杜' }, '人工');
  const c = await handedOver(externalUserId);
  // The online agent gets the chat (take answers it as theirs either way); their greeting is one of the 5.
  expect((await as('POST', `/api/v1/conversations/${c._id}/take`)).status).toBe(200);
  await eventually(() => expect(fake.kf.sentTo(externalUserId).map((m) => m.text)).toContain('您好，我是 阿杰，很高兴为您服务。'));
  const left = 5 - fake.kf.sentTo(externalUserId).length;
  expect(left).toBeGreaterThanOrEqual(3);
  const replies = await Promise.all(['一', '二', '三', '四', '五', '六'].map((text) => as('POST', `/api/v1/conversations/${c._id}/messages`, { text })));
  expect(replies.filter((r) => r.status === 201)).toHaveLength(left);
  expect(replies.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(6 - left).fill('WECHAT_KF_SEND_LIMIT'));
  await eventually(() => expect(fake.kf.sentTo(externalUserId)).toHaveLength(5));
  // Every send to this customer that reached WeCom was taken: none was refused for the limit. (Counted
  // for this customer only: the file's earlier chats may still be delivering their last rows.)
  expect(fake.callsTo('kf/send_msg').filter((call) => call.body.touser === externalUserId)).toHaveLength(5);
});
