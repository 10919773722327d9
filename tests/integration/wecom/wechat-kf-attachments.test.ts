import { startTestApp, type TestApp } from '../../support/harness.js';
import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';
import { setFakeClock } from '../../../scripts/wecom-fake/fake-corp.js';
import { wecomPlugin } from '../../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import { ConversationModel } from '../../../server/src/modules/conversations/conversation.model.js';
import { eventually } from './wecom-harness.js';

// Images and files both ways on 微信客服, against the local WeCom through real encrypted callbacks:
// in via sync_msg + media/get, out via media/upload + send_msg msgtype image/file.
const clock = Date.parse('2026-03-02T02:00:00Z');
const now = () => new Date(clock);
let fake: FakeWecom;
let app: TestApp;
let kfId: string;
let agent: { token: string };
const tenant = () => app.config.DEFAULT_TENANT;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

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
  const s = app.rt.services;
  await s.staff.create(tenant(), { username: 'kf_att', name: '阿杰', role: 'agent', password: 'harbor-kettle-2026' });
  agent = { token: (await s.staff.login(tenant(), 'kf_att', 'harbor-kettle-2026')).token };
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
const history = async (id: string) => (await as('GET', `/api/v1/conversations/${id}/messages`)).body.items as any[];

test('a picture the customer sends on 微信客服 is fetched with media/get and shown in the chat', async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '小芸' }, '你好');
  const c = await conversationOf(externalUserId);
  await fake.kf.customerSendsMedia(kfId, externalUserId, 'image', { name: '破损照片.png', mime: 'image/png', bytes: PNG });
  const msg = await eventually(async () => (await history(String(c._id))).find((m) => m.type === 'image') ?? Promise.reject(new Error('no image yet')));
  expect(msg).toMatchObject({ direction: 'in', author: 'customer', media: { name: '破损照片.png', mime: 'image/png', attachmentId: expect.any(String) } });
  const res = await fetch(`${app.url}/api/v1/desk/attachments/${msg.media.attachmentId}`, { headers: { authorization: `Bearer ${agent.token}` } });
  expect(res.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
  expect(fake.callsTo('media/get')).toHaveLength(1);
});

test('a voice message and a video the customer sends on 微信客服 are kept as attachments (voice as AMR, video as MP4)', async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '小声' }, '听我说');
  const c = await conversationOf(externalUserId);
  const amr = Buffer.from('#!AMR\n\x3c\x48\x77\x54');
  const mp4 = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]);
  await fake.kf.customerSendsMedia(kfId, externalUserId, 'voice', { name: '语音.amr', mime: 'audio/amr', bytes: amr });
  await fake.kf.customerSendsMedia(kfId, externalUserId, 'video', { name: '开箱.mp4', mime: 'video/mp4', bytes: mp4 });
  const both = await eventually(async () => {
    const h = (await history(String(c._id))).filter((m) => m.media?.attachmentId);
    return h.length === 2 ? h : Promise.reject(new Error('not both yet'));
  });
  expect(both.find((m) => m.type === 'audio')).toMatchObject({ direction: 'in', media: { name: '语音.amr', mime: 'audio/amr', size: amr.length } });
  expect(both.find((m) => m.type === 'video')).toMatchObject({ direction: 'in', media: { name: '开箱.mp4', mime: 'video/mp4', size: mp4.length } });
  for (const [m, bytes] of [
    [both.find((x) => x.type === 'audio'), amr],
    [both.find((x) => x.type === 'video'), mp4],
  ] as const) {
    const res = await fetch(`${app.url}/api/v1/desk/attachments/${m.media.attachmentId}`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  }
});

