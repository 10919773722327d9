import { startMockChat, eventually, sleep, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
let admin: { token: string };
beforeAll(async () => {
  chat = await startMockChat();
  admin = await chat.app.staff('admin');
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const api = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: admin.token, body });

test('a new contact who says hello appears as a profile (source bot) with the message in its conversation', async () => {
  const amy = chat.contact('艾米');
  amy.say('你好');
  const customerId = await eventually(() => chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: amy.mock.id }), 8000, 'the profile');
  const profile = await api('GET', `/api/v1/customers/${customerId}`);
  expect(profile.status).toBe(200);
  expect(profile.body).toMatchObject({ name: '艾米', sourceChannel: 'bot' });
  expect(profile.body.identities).toContainEqual({ type: 'wechatyContactId', value: amy.mock.id });

  const list = await eventually(async () => {
    const r = await api('GET', '/api/v1/conversations?view=all');
    return r.body.items.find((c: any) => c.customerId === customerId);
  });
  expect(list).toMatchObject({ kind: 'private', title: '艾米', state: 'bot' });
  const history = await eventually(async () => {
    const r = await api('GET', `/api/v1/conversations/${list.id}/messages`);
    return r.body.items.length >= 2 ? r.body.items : undefined;
  });
  // Newest first: the bot's answer to an unknown greeting, then the greeting itself.
  expect(history.at(-1)).toMatchObject({ direction: 'in', author: 'customer', type: 'text', text: '你好', talkerName: '艾米' });
  expect(history[0]).toMatchObject({ direction: 'out', author: 'bot' });
  expect(await amy.hears(/没有听懂/)).toBeTruthy();
});

test('a message the puppet delivers twice is stored once and answered once', async () => {
  const ben = chat.contact('本');
  ben.say('你好呀');
  await ben.hears(/没有听懂/);
  const puppet = chat.mocker.puppet;
  const payloads = [...chat.mocker.cacheMessagePayload.values()].filter((p: any) => p.talkerId === ben.mock.id);
  expect(payloads).toHaveLength(1);
  puppet.emit('message', { messageId: payloads[0].id });
  await sleep(1500);
  const c = await chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, ben.mock.id);
  const { items } = (await api('GET', `/api/v1/conversations/${c!._id}/messages`)).body;
  expect(items.filter((m: any) => m.direction === 'in').map((m: any) => m.text)).toEqual(['你好呀']);
  // One answer, and the echo of that answer is not stored as a second outgoing message.
  expect(ben.heard).toHaveLength(1);
  expect(items.filter((m: any) => m.direction === 'out')).toHaveLength(1);
  expect(c!.noMatchStreak).toBe(1);
});

test('room messages land in the room conversation linked to its group; joins and leaves update the members', async () => {
  const cara = chat.contact('卡拉');
  const dan = chat.contact('丹');
  const room = chat.mocker.createRoom({ topic: 'VIP 会员群', memberIdList: [chat.account.id, cara.mock.id] } as any);
  cara.mock.say('大家好').to(room);
  const conv = await eventually(() => chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, room.id), 8000, 'the room conversation');
  expect(conv).toMatchObject({ kind: 'room', title: 'VIP 会员群' });
  expect(conv.groupId).toBeDefined();
  const history = (await api('GET', `/api/v1/conversations/${conv._id}/messages`)).body.items;
  expect(history).toEqual([expect.objectContaining({ direction: 'in', text: '大家好', talkerName: '卡拉' })]);
  const caraId = await chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: cara.mock.id });
  expect(history[0]).toBeDefined();

  room.add(dan.mock).by(cara.mock);
  const joined = await eventually(
    async () => {
      const g = await chat.app.rt.services.desk.groups.group(tenant(), room.id);
      return g?.members.some((m: any) => m.contactId === dan.mock.id) ? g : undefined;
    },
    8000,
    'dan in the group',
  );
  const danId = await chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: dan.mock.id });
  expect(String(joined.members.find((m: any) => m.contactId === dan.mock.id)!.customerId)).toBe(danId);
  // The bot welcomes the newcomer in the room, and the welcome is kept with the room's history.
  await eventually(
    async () => {
      const items = (await api('GET', `/api/v1/conversations/${conv._id}/messages`)).body.items;
      return items.find((m: any) => m.author === 'bot' && /欢迎 丹/.test(m.text));
    },
    8000,
    'the welcome',
  );
  expect(caraId).toBeTruthy();

  room.remove(dan.mock).by(cara.mock);
  await eventually(
    async () => {
      const g = await chat.app.rt.services.desk.groups.group(tenant(), room.id);
      return g && !g.members.some((m: any) => m.contactId === dan.mock.id);
    },
    8000,
    'dan gone from the group',
  );
});

