import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';

/**
 * 机器人 → 指令 and 转人工触发词: managers see the bot's built-in commands with their trigger words,
 * switch a command off, change its words, and add words that hand a chat to a person. The bot obeys
 * the next message.
 */
let chat: MockChat;
let cm: { id: string; token: string };
beforeAll(async () => {
  chat = await startMockChat();
  cm = await chat.app.staff('community_manager');
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const as = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: cm.token, body });
const conversationOf = (contactId: string) =>
  eventually(() => chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, contactId), 8000, 'the conversation');

test('the commands list shows every built-in command with its trigger words, human and TD always on', async () => {
  const list = await as('GET', '/api/v1/desk/commands');
  expect(list.status).toBe(200);
  const byId = Object.fromEntries(list.body.items.map((c: { id: string }) => [c.id, c]));
  expect(Object.keys(byId)).toEqual(['human', 'points', 'check-in', 'coupons', 'bind', 'stop', 'resume']);
  expect(byId.human).toMatchObject({ enabled: true, locked: true, words: expect.arrayContaining(['人工', '转人工']) });
  expect(byId.points).toMatchObject({ enabled: true, locked: false, words: expect.arrayContaining(['积分']) });
  const off = await as('PATCH', '/api/v1/desk/commands/stop', { enabled: false });
  expect(off.status).toBe(409);
  expect(off.body.error.code).toBe('CONVERSATION_COMMAND_LOCKED');
  expect((await as('PATCH', '/api/v1/desk/commands/nonsense', { enabled: false })).status).toBe(400);
});

test('a command switched off is no longer answered; new words run it once it is back on', async () => {
  const off = await as('PATCH', '/api/v1/desk/commands/points', { enabled: false });
  expect(off.status).toBe(200);
  expect(off.body.enabled).toBe(false);
  const kai = chat.contact('凯');
  kai.say('积分');
  // Nothing else knows 积分 now: the bot's fallback answers instead of the balance.
  expect(await kai.hears(/没有听懂/)).toBeTruthy();
  expect(kai.heard.some((t) => /还不是会员|当前积分/.test(t))).toBe(false);

  const words = await as('PATCH', '/api/v1/desk/commands/points', { enabled: true, words: ['查分', '积分'] });
  expect(words.body).toMatchObject({ enabled: true, words: ['查分', '积分'] });
  kai.say('查分！');
  expect(await kai.hears(/还不是会员/)).toBeTruthy();
  // The old default 我的积分 is gone with the new list.
  expect((await as('GET', '/api/v1/desk/commands')).body.items.find((c: { id: string }) => c.id === 'points').words).not.toContain('我的积分');
  expect((await as('PATCH', '/api/v1/desk/commands/points', { words: null })).body.words).toContain('我的积分');
});

test('a word another command already uses is refused with 409 and the word named', async () => {
  const taken = await as('PATCH', '/api/v1/desk/commands/coupons', { words: ['优惠券', 'TD'] });
  expect(taken.status).toBe(409);
  expect(taken.body.error).toMatchObject({ code: 'CONVERSATION_COMMAND_WORD_TAKEN', details: { word: 'TD', command: 'stop' } });
  expect((await as('PATCH', '/api/v1/desk/commands/coupons', { words: [] })).status).toBe(400);
});

test('a word added to 转人工 hands the chat to the queue; the default words keep working', async () => {
  const added = await as('PATCH', '/api/v1/desk/commands/human', { words: ['找客服'] });
  expect(added.status).toBe(200);
  expect(added.body.words).toEqual(expect.arrayContaining(['人工', '转人工', '找客服']));
  const lin = chat.contact('林');
  lin.say('找客服');
  const conv = await conversationOf(lin.mock.id);
  await eventually(async () => (await chat.app.rt.services.desk.conversations.get(tenant(), String(conv._id))).state === 'queued', 8000, 'the chat queued');
});
