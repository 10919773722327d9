import { signToken } from '../../server/src/shared/tokens.js';
import { deskChannel } from '../../server/src/modules/conversations/desk-live.js';
import { refusalInChinese } from '../../h5/src/modules/refusals.js';
import { startMockChat, eventually, openStream, sleep, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
let agent: { id: string; token: string };
beforeAll(async () => {
  chat = await startMockChat();
  agent = await chat.app.staff('agent', '阿杰');
  await chat.app.request('POST', '/api/v1/desk/presence', { token: agent.token, body: { online: true } });
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const as = (token: string) => (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token, body });

async function chatWith(name: string, first = '你好') {
  const user = chat.contact(name);
  user.say(first);
  const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id));
  return { user, conv, id: String(conv._id) };
}

test('the desk refuses callers without a token (401), shoppers (403) and sales writing replies (403)', async () => {
  const { id, conv } = await chatWith('尤金');
  expect((await chat.app.request('GET', '/api/v1/conversations')).status).toBe(401);
  const shopper = await signToken(chat.app.config.APP_SECRET, {
    k: 'shopper',
    sub: String(conv.customerId),
    t: tenant(),
    exp: Math.floor(chat.app.rt.services.deps.now().getTime() / 1000) + 600,
  });
  expect((await as(shopper)('GET', `/api/v1/conversations/${id}`)).status).toBe(403);
  const sales = await chat.app.staff('sales');
  expect((await as(sales.token)('POST', `/api/v1/conversations/${id}/messages`, { text: 'hi' })).status).toBe(403);
  expect((await as(sales.token)('PUT', '/api/v1/desk/settings', { firstResponseSeconds: 60 })).status).toBe(403);
});

test("sales see only their own customers' conversations, in lists, by id and on the live stream", async () => {
  const sales = await chat.app.staff('sales', '销售甲');
  const mine = await chatWith('薇拉');
  const theirs = await chatWith('沃尔特');
  await chat.app.rt.services.customers.update(tenant(), String(mine.conv.customerId), { ownerStaffId: sales.id });
  const stream = await openStream(chat.app.url, sales.token);
  try {
    const list = await as(sales.token)('GET', '/api/v1/conversations?view=all');
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: any) => c.id)).toEqual([mine.id]);
    expect((await as(sales.token)('GET', `/api/v1/conversations/${theirs.id}`)).status).toBe(404);
    expect((await as(sales.token)('GET', `/api/v1/conversations/${theirs.id}/messages`)).status).toBe(404);
    expect((await as(sales.token)('GET', `/api/v1/conversations/${mine.id}/messages`)).status).toBe(200);

    theirs.user.say('别人的消息');
    mine.user.say('我的消息');
    await eventually(() => stream.events.find((e) => e.event === 'message.created' && e.data.message?.text === '我的消息'), 8000, 'own customer event');
    await sleep(300);
    expect(stream.events.some((e) => e.data.conversationId === theirs.id)).toBe(false);
  } finally {
    stream.close();
  }
  // The console went away: its Redis subscription ends with it.
  await eventually(() => desk().live.listenerCount(deskChannel(tenant())) === 0, 5000, 'the stream to unsubscribe');
});

test('a reply needs text or a canned reply, and the conversation taken over first', async () => {
  const { id } = await chatWith('泽尔达');
  const send = as(agent.token);
  const neither = await send('POST', `/api/v1/conversations/${id}/messages`, {});
  expect(neither.status).toBe(400);
  expect(neither.body.error.message).toMatch(/one of text, cannedReplyId or attachmentId/);
  const early = await send('POST', `/api/v1/conversations/${id}/messages`, { text: '在的' });
  expect(early.status).toBe(409);
  expect(early.body.error.message).toMatch(/take the conversation over before replying/);
  expect((await send('POST', '/api/v1/conversations/not-an-id/take')).status).toBe(400);
  expect((await send('POST', `/api/v1/conversations/${'0'.repeat(24)}/take`)).status).toBe(404);
});

test('a canned reply is sent with the customer name and points filled in; notes stay internal', async () => {
  const { user, id, conv } = await chatWith('艾达');
  const send = as(agent.token);
  expect((await send('POST', `/api/v1/conversations/${id}/take`)).status).toBe(200);
  await user.hears(/我是 阿杰/);
  await chat.app.rt.services.loyalty.adjust(tenant(), String(conv.customerId), { points: 88, reason: 'test', idempotencyKey: `ada-${id}`, operator: 'test' });
  const points = (await chat.app.rt.services.loyalty.summary(tenant(), String(conv.customerId))).balance;
  const canned = await send('POST', '/api/v1/desk/canned-replies', { title: `积分提醒-${id}`, text: '{name}您好，您有 {points} 积分可用。' });
  expect(canned.status).toBe(201);
  const dup = await send('POST', '/api/v1/desk/canned-replies', { title: `积分提醒-${id}`, text: 'x' });
  expect(dup.status).toBe(409);

  const note = await send('POST', `/api/v1/conversations/${id}/notes`, { text: '客户上次投诉过物流' });
  expect(note.status).toBe(201);
  const sent = await send('POST', `/api/v1/conversations/${id}/messages`, { cannedReplyId: String(canned.body._id) });
  expect(sent.status).toBe(201);
  expect(await user.hears(/积分可用/)).toBe(`艾达您好，您有 ${points} 积分可用。`);
  await sleep(500);
  expect(user.heard.some((t) => /投诉/.test(t))).toBe(false);
  const history = (await send('GET', `/api/v1/conversations/${id}/messages`)).body.items;
  expect(history.find((m: any) => m.text === '客户上次投诉过物流')).toMatchObject({ direction: 'internal', staffName: '阿杰' });
  const view = await send('GET', `/api/v1/conversations/${id}`);
  expect(view.body.customer).toMatchObject({ name: '艾达', points });
});