test('a burst of messages from many contacts is stored completely, each answered in order', async () => {
  const users = Array.from({ length: 12 }, (_, i) => chat.contact(`群发${i}`));
  for (let round = 0; round < 5; round++) for (const u of users) u.mock.say(`第${round}条`).to(chat.account);
  for (const u of users) {
    const conv = await eventually(() => chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, u.mock.id), 20_000, 'the conversation');
    const texts = await eventually(
      async () => {
        const items = (await api('GET', `/api/v1/conversations/${conv._id}/messages?limit=100`)).body.items.filter((m: any) => m.direction === 'in');
        return items.length === 5 ? items.map((m: any) => m.text).reverse() : undefined;
      },
      20_000,
      `all of ${u.mock.payload.name}'s messages`,
    );
    expect(texts).toEqual(['第0条', '第1条', '第2条', '第3条', '第4条']);
  }
  // Two unanswered questions in a row hand over: each customer got exactly one fallback, then the queue notice.
  await eventually(() => users.every((u) => u.heard.some((t) => /转接人工客服/.test(t))), 20_000, 'every handoff notice');
  for (const u of users) expect(u.heard.filter((t) => /没有听懂/.test(t))).toHaveLength(1);
}, 60_000);

test('when the chat contact turns out to be a known customer, the conversation follows the merged profile', async () => {
  const known = await chat.app.rt.services.customers.identify(tenant(), { phone: '13900001111' }, { name: '老客户' }, 'shop');
  const olive = chat.contact('奥利芙');
  olive.say('你好');
  const fresh = await eventually(() => chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: olive.mock.id }), 8000, 'the profile');
  expect(fresh).not.toBe(known);
  // e.g. the sidebar or the member center links the WeChat contact to the phone on file.
  const survivor = await chat.app.rt.services.customers.identify(tenant(), { wechatyContactId: olive.mock.id, phone: '13900001111' }, {}, 'api');
  expect(survivor).toBe(known);
  const conv = await chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, olive.mock.id);
  expect(String(conv!.customerId)).toBe(known);
  const { items } = (await api('GET', `/api/v1/conversations/${conv!._id}/messages`)).body;
  expect(items.length).toBeGreaterThan(0);
  const { MessageModel } = await import('../../server/src/modules/conversations/conversation.model.js');
  expect(await MessageModel.countDocuments({ tenantId: tenant(), conversationId: conv!._id, customerId: { $ne: conv!.customerId }, direction: 'in' })).toBe(0);
});

test('an image is stored as an image message with its name and link, and the bot does not answer it', async () => {
  const { FileBox } = await import('file-box');
  const pia = chat.contact('皮娅');
  pia.mock.say(FileBox.fromUrl('https://cdn.example.com/photos/shoe-size.jpg', { name: 'shoe-size.jpg' })).to(chat.account);
  const conv = await eventually(() => chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, pia.mock.id), 8000, 'the conversation');
  const msg = await eventually(async () => (await api('GET', `/api/v1/conversations/${conv._id}/messages`)).body.items[0], 8000, 'the image message');
  expect(msg).toMatchObject({ direction: 'in', type: 'image', media: { name: 'shoe-size.jpg', url: 'https://cdn.example.com/photos/shoe-size.jpg' } });
  await sleep(500);
  expect(pia.heard).toHaveLength(0);
});

test('a shared link, a mini-program card, a PDF and a voice note are kept with their type and details; the bot answers none of them', async () => {
  const { FileBox } = await import('file-box');
  const { types } = await import('wechaty');
  const quinn = chat.contact('奎恩');
  // The mock's contacts can only send text and pictures; the puppet reports other kinds as a real one
  // does (a message id of that type, files behind it) and describes cards with its own placeholders.
  const send = (id: string, type: number, file?: InstanceType<typeof FileBox>) => {
    if (file) chat.mocker.cacheFileBoxPayload.set(id, file.toJSON());
    chat.mocker.cacheMessagePayload.set(id, { id, talkerId: quinn.mock.id, listenerId: chat.account.id, timestamp: Date.now(), type } as any);
    chat.mocker.puppet.emit('message', { messageId: id });
  };
  send('file-1', types.Message.Attachment, FileBox.fromUrl('https://cdn.example.com/docs/invoice-0815.pdf', { name: 'invoice-0815.pdf' }));
  send('voice-1', types.Message.Audio, FileBox.fromUrl('https://cdn.example.com/voice/v1.silk', { name: 'v1.silk' }));
  send('card-link-1', types.Message.Url);
  send('card-mp-1', types.Message.MiniProgram);

  const conv = await eventually(() => chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, quinn.mock.id), 8000, 'the conversation');
  const items = await eventually(
    async () => {
      const list = (await api('GET', `/api/v1/conversations/${conv._id}/messages`)).body.items;
      return list.length >= 4 ? list : undefined;
    },
    8000,
    'four messages',
  );
  const byType = Object.fromEntries(items.map((m: any) => [m.type, m]));
  expect(byType.file).toMatchObject({ direction: 'in', media: { name: 'invoice-0815.pdf', url: 'https://cdn.example.com/docs/invoice-0815.pdf' } });
  expect(byType.audio).toMatchObject({ direction: 'in', media: { name: 'v1.silk', url: 'https://cdn.example.com/voice/v1.silk' } });
  expect(byType.url).toMatchObject({ direction: 'in', media: { url: 'https://mock.url', title: 'mock title for card-link-1' } });
  expect(byType['mini-program']).toMatchObject({ direction: 'in', media: { title: 'mock title for card-mp-1' } });
  // The console's list shows what kind of message came last rather than an empty line.
  const row = (await api('GET', '/api/v1/conversations?view=all')).body.items.find((c: any) => c.id === String(conv._id));
  expect(row.lastMessagePreview).toMatch(/^\[(file|audio|url|mini-program)\]$/);
  await sleep(500);
  expect(quinn.heard).toHaveLength(0);
});
