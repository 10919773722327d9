import { FileBox } from 'file-box';
import { startMockChat, eventually, sleep, type MockChat } from './desk/mock-chat.js';

/** Images and files both ways on the bot channel (Wechaty FileBox through the mock puppet). */
let chat: MockChat;
let agent: { id: string; token: string };
beforeAll(async () => {
  chat = await startMockChat();
  agent = await chat.app.staff('agent', '小周');
  await chat.app.request('POST', '/api/v1/desk/presence', { token: agent.token, body: { online: true } });
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Raw-body upload, as the page sends it. */
async function upload(token: string, bytes: Buffer, type: string, name: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${chat.app.url}/api/v1/desk/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type, ...headers },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function assignedChat(name: string) {
  const user = chat.contact(name);
  // Files the bot account sends this user, as the user's WeChat receives them.
  const files: Array<{ type: number; name: string; bytes: Buffer }> = [];
  (user.mock as any).on('message', (msg: any) => {
    const json = (chat.mocker as any).cacheFileBoxPayload.get(msg.payload.id);
    if (msg.payload.talkerId === chat.account.id && json) files.push({ type: msg.payload.type, name: json.name, bytes: Buffer.from(json.base64, 'base64') });
  });
  user.say('人工');
  await user.hears(/我是 小周/);
  const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id));
  return { user, files, id: String(conv._id) };
}

const history = async (id: string) => (await chat.app.request('GET', `/api/v1/conversations/${id}/messages`, { token: agent.token })).body.items as any[];

test('an agent sends an image: the customer receives the picture once and the chat shows it sent', async () => {
  const { files, id } = await assignedChat('伊娃');
  const up = await upload(agent.token, PNG, 'image/png', '尺码表.png');
  expect(up.status).toBe(201);
  expect(up.body).toMatchObject({ kind: 'image', name: '尺码表.png', mime: 'image/png', size: PNG.length });

  const sent = await chat.app.request('POST', `/api/v1/conversations/${id}/messages`, {
    token: agent.token,
    body: { attachmentId: up.body.attachmentId, key: 'img-1' },
  });
  expect(sent.status).toBe(201);
  expect(sent.body).toMatchObject({ type: 'image', delivery: 'queued', media: { attachmentId: up.body.attachmentId, name: '尺码表.png' } });

  const got = await eventually(() => files.find((f) => f.name === '尺码表.png'), 8000, 'the picture at the customer');
  expect(got.bytes.equals(PNG)).toBe(true);
  await eventually(async () => (await history(id)).find((m) => m.id === sent.body.id)?.delivery === 'sent', 5000, 'the image to show sent');
  await sleep(500);
  // The puppet's echo of the picture is matched to the agent's message, not stored as a second one.
  expect((await history(id)).filter((m) => m.type === 'image')).toHaveLength(1);
  expect(files.filter((f) => f.name === '尺码表.png')).toHaveLength(1);
});

test('a file the customer sends is kept and shown in the chat, and the inbox can open it', async () => {
  const { user, id } = await assignedChat('奥斯卡');
  const pdf = Buffer.from('%PDF-1.4\n% 发票\n');
  const box = FileBox.fromBase64(pdf.toString('base64'), '发票.pdf');
  // The mock puppet types a file by its extension only when the box has no specific media type.
  (box as any)._mediaType = 'application/octet-stream';
  user.mock.say(box).to(chat.account);
  const msg = await eventually(async () => (await history(id)).find((m) => m.type === 'file'), 8000, 'the file in the chat');
  expect(msg).toMatchObject({ direction: 'in', author: 'customer', media: { name: '发票.pdf', mime: 'application/pdf', attachmentId: expect.any(String) } });

  const res = await fetch(`${chat.app.url}/api/v1/desk/attachments/${msg.media.attachmentId}`, { headers: { authorization: `Bearer ${agent.token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
  expect(Buffer.from(await res.arrayBuffer()).equals(pdf)).toBe(true);

  // Another brand's staff cannot read it.
  const stranger = await chat.app.rt.services.staff.create('another-brand', {
    username: `o_${Date.now().toString(36)}`,
    name: '外人',
    role: 'agent',
    password: 'harbor-kettle-2026',
  });
  const { token } = await chat.app.rt.services.staff.login('another-brand', stranger.username, 'harbor-kettle-2026');
  expect((await fetch(`${chat.app.url}/api/v1/desk/attachments/${msg.media.attachmentId}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
    404,
  );
});

test('uploads are refused at the edge: a type no channel sends, a renamed non-image, a picture over 10 MB', async () => {
  const html = await upload(agent.token, Buffer.from('<script>alert(1)</script>'), 'text/html', 'x.html', { 'accept-language': 'zh-CN' });
  expect(html.status).toBe(400);
  expect(html.body.error.message).toMatch(/JPG\/PNG 图片/);

  const fake = await upload(agent.token, Buffer.from('not a picture'), 'image/png', 'fake.png');
  expect(fake.status).toBe(415);
  expect(fake.body.error.code).toBe('CONVERSATION_ATTACHMENT_TYPE');

  const big = Buffer.alloc(10 * 1024 * 1024 + 1);
  PNG.copy(big);
  const large = await upload(agent.token, big, 'image/png', 'big.png');
  expect(large.status).toBe(413);
  expect(large.body.error).toMatchObject({ code: 'CONVERSATION_ATTACHMENT_TOO_LARGE', details: { maxMb: 10 } });

  const { id } = await assignedChat('菲奥娜');
  const missing = await chat.app.request('POST', `/api/v1/conversations/${id}/messages`, {
    token: agent.token,
    body: { attachmentId: '0123456789abcdef01234567' },
  });
  expect(missing.status).toBe(404);
});

test('a voice message and a video the customer sends on the bot channel are kept and can be played from the inbox', async () => {
  const { user, id } = await assignedChat('维多');
  const silk = Buffer.from('#!SILK_V3\x02\x01\x00');
  const mp4 = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]);
  for (const [bytes, name] of [
    [silk, '语音.silk'],
    [mp4, '视频.mp4'],
  ] as const) {
    const box = FileBox.fromBase64(bytes.toString('base64'), name);
    // The mock puppet types a Wechaty Audio / Video message by the extension when the box has no specific media type.
    (box as any)._mediaType = 'application/octet-stream';
    user.mock.say(box).to(chat.account);
  }
  const kept = await eventually(
    async () => {
      const h = (await history(id)).filter((m) => m.media?.attachmentId);
      return h.length === 2 ? h : null;
    },
    8000,
    'the voice message and the video in the chat',
  );
  expect(kept.find((m) => m.type === 'audio')).toMatchObject({ direction: 'in', media: { name: '语音.silk', mime: 'audio/silk', size: silk.length } });
  expect(kept.find((m) => m.type === 'video')).toMatchObject({ direction: 'in', media: { name: '视频.mp4', mime: 'video/mp4', size: mp4.length } });
  const video = kept.find((m) => m.type === 'video');
  const res = await fetch(`${chat.app.url}/api/v1/desk/attachments/${video.media.attachmentId}`, { headers: { authorization: `Bearer ${agent.token}` } });
  expect(res.headers.get('content-type')).toBe('video/mp4');
  expect(Buffer.from(await res.arrayBuffer()).equals(mp4)).toBe(true);
});
