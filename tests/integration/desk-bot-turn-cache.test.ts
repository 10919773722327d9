import type { Types } from 'mongoose';
import { startMockChat, eventually, sleep, type MockChat } from './desk/mock-chat.js';
import { MessageModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * The bot reads the profile once per turn, remembers which profile a contact had and keeps the
 * rules for a moment. None of that may show: console edits answer the next question, a chat held
 * by a human stays silent however warm the bot is, and merged or erased profiles are never written to.
 */
let chat: MockChat;
let admin: { id: string; token: string };
beforeAll(async () => {
  chat = await startMockChat();
  admin = await chat.app.staff('admin');
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const api = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: admin.token, body });
const conversationOf = (contactId: string) => eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, contactId), 8000, 'the conversation');
const inbound = (conversationId: Types.ObjectId, text: string) =>
  eventually(() => MessageModel.findOne({ tenantId: tenant(), conversationId, direction: 'in', text }).lean(), 8000, `"${text}" stored`);

test('an FAQ answer edited in the console is what the bot says to the very next question', async () => {
  const created = await api('POST', '/api/v1/desk/rules', { kind: 'faq', question: '营业时间', keywords: ['营业'], reply: '每天9点到18点营业。' });
  expect(created.status).toBe(201);
  const fay = chat.contact('菲');
  fay.say('几点营业？');
  expect(await fay.hears(/9点到18点/)).toBeTruthy();

  const edited = await api('PATCH', `/api/v1/desk/rules/${created.body.id ?? created.body._id}`, { reply: '即日起每天10点到22点营业。' });
  expect(edited.status).toBe(200);
  fay.say('今天几点营业？');
  expect(await fay.hears(/10点到22点/, 3000)).toBeTruthy();
  expect(fay.heard.filter((t) => /9点到18点/.test(t))).toHaveLength(1);
});

test('after an agent takes the chat the bot stays silent, even right after answering the same question', async () => {
  await api('POST', '/api/v1/desk/rules', { kind: 'faq', question: '发票', keywords: ['发票'], reply: '下单时填写抬头即可开发票。' });
  const gus = chat.contact('格斯');
  gus.say('能开发票吗？');
  expect(await gus.hears(/开发票/)).toBeTruthy();
  const conv = await conversationOf(gus.mock.id);

  const taken = await api('POST', `/api/v1/conversations/${conv._id}/take`);
  expect(taken.status).toBe(200);
  // The agent's greeting is on its way to the customer: counted from after it, so only the bot is judged.
  await gus.hears(/很高兴为您服务/);
  const heard = gus.heard.length;
  gus.say('能开发票吗？');
  gus.say('发票几天到？');
  await inbound(conv._id, '发票几天到？');
  await sleep(1000);
  expect(gus.heard).toHaveLength(heard);
  expect((await desk().conversations.get(tenant(), String(conv._id))).unread).toBe(2);
});

test('an answer worked out while an agent takes the chat is dropped, not sent over the agent', async () => {
  const hal = chat.contact('哈尔');
  hal.say('你好');
  const conv = await conversationOf(hal.mock.id);
  await eventually(
    () =>
      desk()
        .conversations.get(tenant(), String(conv._id))
        .then((c: any) => c.state === 'bot'),
    8000,
    'the bot holds the chat',
  );
  // The bot read the chat as its own (`conv`) when the message came in; the agent takes it before the answer is recorded.
  expect((await api('POST', `/api/v1/conversations/${conv._id}/take`)).status).toBe(200);
  const late = await desk().conversations.recordBotReply(tenant(), conv, '这是机器人迟到的回答');
  expect(late).toBeNull();
  expect(await MessageModel.countDocuments({ tenantId: tenant(), conversationId: conv._id, text: '这是机器人迟到的回答' })).toBe(0);
  // Resolved, the chat goes back to the bot with the customer's next message, and the bot answers again.
  expect((await api('POST', `/api/v1/conversations/${conv._id}/resolve`)).status).toBe(200);
  const heard = hal.heard.length;
  hal.say('还有个问题');
  await eventually(() => hal.heard.length > heard, 8000, 'the bot answering again');
});

test('once the contact’s profile is merged into a known customer, the next messages are stored on the survivor', async () => {
  const customers = chat.app.rt.services.customers;
  const known = await customers.identify(tenant(), { phone: '13900002222' }, { name: '老会员' }, 'shop');
  const hal = chat.contact('哈尔');
  hal.say('在吗');
  await hal.hears(/没有听懂/);
  const before = await customers.findByIdentity(tenant(), { wechatyContactId: hal.mock.id });
  expect(before).not.toBe(known);

  // The bot remembers `before` for this contact; the merge makes that profile a pointer to `known`.
  expect(await customers.identify(tenant(), { wechatyContactId: hal.mock.id, phone: '13900002222' }, {}, 'api')).toBe(known);
  hal.say('我的订单到哪了');
  const conv = await conversationOf(hal.mock.id);
  const msg = await inbound(conv._id, '我的订单到哪了');
  expect(String(msg.customerId)).toBe(known);
  expect(String((await desk().conversations.get(tenant(), String(conv._id))).customerId)).toBe(known);
});

test('after erasure the contact who writes again is a new profile; nothing is written to the erased one', async () => {
  const ivy = chat.contact('艾薇');
  ivy.say('你好');
  await ivy.hears(/没有听懂/);
  const erasedId = (await chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: ivy.mock.id }))!;
  const erased = await api('POST', `/api/v1/privacy/customers/${erasedId}/erasure`, { reason: 'ticket 42' });
  expect(erased.status).toBe(200);

  ivy.say('还在吗');
  const conv = await conversationOf(ivy.mock.id);
  const msg = await inbound(conv._id, '还在吗');
  const fresh = await chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: ivy.mock.id });
  expect(fresh).toBeTruthy();
  expect(fresh).not.toBe(erasedId);
  expect(String(msg.customerId)).toBe(fresh);
  expect(await MessageModel.countDocuments({ tenantId: tenant(), customerId: erasedId })).toBe(0);
});
