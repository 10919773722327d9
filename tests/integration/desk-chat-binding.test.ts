import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';
import { signToken } from '../../server/src/shared/tokens.js';
import { ChatBindingModel } from '../../server/src/modules/customers/chat-binding.model.js';

/**
 * One person, one profile, also in chat: a chat contact is joined to the member behind it by the
 * unionid the puppet gives, by a link the bot gives and the shopper confirms signed in to the member
 * center, or by staff; after that `积分` in chat answers with the member's balance.
 */
let chat: MockChat;
beforeAll(async () => {
  chat = await startMockChat();
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const s = () => chat.app.rt.services;
const shopperToken = (customerId: string) =>
  signToken(chat.app.config.APP_SECRET, {
    k: 'shopper',
    sub: customerId,
    t: tenant(),
    exp: Math.floor(chat.app.rt.services.deps.now().getTime() / 1000) + 3600,
  });
const profileOf = (contactId: string) => eventually(() => s().customers.findByIdentity(tenant(), { wechatyContactId: contactId }), 8000, 'the profile');
async function memberWith(identity: Record<string, string>, points: number, name: string) {
  const id = await s().customers.identify(tenant(), identity as any, { name });
  await s().loyalty.adjust(tenant(), id, { points, reason: '开卡礼', idempotencyKey: `bind-${id}`, operator: 'test' });
  return id;
}

test('绑定 gives a one-time link; confirmed by the signed-in member, 积分 in chat answers with the member’s balance', async () => {
  const member = await memberWith({ phone: '13766660001' }, 520, '高敏');
  const kim = chat.contact('敏敏');
  kim.say('积分');
  expect(await kim.hears(/还不是会员/)).toMatch(/回复「绑定」/);

  kim.say('绑定');
  const offer = await kim.hears(/\/h5\/member\/bind\//);
  const token = /\/h5\/member\/bind\/([\w-]+)/.exec(offer)![1];
  expect(offer).toMatch(/30 分钟内/);
  const me = await shopperToken(member);
  const peek = await chat.app.request('GET', `/api/v1/me/chat-binding?token=${token}`, { token: me });
  expect(peek.status).toBe(200);
  expect(peek.body).toMatchObject({ contactName: '敏敏', bound: false });

  const done = await chat.app.request('POST', '/api/v1/me/chat-binding', { token: me, body: { token } });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ id: member, bound: true });
  expect(await profileOf(kim.mock.id)).toBe(member);
  kim.say('积分');
  expect(await kim.hears(/当前积分 520/)).toBeTruthy();

  // A double tap answers the same; anyone else holding the link is refused, and the chat is bound now.
  expect((await chat.app.request('POST', '/api/v1/me/chat-binding', { token: me, body: { token } })).body).toMatchObject({ id: member });
  const stranger = await s().customers.identify(tenant(), { phone: '13766660002' }, { name: '路人' });
  const refused = await chat.app.request('POST', '/api/v1/me/chat-binding', { token: await shopperToken(stranger), body: { token } });
  expect(refused.status).toBe(410);
  expect(refused.body.error.code).toBe('CUSTOMER_BIND_LINK_INVALID');
  kim.say('绑定');
  expect(await kim.hears(/已关联会员/)).toBeTruthy();
});

test('a binding link past its 30 minutes is refused, and nothing is merged', async () => {
  const member = await memberWith({ phone: '13766660003' }, 10, '钟晴');
  const leo = chat.contact('晴天');
  leo.say('绑定');
  const token = /\/h5\/member\/bind\/([\w-]+)/.exec(await leo.hears(/\/h5\/member\/bind\//))![1];
  const chatProfile = await profileOf(leo.mock.id);
  await ChatBindingModel.updateMany({ tenantId: tenant(), chatCustomerId: chatProfile }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  const res = await chat.app.request('POST', '/api/v1/me/chat-binding', { token: await shopperToken(member), body: { token } });
  expect(res.status).toBe(410);
  expect(await s().customers.findByIdentity(tenant(), { wechatyContactId: leo.mock.id })).toBe(chatProfile);
});

test('a contact whose puppet gives a unionid is the member with that unionid from the first message', async () => {
  const member = await memberWith({ openId: 'o-bind-0001', appId: 'wx-mp-test', unionId: 'u-bind-union-0001' }, 330, '任静');
  const m = chat.mocker.createContact({ name: '静静', unionId: 'u-bind-union-0001' } as any);
  const heard: string[] = [];
  (m as any).on('message', (msg: any) => {
    if (msg.payload.talkerId === chat.account.id && msg.payload.text) heard.push(msg.payload.text);
  });
  m.say('积分').to(chat.account);
  expect(await eventually(() => heard.find((t) => /当前积分/.test(t)), 8000, 'the balance')).toMatch(/当前积分 330/);
  expect(await profileOf(m.id)).toBe(member);
});

test('an agent merges a chat contact with the member by hand; 积分 then answers for the member', async () => {
  const member = await memberWith({ phone: '13766660004' }, 77, '夏雨');
  const ava = chat.contact('小雨');
  ava.say('你好');
  const chatProfile = await profileOf(ava.mock.id);
  const agent = await chat.app.staff('agent');
  const res = await chat.app.request('POST', `/api/v1/customers/${member}/merge`, { token: agent.token, body: { otherId: chatProfile } });
  expect(res.status).toBe(200);
  ava.say('积分');
  expect(await ava.hears(/当前积分 77/)).toBeTruthy();
});
