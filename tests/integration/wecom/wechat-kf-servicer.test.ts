import { startTestApp, type TestApp } from '../../support/harness.js';
import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';
import { wecomPlugin } from '../../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import { ConversationModel } from '../../../server/src/modules/conversations/conversation.model.js';
import { OutboundModel } from '../../../server/src/modules/conversations/outbound.model.js';
import { refusalInChinese } from '../../../h5/src/modules/refusals.js';
import { eventually } from './wecom-harness.js';

// WECOM_KF_AGENTS_ANSWER_IN=wecom: a taken-over 微信客服 chat becomes WeCom's 人工接待 with the agent
// as servicer (kf/service_state/trans 3), who answers in the WeCom app; resolving ends it (4).
let fake: FakeWecom;
let app: TestApp;
let kfId: string;
let agent: { token: string };
const tenant = () => app.config.DEFAULT_TENANT;

beforeAll(async () => {
  fake = await startFakeWecom();
  app = await startTestApp({
    env: { ...fake.env(), ROLES: 'server,worker', WECOM_KF_ENABLED: 'true', WECOM_KF_AGENTS_ANSWER_IN: 'wecom', BOT_OUTBOUND_POLL_MS: '200' },
    plugins: [wecomPlugin(), wechatKfPlugin()],
  });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  kfId = fake.kf.addAccount('品牌客服');
  fake.corp.addStaff('meimei', '美美');
  const s = app.rt.services.staff;
  await s.create(tenant(), { username: 'kf_meimei', name: '美美', role: 'agent', password: 'harbor-kettle-2026', wecomUserId: 'meimei' });
  agent = await s.login(tenant(), 'kf_meimei', 'harbor-kettle-2026');
});
afterAll(async () => {
  await app.stop();
  await fake.stop();
});

const as = (method: string, path: string, body?: unknown) => app.request(method, path, { token: agent.token, body });

test('an agent taking a 微信客服 chat becomes its WeCom servicer; their WeCom-app answers show in the inbox; resolving ends the session and the bot answers again', async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '阿花' }, '人工');
  const c = await eventually(
    async () =>
      (await ConversationModel.findOne({ tenantId: tenant(), peerId: externalUserId, state: 'queued' }).lean()) ?? Promise.reject(new Error('not queued yet')),
  );
  expect((await as('POST', `/api/v1/conversations/${c._id}/take`)).status).toBe(200);
  await eventually(() =>
    expect(fake.callsTo('kf/service_state/trans').map((call) => call.body)).toContainEqual({
      open_kfid: kfId,
      external_userid: externalUserId,
      service_state: 3,
      servicer_userid: 'meimei',
    }),
  );
  expect(fake.kf.state.session(kfId, externalUserId)).toMatchObject({ state: 3, servicer_userid: 'meimei' });

  // WeCom refuses API messages in 人工接待, so the inbox says where to answer instead of failing later.
  const refused = await as('POST', `/api/v1/conversations/${c._id}/messages`, { text: '您好' });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('WECHAT_KF_ANSWER_IN_WECOM');
  expect(refusalInChinese(refused.body.error)).toBe('这个微信客服会话已转给你在企业微信里人工接待，请在企业微信客户端回复客户');
  expect((await as('GET', `/api/v1/conversations/${c._id}`)).body.replyWindow).toMatchObject({ reason: 'wecom' });

  await fake.kf.servicerSends(kfId, externalUserId, 'meimei', '您好，我是美美');
  await eventually(async () => {
    const h = await as('GET', `/api/v1/conversations/${c._id}/messages`);
    // WeCom's send_time has whole seconds, so it may sort just before the greeting of the same second.
    expect(h.body.items.find((m: any) => m.text === '您好，我是美美')).toMatchObject({ direction: 'out', author: 'agent' });
  });

  expect((await as('POST', `/api/v1/conversations/${c._id}/resolve`)).status).toBe(200);
  await eventually(() => expect(fake.kf.state.session(kfId, externalUserId).state).toBe(4));
  // What WeCom would not take while the servicer had the chat is not kept to be said later (a 转接
  // notice or a greeting after the end would be out of place): nothing waits to be sent.
  await eventually(async () =>
    expect((await OutboundModel.find({ tenantId: tenant(), conversationId: c._id, state: { $in: ['queued', 'sending'] } }).lean()).map((r) => r.text)).toEqual(
      [],
    ),
  );
  const before = fake.kf.sentTo(externalUserId).length;
  await fake.kf.customerSends(kfId, { external_userid: externalUserId, nickname: '阿花' }, '再问一下');
  await eventually(() =>
    expect(
      fake.kf
        .sentTo(externalUserId)
        .slice(before)
        .map((m) => m.text),
    ).toEqual(['抱歉，我没有听懂。您可以换个说法，或回复「人工」转人工客服。']),
  );
});
