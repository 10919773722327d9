import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';

/**
 * Desk teams and handoff routing: a manager makes a VIP team and a rule "loyalty tier gold → VIP";
 * a gold member who asks for a human waits in the VIP queue and is answered by a VIP member only,
 * while other customers keep the general queue as before.
 */
let chat: MockChat;
let manager: string;
beforeAll(async () => {
  chat = await startMockChat();
  manager = (await chat.app.staff('community_manager', '主管')).token;
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const conversationOf = (contactId: string) => eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, contactId), 8000, 'the conversation');
const online = (token: string, capacity: number) => chat.app.request('POST', '/api/v1/desk/presence', { token, body: { online: true, capacity } });

test('a manager keeps teams: unique names, real staff as members, no deleting a team a rule uses', async () => {
  const member = await chat.app.staff('agent', '组员');
  const made = await chat.app.request('POST', '/api/v1/desk/teams', {
    token: manager,
    body: { name: '售前', memberIds: [member.id], firstResponseSeconds: 60 },
  });
  expect(made.status).toBe(201);
  expect(made.body).toMatchObject({ name: '售前', memberIds: [member.id], firstResponseSeconds: 60 });

  const twice = await chat.app.request('POST', '/api/v1/desk/teams', { token: manager, body: { name: '售前', memberIds: [] } });
  expect(twice.status).toBe(409);
  expect(twice.body.error).toMatchObject({ code: 'DESK_TEAM_NAME_TAKEN', details: { field: 'name' } });
  const ghost = await chat.app.request('POST', '/api/v1/desk/teams', { token: manager, body: { name: '幽灵组', memberIds: ['0123456789abcdef01234567'] } });
  expect(ghost.status).toBe(400);
  expect(ghost.body.error).toMatchObject({ code: 'DESK_TEAM_MEMBER_UNKNOWN', details: { field: 'memberIds.0' } });

  const list = await chat.app.request('GET', '/api/v1/desk/teams', { token: manager });
  expect(list.body.items.find((t: any) => t.name === '售前').members).toEqual([expect.objectContaining({ id: member.id, name: '组员' })]);

  const rules = await chat.app.request('PUT', '/api/v1/desk/routing', {
    token: manager,
    body: { rules: [{ when: 'keyword', values: ['发票'], teamId: made.body.id }] },
  });
  expect(rules.status).toBe(200);
  const refused = await chat.app.request('DELETE', `/api/v1/desk/teams/${made.body.id}`, { token: manager });
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({ code: 'DESK_TEAM_IN_USE', details: { rule: 1 } });
  const unknown = await chat.app.request('PUT', '/api/v1/desk/routing', {
    token: manager,
    body: { rules: [{ when: 'tier', values: ['gold'], teamId: '0123456789abcdef01234567' }] },
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.code).toBe('DESK_ROUTING_TEAM_UNKNOWN');

  await chat.app.request('PUT', '/api/v1/desk/routing', { token: manager, body: { rules: [] } });
  expect((await chat.app.request('DELETE', `/api/v1/desk/teams/${made.body.id}`, { token: manager })).status).toBe(200);
});

test("a VIP customer's handoff waits in the VIP team's queue, with its own target, and goes to a VIP member only", async () => {
  const general = await chat.app.staff('agent', '阿普');
  const vipAgent = await chat.app.staff('agent', '阿维');
  const team = await chat.app.request('POST', '/api/v1/desk/teams', {
    token: manager,
    body: { name: 'VIP', memberIds: [vipAgent.id], firstResponseSeconds: 30 },
  });
  expect(team.status).toBe(201);
  const routing = await chat.app.request('PUT', '/api/v1/desk/routing', {
    token: manager,
    body: { rules: [{ when: 'tier', values: ['gold', 'black'], teamId: team.body.id }] },
  });
  expect(routing.body.rules).toEqual([{ when: 'tier', values: ['gold', 'black'], teamId: team.body.id }]);

  // A gold member by a real order (¥6,000 makes 金卡), known by the chat contact they write from.
  const vip = chat.contact('金卡客');
  const now = chat.clock.now().toISOString();
  await chat.app.rt.services.events.ingest(tenant(), [
    {
      eventId: 'teams-vip-1',
      type: 'order.paid',
      occurredAt: now,
      customer: { wechatyContactId: vip.mock.id, name: '金卡客' },
      data: { orderId: 'teams-vip-1', amount: 600_000 },
    },
  ]);
  await chat.app.rt.services.events.settle();
  const customerId = await chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: vip.mock.id });
  await eventually(async () => (await chat.app.rt.services.loyalty.members.find(tenant(), String(customerId)))?.tier === 'gold', 8000, 'the gold tier');

  // Only the general agent is at the desk, with free seats: the VIP chat waits for its team all the same.
  expect((await online(general.token, 5)).status).toBe(200);
  vip.say('人工');
  await vip.hears(/已为您转接人工客服/);
  const waiting = await conversationOf(vip.mock.id);
  expect(waiting).toMatchObject({ state: 'queued', teamId: team.body.id, teamName: 'VIP' });
  // The team's own 30 s first-response target, not the tenant's 120 s.
  expect(new Date(waiting.sla!.dueAt!).getTime() - new Date(waiting.queuedAt!).getTime()).toBe(30_000);

  // A customer without a tier keeps the general queue and gets the general agent at once.
  const plain = chat.contact('路人甲');
  plain.say('人工');
  await plain.hears(/我是 阿普/);
  expect((await conversationOf(plain.mock.id)).teamId).toBeUndefined();
  expect((await conversationOf(vip.mock.id)).state).toBe('queued');

  // The VIP member comes online: the chat is theirs.
  expect((await online(vipAgent.token, 1)).status).toBe(200);
  await vip.hears(/我是 阿维/);
  expect(await conversationOf(vip.mock.id)).toMatchObject({ state: 'assigned', assigneeId: vipAgent.id });
  const inbox = await chat.app.request('GET', '/api/v1/conversations?view=mine', { token: vipAgent.token });
  expect(inbox.body.items.find((c: any) => c.id === String(waiting._id))).toMatchObject({ teamName: 'VIP', assigneeName: '阿维' });

  for (const [c, who] of [
    [waiting, vipAgent],
    [await conversationOf(plain.mock.id), general],
  ] as const) {
    expect((await chat.app.request('POST', `/api/v1/conversations/${c._id}/resolve`, { token: who.token })).status).toBe(200);
  }
});

