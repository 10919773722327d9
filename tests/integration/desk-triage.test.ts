import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';

/**
 * How an agent sorts chats: labels (and the list filtered by one), resolve with a reason, reopen,
 * and snooze until a time — the chat leaves 我的 and comes back when the desk's clock passes that
 * time (the clock is driven here) or when the customer writes.
 */
let chat: MockChat;
beforeAll(async () => {
  // The clock jumps an hour here; the agents keep their consoles open all along (presence is not under test).
  chat = await startMockChat({ DESK_PRESENCE_TIMEOUT_SECONDS: String(7 * 86_400) });
});
afterAll(() => chat.stop());
// Agents who took a chat went online: each test's agents end their chats and leave the desk, so the
// next test's agent gets none of them.
const onDesk: string[] = [];
afterEach(async () => {
  for (const token of onDesk.splice(0)) {
    for (const c of (await chat.app.request('GET', '/api/v1/conversations?view=mine', { token })).body.items)
      await chat.app.request('POST', `/api/v1/conversations/${c.id}/resolve`, { token });
    await chat.app.request('POST', '/api/v1/desk/presence', { token, body: { online: false } });
  }
});

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;

/** A customer who asked for a human, taken by the agent. */
async function heldChat(token: string, name: string) {
  if (!onDesk.includes(token)) onDesk.push(token);
  const user = chat.contact(name);
  user.say('人工');
  // queued, or straight to the agent when they are online with a free seat already
  await user.hears(/已为您转接人工客服|很高兴为您服务/);
  const id = String((await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id)))._id);
  expect((await chat.app.request('POST', `/api/v1/conversations/${id}/take`, { token })).status).toBe(200);
  return { user, id };
}

test('labels are a set on the chat, and the list and its counts filter by one', async () => {
  const agent = await chat.app.staff('agent', '小标');
  const as = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: agent.token, body });
  const a = await heldChat(agent.token, '标签甲');
  const b = await heldChat(agent.token, '标签乙');

  expect((await as('POST', `/api/v1/conversations/${a.id}/labels`, { add: ['售后', '发票'] })).body.labels.sort()).toEqual(['发票', '售后'].sort());
  // the same request again (a retry) keeps one of each
  expect((await as('POST', `/api/v1/conversations/${a.id}/labels`, { add: ['售后', '发票'] })).body.labels).toHaveLength(2);
  const removed = await as('POST', `/api/v1/conversations/${a.id}/labels`, { remove: ['发票'] });
  expect(removed.body.labels).toEqual(['售后']);
  await as('POST', `/api/v1/conversations/${b.id}/labels`, { add: ['物流'] });

  const ids = async (q: string) => (await as('GET', `/api/v1/conversations?${q}`)).body.items.map((c: any) => c.id);
  expect(await ids('view=mine&label=售后')).toEqual([a.id]);
  expect(await ids('view=all&label=物流')).toEqual([b.id]);
  expect(await ids('view=all&label=发票')).toEqual([]);
  expect((await as('GET', '/api/v1/conversations/counts?label=售后')).body).toMatchObject({ mine: 1, all: 1 });
  expect((await as('GET', '/api/v1/conversations/labels')).body.items).toEqual(expect.arrayContaining(['售后', '物流']));
  expect((await as('GET', '/api/v1/conversations/labels')).body.items).not.toContain('发票');

  const long = await as('POST', `/api/v1/conversations/${a.id}/labels`, { add: ['这是一个远远超过二十个字的标签名称这是一个远远超过'] });
  expect(long.status).toBe(400);
  expect(long.body.error.code).toBe('VALIDATION_FAILED');
});