test('an agent sends an image and a file on 微信客服: media/upload, then send_msg image/file; both show sent', async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '阿宽' }, '发票呢');
  const c = await conversationOf(externalUserId);
  const id = String(c._id);
  expect((await as('POST', `/api/v1/conversations/${id}/take`)).status).toBe(200);
  const upload = async (bytes: Buffer, type: string, name: string) =>
    (await (
      await fetch(`${app.url}/api/v1/desk/attachments?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}`, 'content-type': type },
        body: bytes,
      })
    ).json()) as any;
  const image = await upload(PNG, 'image/png', '发货单.png');
  const pdf = Buffer.from('%PDF-1.4\n发票内容\n');
  const file = await upload(pdf, 'application/pdf', '电子发票.pdf');
  const sentImage = await as('POST', `/api/v1/conversations/${id}/messages`, { attachmentId: image.attachmentId });
  const sentFile = await as('POST', `/api/v1/conversations/${id}/messages`, { attachmentId: file.attachmentId });
  expect([sentImage.status, sentFile.status]).toEqual([201, 201]);

  const media = await eventually(() => {
    const out = fake.kf.sentTo(externalUserId).filter((m) => m.msgtype);
    return out.length === 2 ? out : Promise.reject(new Error('not sent yet'));
  });
  expect(media.map((m) => m.msgtype)).toEqual(['image', 'file']);
  expect(fake.kf.mediaOf(media[0].media_id!)).toMatchObject({ type: 'image', name: '发货单.png' });
  expect(fake.kf.mediaOf(media[0].media_id!)!.bytes.equals(PNG)).toBe(true);
  expect(fake.kf.mediaOf(media[1].media_id!)).toMatchObject({ type: 'file', name: '电子发票.pdf' });
  expect(fake.kf.mediaOf(media[1].media_id!)!.bytes.equals(pdf)).toBe(true);
  // The send carries our message id, as the text replies do.
  expect(media[0].msgid).toBe(sentImage.body.id);
  await eventually(async () => {
    const h = await history(id);
    const states = [sentImage.body.id, sentFile.body.id].map((m) => h.find((x) => x.id === m)?.delivery);
    return states.every((s) => s === 'sent') || Promise.reject(new Error(`not sent: ${states}`));
  });
});

test("a bot answer WeCom refuses shows failed with WeCom's reason, and offers no 重试", async () => {
  await app.rt.services.desk.rules.createRule(tenant(), {
    kind: 'keyword',
    keywords: ['运费'],
    reply: '满99包邮。',
    action: 'reply',
    priority: 10,
    active: true,
  });
  fake.corp.faults.push({ path: 'kf/send_msg', times: 1, errcode: 95018, errmsg: 'send msg session status invalid' });
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '阿诺' }, '运费多少');
  const c = await conversationOf(externalUserId);
  const failed = await eventually(
    async () => (await history(String(c._id))).find((m) => m.author === 'bot' && m.delivery === 'failed') ?? Promise.reject(new Error('no failure yet')),
  );
  expect(failed.deliveryError).toMatch(/95018/);
  expect(failed.retryable).toBe(false);
});

test('an access token WeCom no longer takes is refreshed once for media/upload, and the picture still goes out', async () => {
  const { externalUserId } = await fake.kf.customerSends(kfId, { nickname: '阿洛' }, '看看图');
  const c = await conversationOf(externalUserId);
  expect((await as('POST', `/api/v1/conversations/${c._id}/take`)).status).toBe(200);
  const up = (await (
    await fetch(`${app.url}/api/v1/desk/attachments?name=${encodeURIComponent('图.png')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'image/png' },
      body: PNG,
    })
  ).json()) as any;
  // The take's greeting is out first, so the upload is the first call on the forgotten token.
  await eventually(() => (fake.kf.sentTo(externalUserId).some((m) => /阿杰/.test(m.text)) ? true : Promise.reject(new Error('no greeting yet'))));
  const uploadsBefore = fake.callsTo('media/upload').length;
  // WeCom forgets every token it issued (as after a secret reset): ours is rejected with 40014.
  fake.corp.tokens.clear();
  expect((await as('POST', `/api/v1/conversations/${c._id}/messages`, { attachmentId: up.attachmentId })).status).toBe(201);
  await eventually(() => (fake.kf.sentTo(externalUserId).some((m) => m.msgtype === 'image') ? true : Promise.reject(new Error('not sent yet'))));
  expect(fake.callsTo('media/upload').length - uploadsBefore).toBe(2);
});