test('a customer waiting for a team hears their place in that queue, not behind other queues', async () => {
  const board = (await chat.app.request('GET', '/api/v1/desk/teams', { token: manager })).body.items.find((t: any) => t.name === 'VIP');
  // The general agent is full (capacity 1, one chat held) so the next general customer waits …
  const general = await chat.app.staff('agent', '阿全');
  for (const s of await chat.app.rt.services.staff.list(tenant(), { online: true })) await desk().handoff.setPresence(tenant(), s.id, false);
  const vipAgent = board.members[0];
  await desk().handoff.setPresence(tenant(), general.id, true, 1);
  const g1 = chat.contact('普通一');
  g1.say('人工');
  await g1.hears(/我是 阿全/);
  const g2 = chat.contact('普通二');
  g2.say('人工');
  await g2.hears(/您前面还有 0 位/);

  // … while a keyword rule sends 退款 to the VIP team, whose member is at the desk but busy.
  await chat.app.request('PUT', '/api/v1/desk/routing', { token: manager, body: { rules: [{ when: 'keyword', values: ['退款'], teamId: board.id }] } });
  await desk().handoff.setPresence(tenant(), vipAgent.id, true, 0);
  const r1 = chat.contact('退款客');
  r1.say('我要退款');
  r1.say('人工');
  // One general customer waits longer, but not in this queue.
  expect(await r1.hears(/已为您转接人工客服/)).toBe('已为您转接人工客服，您前面还有 0 位，请稍候。');
  expect(await conversationOf(r1.mock.id)).toMatchObject({ state: 'queued', teamName: 'VIP' });
});

