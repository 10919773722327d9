import { startMockChat, eventually, openStream, type MockChat } from './desk/mock-chat.js';

/** Private notes that @mention a colleague: 提及我 until they open the chat; never the customer's. */
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
const as = (token: string) => (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token, body });

async function assignedChat(name: string) {
  const user = chat.contact(name);
  user.say('人工');
  await user.hears(/我是 小周/);
  const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id));
  return { user, id: String(conv._id) };
}

test('a mentioned colleague finds the note in 提及我, live, until they open the chat; the customer never sees it', async () => {
  const colleague = await chat.app.staff('community_manager', '主管老林');
  const { user, id } = await assignedChat('玛雅');
  const stream = await openStream(chat.app.url, colleague.token);
  const bystanderStream = await openStream(chat.app.url, (await chat.app.staff('agent', '旁观者')).token);
  try {
    const note = await as(agent.token)('POST', `/api/v1/conversations/${id}/notes`, {
      text: '@主管老林 这位客户要求退差价，麻烦看一下',
      mentions: [colleague.id],
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ direction: 'internal', mentions: [colleague.id] });

    const live = await eventually(() => stream.events.find((e) => e.event === 'mention.created'), 5000, 'the mention on the colleague’s stream');
    expect(live.data).toMatchObject({ conversationId: id, message: { id: note.body.id, text: expect.stringContaining('退差价') } });

    const mine = await as(colleague.token)('GET', '/api/v1/desk/mentions');
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ count: 1, items: [{ id: note.body.id, conversationId: id, staffName: '小周', conversationTitle: '玛雅' }] });
    // The author is not told about their own note.
    expect((await as(agent.token)('GET', '/api/v1/desk/mentions')).body.count).toBe(0);

    // Opening the chat reads it: 提及我 is empty again.
    expect((await as(colleague.token)('GET', `/api/v1/conversations/${id}/messages`)).status).toBe(200);
    expect((await as(colleague.token)('GET', '/api/v1/desk/mentions')).body).toEqual({ count: 0, items: [] });
    // Only the colleague named heard of it.
    expect(bystanderStream.events.some((e) => e.event === 'mention.created')).toBe(false);
  } finally {
    stream.close();
    bystanderStream.close();
  }
  // Notes are never delivered: the customer heard nothing of it.
  await as(agent.token)('POST', `/api/v1/conversations/${id}/messages`, { text: '马上为您处理。' });
  await user.hears(/马上为您处理/);
  expect(user.heard.some((t) => /退差价/.test(t))).toBe(false);
});

test("a mention of another brand's staff member is refused and writes no note", async () => {
  const stranger = await chat.app.rt.services.staff.create('another-brand', {
    username: `other_${Date.now().toString(36)}`,
    name: '外人',
    role: 'agent',
    password: 'harbor-kettle-2026',
  });
  const { id } = await assignedChat('尼克');
  const before = (await as(agent.token)('GET', `/api/v1/conversations/${id}/messages`)).body.items.length;
  const res = await chat.app.request('POST', `/api/v1/conversations/${id}/notes`, {
    token: agent.token,
    body: { text: '看看这个', mentions: [stranger.id] },
    headers: { 'accept-language': 'zh-CN' },
  });
  expect(res.status).toBe(422);
  expect(res.body.error).toMatchObject({ code: 'CONVERSATION_MENTION_NOT_COLLEAGUE', details: { staffIds: [stranger.id] } });
  expect((await as(agent.token)('GET', `/api/v1/conversations/${id}/messages`)).body.items).toHaveLength(before);
});