test('rules: a bad regex is refused with 400; a regex rule can hand the chat to a human', async () => {
  const cm = await chat.app.staff('community_manager');
  const bad = await as(cm.token)('POST', '/api/v1/desk/rules', { kind: 'regex', pattern: '(退款', action: 'handoff' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/not a usable regular expression/);
  const lookaround = await as(cm.token)('POST', '/api/v1/desk/rules', { kind: 'regex', pattern: '退(?!款)', action: 'handoff' });
  expect(lookaround.status).toBe(400);
  expect(lookaround.body.error.details).toEqual({ field: 'pattern', reason: 'unsupported' });
  expect(refusalInChinese(lookaround.body.error)).toMatch(/^匹配规则（pattern）不支持反向引用/);
  const rule = await as(cm.token)('POST', '/api/v1/desk/rules', { kind: 'regex', pattern: '退(款|货)', action: 'handoff', priority: 10 });
  expect(rule.status).toBe(201);
  const { user, id } = await chatWith('贝蒂', '我要退货');
  await user.hears(/我是 阿杰/);
  expect((await desk().conversations.get(tenant(), id)).handoffReason).toBe(`rule ${rule.body._id}`);
});

test('a canned reply with a typo can be corrected (the fixed text is what customers get) and deleted', async () => {
  const { user, id } = await chatWith('贝拉');
  const send = as(agent.token);
  await send('POST', `/api/v1/conversations/${id}/take`);
  await user.hears(/我是 阿杰/);
  const canned = await send('POST', '/api/v1/desk/canned-replies', { title: `发货-${id}`, text: '{name}，您的订单今天发或' });
  const fixed = await send('PATCH', `/api/v1/desk/canned-replies/${canned.body._id}`, { text: '{name}，您的订单今天发货' });
  expect(fixed.status).toBe(200);
  expect(fixed.body.text).toBe('{name}，您的订单今天发货');
  expect((await send('PATCH', `/api/v1/desk/canned-replies/${canned.body._id}`, {})).status).toBe(400);
  await send('POST', '/api/v1/desk/canned-replies', { title: `另一条-${id}`, text: 'x' });
  expect((await send('PATCH', `/api/v1/desk/canned-replies/${canned.body._id}`, { title: `另一条-${id}` })).status).toBe(409);

  await send('POST', `/api/v1/conversations/${id}/messages`, { cannedReplyId: String(canned.body._id) });
  expect(await user.hears(/今天发/)).toBe('贝拉，您的订单今天发货');

  expect((await send('DELETE', `/api/v1/desk/canned-replies/${canned.body._id}`)).status).toBe(200);
  const list = (await send('GET', '/api/v1/desk/canned-replies')).body.items;
  expect(list.some((c: any) => c._id === canned.body._id)).toBe(false);
  expect((await send('DELETE', `/api/v1/desk/canned-replies/${canned.body._id}`)).status).toBe(404);
  const gone = await send('POST', `/api/v1/conversations/${id}/messages`, { cannedReplyId: String(canned.body._id) });
  expect(gone.status).toBe(404);
  const sales = await chat.app.staff('sales');
  expect((await as(sales.token)('DELETE', `/api/v1/desk/canned-replies/${list[0]._id}`)).status).toBe(403);
});

test('an agent reads their presence — online, capacity and the chats they hold — and going offline hands the chats to someone who is there', async () => {
  const ana = await chat.app.staff('agent', '安娜');
  const me = as(ana.token);
  expect((await me('GET', '/api/v1/desk/presence')).body).toEqual({ online: false, capacity: expect.any(Number), active: 0 });
  expect((await me('POST', '/api/v1/desk/presence', { online: true, capacity: 2 })).status).toBe(200);
  // Taken from the bot: asking for 人工 here would queue the chat, and the queue may hand it to 阿杰 first.
  const { id } = await chatWith('佩德罗');
  expect((await me('POST', `/api/v1/conversations/${id}/take`)).status).toBe(200);
  expect((await me('GET', '/api/v1/desk/presence')).body).toEqual({ online: true, capacity: 2, active: 1 });

  expect((await me('POST', '/api/v1/desk/presence', { online: false })).status).toBe(200);
  expect((await me('GET', '/api/v1/desk/presence')).body).toMatchObject({ online: false, active: 0 });
  // back in the queue, and given to the agent who is online (阿杰)
  const after = (await as(agent.token)('GET', `/api/v1/conversations/${id}`)).body;
  expect(after.assigneeId).not.toBe(ana.id);
  const manager = await chat.app.staff('community_manager');
  expect((await as(manager.token)('GET', '/api/v1/desk/presence')).status).toBe(403);
});