test("many handoffs to a team at once never give its member more chats than their capacity, nor anyone else the team's chats", async () => {
  for (const s of await chat.app.rt.services.staff.list(tenant(), { online: true })) await desk().handoff.setPresence(tenant(), s.id, false);
  const member = await chat.app.staff('agent', '阿竞');
  const outsider = await chat.app.staff('agent', '阿般');
  const team = await chat.app.request('POST', '/api/v1/desk/teams', { token: manager, body: { name: '抢单组', memberIds: [member.id] } });
  await chat.app.request('PUT', '/api/v1/desk/routing', { token: manager, body: { rules: [{ when: 'keyword', values: ['人工'], teamId: team.body.id }] } });
  await desk().handoff.setPresence(tenant(), outsider.id, true, 20);
  await desk().handoff.setPresence(tenant(), member.id, true, 2);

  const crowd = ['抢一', '抢二', '抢三', '抢四', '抢五', '抢六'].map((n) => chat.contact(n));
  for (const c of crowd) c.say('人工');
  const chats = await eventually(
    async () => {
      const all = await Promise.all(crowd.map((c) => desk().conversations.findByPeer(tenant(), chat.account.id, c.mock.id)));
      return all.every((c) => c?.teamId === team.body.id) ? all : null;
    },
    15_000,
    'six handoffs to 抢单组',
  );
  // Handoffs still being routed race these drains; whatever the order, the member ends with exactly
  // their two seats filled, and more drains give nobody more.
  const read = () => Promise.all(chats.map((c) => desk().conversations.get(tenant(), String(c!._id))));
  await eventually(
    async () => {
      await Promise.all([1, 2, 3, 4, 5].map(() => desk().handoff.drainQueue(tenant())));
      return (await read()).filter((c) => c.state === 'assigned').length >= 2;
    },
    15_000,
    'the member’s two seats filled',
  );
  await Promise.all([1, 2, 3].map(() => desk().handoff.drainQueue(tenant())));

  const now = await read();
  expect(now.filter((c) => c.state === 'assigned').map((c) => c.assigneeId)).toEqual([member.id, member.id]);
  expect(now.filter((c) => c.state === 'queued')).toHaveLength(4);
  expect((await desk().handoff.presence(tenant(), member.id)).active).toBe(2);
  // The outsider took the general queue's leftovers from the tests above, and nothing of the team's.
  const theirs = (await chat.app.request('GET', '/api/v1/conversations?view=mine', { token: outsider.token })).body.items;
  expect(theirs.filter((c: any) => c.teamId)).toEqual([]);
});

test("an agent hands a chat to a team: it waits in that team's queue, goes to a free member, and the history and audit say why", async () => {
  for (const s of await chat.app.rt.services.staff.list(tenant(), { online: true })) await desk().handoff.setPresence(tenant(), s.id, false);
  await chat.app.request('PUT', '/api/v1/desk/routing', { token: manager, body: { rules: [] } });
  const first = await chat.app.staff('agent', '阿前');
  const member = await chat.app.staff('agent', '阿后');
  const team = await chat.app.request('POST', '/api/v1/desk/teams', { token: manager, body: { name: '售后组', memberIds: [member.id] } });
  await online(first.token, 3);
  const buyer = chat.contact('退货客');
  buyer.say('人工');
  await buyer.hears(/我是 阿前/);
  const c = await conversationOf(buyer.mock.id);
  const transfer = (body: object, token = first.token) => chat.app.request('POST', `/api/v1/conversations/${c._id}/transfer`, { token, body });

  // Neither or both targets, or a team that does not exist, is refused and changes nothing.
  expect((await transfer({})).status).toBe(400);
  expect((await transfer({ toStaffId: member.id, toTeamId: team.body.id })).status).toBe(400);
  expect((await transfer({ toTeamId: '0123456789abcdef01234567' })).status).toBe(404);
  expect(await desk().conversations.get(tenant(), String(c._id))).toMatchObject({ state: 'assigned', assigneeId: first.id });

  // Nobody of the team is at the desk: the chat waits in the team's queue, not with 阿前 nor in the general queue.
  // (阿前 may also hold chats left in the general queue by the tests above: count the seat this one frees.)
  const held = (await desk().handoff.presence(tenant(), first.id)).active;
  const moved = await transfer({ toTeamId: team.body.id, reason: '退货需要售后处理' });
  expect(moved.status).toBe(200);
  expect(moved.body).toMatchObject({ state: 'queued', teamId: team.body.id, teamName: '售后组' });
  expect(moved.body.assigneeId).toBeUndefined();
  expect(await buyer.hears(/已为您转接至售后组/)).toBeTruthy();
  expect((await desk().handoff.presence(tenant(), first.id)).active).toBe(held - 1);
  await desk().handoff.drainQueue(tenant());
  expect((await desk().conversations.get(tenant(), String(c._id))).state).toBe('queued');

  // The member comes online: fair routing gives it to them.
  await online(member.token, 2);
  await buyer.hears(/我是 阿后/);
  expect(await desk().conversations.get(tenant(), String(c._id))).toMatchObject({ state: 'assigned', assigneeId: member.id, teamName: '售后组' });

  const history = (await chat.app.request('GET', `/api/v1/conversations/${c._id}/messages`, { token: member.token })).body.items;
  expect(history.find((m: any) => m.author === 'system' && m.direction === 'internal')).toMatchObject({ text: '阿前 转给团队「售后组」：退货需要售后处理' });
  const audit = await chat.app.rt.services.audit.list(tenant(), { targetId: String(c._id), action: 'POST /api/v1/conversations/:id/transfer' });
  expect(audit[0]).toMatchObject({ actorId: first.id, details: { toTeamId: team.body.id, reason: '退货需要售后处理' } });
});