test('resolving carries the reason, once however often it is asked; reopening makes the chat mine again', async () => {
  const agent = await chat.app.staff('agent', '小结');
  const as = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: agent.token, body });
  const { user, id } = await heldChat(agent.token, '结束甲');

  expect((await as('POST', `/api/v1/conversations/${id}/resolve`, { reason: 'whatever' })).status).toBe(400);
  const resolved = await as('POST', `/api/v1/conversations/${id}/resolve`, { reason: 'no_response' });
  expect(resolved.status).toBe(200);
  expect(resolved.body).toMatchObject({ state: 'resolved', resolveReason: 'no_response' });
  // a double click: the same answer, and the customer is told the service ended once
  const again = await as('POST', `/api/v1/conversations/${id}/resolve`, { reason: 'no_response' });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ state: 'resolved', resolveReason: 'no_response' });
  await user.hears(/人工服务已结束/);
  await new Promise((r) => setTimeout(r, 1000));
  expect(user.heard.filter((t) => /人工服务已结束/.test(t))).toHaveLength(1);

  const reopened = await as('POST', `/api/v1/conversations/${id}/reopen`);
  expect(reopened.status).toBe(200);
  expect(reopened.body).toMatchObject({ state: 'assigned', assigneeId: agent.id });
  expect(reopened.body.resolveReason).toBeUndefined();
  expect((await as('POST', `/api/v1/conversations/${id}/reopen`)).body).toMatchObject({ state: 'assigned', assigneeId: agent.id });
  // the desk's writes are in the audit log with who did them
  const audited = (await chat.app.rt.services.audit.list(tenant(), { targetId: id })).map((e: any) => `${e.actorId} ${e.action}`);
  expect(audited).toEqual(expect.arrayContaining([`${agent.id} POST /api/v1/conversations/:id/resolve`, `${agent.id} POST /api/v1/conversations/:id/reopen`]));
  // only a resolved chat reopens: someone else's open chat is refused with a reason
  const other = await chat.app.staff('agent', '小旁');
  const refused = await chat.app.request('POST', `/api/v1/conversations/${id}/reopen`, { token: other.token });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('CONVERSATION_WRONG_STATE');
});

test('a snoozed chat leaves 我的 for 稍后 and comes back when the clock passes its time, or when the customer writes', async () => {
  const agent = await chat.app.staff('agent', '小睡');
  const as = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: agent.token, body });
  const mine = async () => (await as('GET', '/api/v1/conversations?view=mine')).body.items.map((c: any) => c.id);
  const snoozedList = async () => (await as('GET', '/api/v1/conversations?view=snoozed')).body.items.map((c: any) => c.id);
  const a = await heldChat(agent.token, '稍后甲');
  const b = await heldChat(agent.token, '稍后乙');

  const now = () => chat.clock.now().getTime();
  const past = await as('POST', `/api/v1/conversations/${a.id}/snooze`, { until: new Date(now() - 60_000).toISOString() });
  expect(past.status).toBe(400);
  expect(past.body.error.code).toBe('CONVERSATION_BAD_SNOOZE');
  expect((await as('POST', `/api/v1/conversations/${a.id}/snooze`, { until: new Date(now() + 31 * 86_400_000).toISOString() })).status).toBe(400);

  const until = new Date(now() + 60 * 60_000);
  expect((await as('POST', `/api/v1/conversations/${a.id}/snooze`, { until: until.toISOString() })).body.snoozedUntil).toBe(until.toISOString());
  await as('POST', `/api/v1/conversations/${b.id}/snooze`, { until: until.toISOString() });
  expect((await mine()).sort()).toEqual([]);
  expect((await snoozedList()).sort()).toEqual([a.id, b.id].sort());
  expect((await as('GET', '/api/v1/conversations/counts')).body).toMatchObject({ mine: 0, snoozed: 2 });
  // somebody else cannot snooze a chat they do not hold
  const other = await chat.app.staff('agent', '小别');
  expect((await chat.app.request('POST', `/api/v1/conversations/${a.id}/snooze`, { token: other.token, body: { until: until.toISOString() } })).status).toBe(
    409,
  );

  // 乙 writes: the chat is back at once
  b.user.say('还在吗？');
  await eventually(async () => (await mine()).includes(b.id), 8000, '乙 back in 我的');
  expect(await snoozedList()).toEqual([a.id]);

  // the clock passes 甲's time: the sweep wakes it and it is back in 我的
  chat.clock.advance(61 * 60_000);
  await eventually(async () => !(await desk().conversations.get(tenant(), a.id)).snoozedUntil, 8000, 'the sweep waking 甲');
  expect((await mine()).sort()).toEqual([a.id, b.id].sort());
  expect(await snoozedList()).toEqual([]);

  // 立即恢复: a snoozed chat brought back before its time
  await as('POST', `/api/v1/conversations/${b.id}/snooze`, { until: new Date(now() + 3 * 60 * 60_000).toISOString() });
  expect(await mine()).toEqual([a.id]);
  expect((await as('POST', `/api/v1/conversations/${b.id}/wake`)).body.snoozedUntil).toBeUndefined();
  expect((await mine()).sort()).toEqual([a.id, b.id].sort());
});
