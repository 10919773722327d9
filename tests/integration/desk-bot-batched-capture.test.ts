import mongoose from 'mongoose';
import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';
import { MessageModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * The bot writes chat messages in batches (message-writer.ts). None of that may show: every message
 * is stored once and in its chat's order, every answer is stored as said with the puppet's echo id,
 * and what is still queued when the bot stops is written before the stop returns.
 */
let chat: MockChat;
let admin: { id: string; token: string };
beforeAll(async () => {
  chat = await startMockChat();
  admin = await chat.app.staff('admin');
  const rule = await chat.app.request('POST', '/api/v1/desk/rules', {
    token: admin.token,
    body: { kind: 'faq', question: '发货', keywords: ['发货'], reply: '下单后48小时内发货。' },
  });
  expect(rule.status).toBe(201);
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;

test('a burst from many contacts is stored once each, in each chat’s order, with every answer said and stored', async () => {
  const users = Array.from({ length: 6 }, (_, i) => chat.contact(`批量${i}`));
  const inserts: string[] = [];
  mongoose.set('debug', (coll: string, method: string) => void (coll === 'conversation_messages' && method.startsWith('insert') && inserts.push(method)));
  try {
    for (let n = 0; n < 8; n++) for (const u of users) u.say(`第${n}次问：什么时候发货？`);
    for (const u of users) await eventually(() => u.heard.filter((t) => t.includes('48小时')).length === 8, 15_000, `${u.mock.id} answered 8 times`);
    await chat.bot().ctx.idle();
  } finally {
    mongoose.set('debug', false);
  }
  for (const u of users) {
    const conv = (await desk().conversations.findByPeer(tenant(), chat.account.id, u.mock.id))!;
    const rows = await eventually(
      async () => {
        const r = await MessageModel.find({ tenantId: tenant(), conversationId: conv._id }).sort({ at: 1, _id: 1 }).lean();
        return r.length === 16 && r.every((m) => m.direction === 'in' || m.externalId) && r;
      },
      5000,
      'answers stored with their echo ids',
    );
    const questions = rows.filter((m) => m.direction === 'in').map((m) => m.text);
    expect(questions).toEqual(Array.from({ length: 8 }, (_, n) => `第${n}次问：什么时候发货？`));
    const answers = rows.filter((m) => m.direction === 'out');
    expect(answers).toHaveLength(8);
    for (const a of answers) expect(a).toMatchObject({ author: 'bot', text: '下单后48小时内发货。', delivery: 'sent' });
    // The echoes were recognised as the answers, not stored a second time as typed on the phone.
    expect(rows.filter((m) => m.author === 'account')).toHaveLength(0);
  }
  // 96 rows in far fewer writes: the rows went in batches.
  expect(inserts.length).toBeLessThan(48);
});

test('answers still queued when the bot stops are written before the stop returns', async () => {
  const users = Array.from({ length: 4 }, (_, i) => chat.contact(`停机${i}`));
  for (const u of users) u.say('几天发货？');
  for (const u of users) await u.hears(/48小时/);
  // And one answer whose echo never comes (a puppet that does not echo): it is held, up to its limit.
  const quiet = (await desk().conversations.findByPeer(tenant(), chat.account.id, users[0].mock.id))!;
  const held = desk().conversations.writer.insert(
    {
      tenantId: tenant(),
      conversationId: quiet._id,
      direction: 'out',
      author: 'bot',
      talkerId: chat.account.id,
      type: 'text',
      text: '还在路上的回答',
      delivery: 'sent',
      at: chat.clock.now(),
    },
    { holdMs: 60_000 },
  );
  await chat.stopBot();
  expect(await MessageModel.exists({ _id: held.id })).toBeTruthy();
  try {
    // Read at once, no waiting: the stop itself wrote what was queued (an answer waits for its echo).
    for (const u of users) {
      const conv = (await desk().conversations.findByPeer(tenant(), chat.account.id, u.mock.id))!;
      const rows = await MessageModel.find({ tenantId: tenant(), conversationId: conv._id, _id: { $ne: held.id } }).lean();
      expect(rows.map((m) => `${m.direction}:${m.text}`).sort()).toEqual(['in:几天发货？', 'out:下单后48小时内发货。']);
    }
  } finally {
    await chat.startBot();
  }
});
