import { startTestApp, type TestApp } from '../../support/harness.js';
import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';
import { setFakeClock } from '../../../scripts/wecom-fake/fake-corp.js';
import { wecomPlugin } from '../../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import { ConversationModel } from '../../../server/src/modules/conversations/conversation.model.js';
import { eventually } from './wecom-harness.js';

// Handoff routing on the 微信客服 channel, end to end against the local WeCom: the same rules as the
// bot's chats pick the team, and what the customer hears goes out through kf/send_msg.
const clock = Date.parse('2026-03-03T02:00:00Z');
const now = () => new Date(clock);
let fake: FakeWecom;
let app: TestApp;
let kfId: string;
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
});
afterAll(async () => {
  await app.stop();
  await fake.stop();
  setFakeClock(undefined);
});

test('a 微信客服 customer who writes about a refund and asks for a human waits for the 售后 team and is answered by its member', async () => {
  const manager = await app.staff('community_manager');
  const general = await app.staff('agent', '阿普');
  const aftersales = await app.staff('agent', '阿美');
  const team = await app.request('POST', '/api/v1/desk/teams', { token: manager.token, body: { name: '售后', memberIds: [aftersales.id] } });
  await app.request('PUT', '/api/v1/desk/routing', { token: manager.token, body: { rules: [{ when: 'keyword', values: ['退款'], teamId: team.body.id }] } });
  await s().desk.handoff.setPresence(tenant(), general.id, true, 5);

  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '小退' }, '我要退款');
  await eventually(() => expect(fake.kf.sentTo(externalUserId)).toHaveLength(1));
  await fake.kf.customerSends(kfId, { external_userid: externalUserId, nickname: '小退' }, '人工');
  const queued = await eventually(
    async () =>
      (await ConversationModel.findOne({ tenantId: tenant(), peerId: externalUserId, state: 'queued' }).lean()) ?? Promise.reject(new Error('not queued yet')),
  );
  expect(queued).toMatchObject({ channel: 'wechat_kf', teamId: team.body.id, teamName: '售后' });
  // 阿普 is online with free seats, but not in 售后: the customer hears nobody of the team is there.
  await eventually(() => expect(fake.kf.sentTo(externalUserId).at(-1)?.text).toMatch(/已为您转接人工客服。现在客服都不在线/));

  await s().desk.handoff.setPresence(tenant(), aftersales.id, true, 5);
  await eventually(() => expect(fake.kf.sentTo(externalUserId).at(-1)?.text).toBe('您好，我是 阿美，很高兴为您服务。'));
  expect(await ConversationModel.findOne({ _id: queued._id }).lean()).toMatchObject({ state: 'assigned', assigneeId: aftersales.id });
});
