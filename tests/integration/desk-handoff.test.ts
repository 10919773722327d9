import { startMockChat, eventually, sleep, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
beforeAll(async () => {
  chat = await startMockChat();
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const as = (token: string) => (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token, body });

/** Each test starts with nobody online and nobody waiting, so assignments depend only on what it brings. */
beforeEach(async () => {
  const boss = { id: 'test-admin', name: 'admin', role: 'admin' };
  for (const c of await desk().conversations.list(tenant(), { state: ['queued', 'assigned'], limit: 100 }))
    await desk().handoff.resolve(tenant(), String(c._id), boss);
  for (const s of await chat.app.rt.services.staff.list(tenant(), { online: true })) await desk().handoff.setPresence(tenant(), s.id, false);
});

async function onlineAgent(name: string, capacity = 5) {
  const agent = await chat.app.staff('agent', name);
  const r = await as(agent.token)('POST', '/api/v1/desk/presence', { online: true, capacity });
  expect(r.status).toBe(200);
  return { ...agent, api: as(agent.token) };
}

const conversationOf = (contactId: string) => eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, contactId), 8000, 'the conversation');

test('人工 queues the chat, an agent is assigned, the agent reply reaches the contact, the bot stays silent, resolve hands back to the bot', async () => {
  const agent = await onlineAgent('小王');
  const eve = chat.contact('伊芙');
  eve.say('人工');
  expect(await eve.hears(/我是 小王/)).toBeTruthy();
  const conv = await conversationOf(eve.mock.id);
  expect(conv).toMatchObject({ state: 'assigned', assigneeId: agent.id, handoffReason: 'customer asked for a human' });

  // While the agent holds the chat the bot answers nothing, not even a command; it only records.
  const heardBefore = eve.heard.length;
  eve.say('积分');
  eve.say('你们几点发货？');
  await sleep(1500);
  expect(eve.heard).toHaveLength(heardBefore);
  const mine = await agent.api('GET', '/api/v1/conversations?view=mine');
  expect(mine.body.items).toEqual([expect.objectContaining({ id: String(conv._id), unread: 3 })]);
  const history = await agent.api('GET', `/api/v1/conversations/${conv._id}/messages`);
  expect(history.body.items.slice(0, 2).map((m: any) => m.text)).toEqual(['你们几点发货？', '积分']);
  expect((await agent.api('GET', '/api/v1/conversations?view=mine')).body.items[0].unread).toBe(0);

  const reply = await agent.api('POST', `/api/v1/conversations/${conv._id}/messages`, { text: '今天下单，明天发货。' });
  expect(reply.status).toBe(201);
  // Queued for the bot, or already sent: the bot may take the row before the answer is written.
  expect(reply.body).toMatchObject({ author: 'agent', staffName: '小王', delivery: expect.stringMatching(/^(queued|sent)$/) });
  expect(await eve.hears(/明天发货/)).toBeTruthy();
  await eventually(
    async () => {
      const items = (await agent.api('GET', `/api/v1/conversations/${conv._id}/messages`)).body.items;
      return items.find((m: any) => m.id === reply.body.id && m.delivery === 'sent');
    },
    8000,
    'the reply marked sent',
  );

  const resolved = await agent.api('POST', `/api/v1/conversations/${conv._id}/resolve`);
  expect(resolved.body.state).toBe('resolved');
  expect(await eve.hears(/人工服务已结束/)).toBeTruthy();
  eve.say('积分');
  // Back with the bot: it answers again (no loyalty wired in this file's check: any bot answer will do).
  await eventually(() => eve.heard.length > heardBefore + 2, 8000, 'the bot answering again');
  expect((await desk().conversations.get(tenant(), String(conv._id))).state).toBe('bot');
});

test('assignment is round-robin over online agents within capacity; the customer learns the queue position', async () => {
  const a = await onlineAgent('甲', 1);
  const b = await onlineAgent('乙', 1);
  const [c1, c2, c3] = [chat.contact('客一'), chat.contact('客二'), chat.contact('客三')];
  c1.say('人工');
  await c1.hears(/我是 /);
  c2.say('人工');
  await c2.hears(/我是 /);
  const first = await conversationOf(c1.mock.id);
  const second = await conversationOf(c2.mock.id);
  expect(new Set([first.assigneeId, second.assigneeId])).toEqual(new Set([a.id, b.id]));

  c3.say('人工');
  expect(await c3.hears(/您前面还有 0 位/)).toBeTruthy();
  const third = await conversationOf(c3.mock.id);
  expect(third.state).toBe('queued');
  const queue = await a.api('GET', '/api/v1/conversations?view=queue');
  expect(queue.body.items.map((c: any) => c.id)).toEqual([String(third._id)]);

  // A seat frees up: the waiting customer gets that agent.
  const holder = first.assigneeId === a.id ? a : b;
  await holder.api('POST', `/api/v1/conversations/${first._id}/resolve`);
  expect(await c3.hears(/我是 /)).toBeTruthy();
  expect((await desk().conversations.get(tenant(), String(third._id))).assigneeId).toBe(holder.id);
});

test("the customer's own sales rep gets the chat first when online", async () => {
  await onlineAgent('丙');
  const sales = await chat.app.staff('sales', '销售小李');
  await as(sales.token)('POST', '/api/v1/desk/presence', { online: true });
  const fay = chat.contact('菲');
  fay.say('在吗');
  await fay.hears(/没有听懂/);
  const conv = await conversationOf(fay.mock.id);
  await chat.app.rt.services.customers.update(tenant(), String(conv.customerId), { ownerStaffId: sales.id });
  fay.say('人工');
  expect(await fay.hears(/我是 销售小李/)).toBeTruthy();
  // The rep sees the chat of their own customer.
  const seen = await as(sales.token)('GET', `/api/v1/conversations/${conv._id}`);
  expect(seen.status).toBe(200);
  expect(seen.body.customer).toMatchObject({ name: '菲', ownerStaffId: sales.id });
});

test('an agent going offline hands their chats to another online agent', async () => {
  const a = await onlineAgent('丁', 5);
  const gus = chat.contact('格斯');
  gus.say('人工');
  await gus.hears(/我是 丁/);
  const b = await onlineAgent('戊', 5);
  await a.api('POST', '/api/v1/desk/presence', { online: false });
  expect(await gus.hears(/我是 戊/)).toBeTruthy();
  expect((await conversationOf(gus.mock.id)).assigneeId).toBe(b.id);
});

test('two unanswered questions in a row hand the chat to a human; a FAQ entry answers instead', async () => {
  const cm = await chat.app.staff('community_manager');
  const faq = await as(cm.token)('POST', '/api/v1/desk/rules', {
    kind: 'faq',
    question: '运费',
    keywords: ['运费', '包邮'],
    reply: '{name}您好，满99元包邮。',
  });
  expect(faq.status).toBe(201);
  const hal = chat.contact('哈尔');
  hal.say('包邮吗');
  expect(await hal.hears(/^哈尔您好，满99元包邮。$/)).toBeTruthy();
  hal.say('火星能送吗');
  await hal.hears(/没有听懂/);
  hal.say('那月球呢');
  // No agent is online: the chat waits in the queue and the customer is told nobody is there now,
  // not promised a short wait.
  expect(await hal.hears(/已为您转接人工客服/)).toMatch(/客服都不在线.*上线后会第一时间回复您/);
  expect(hal.heard.some((t) => /前面还有/.test(t))).toBe(false);
  expect(await conversationOf(hal.mock.id)).toMatchObject({ state: 'queued', handoffReason: 'no answer twice in a row' });
  // The first agent to come online gets the waiting chat.
  await onlineAgent('辛');
  expect(await hal.hears(/我是 辛/)).toBeTruthy();
});

test('a transfer moves the chat to another online agent and tells the customer; offline agents cannot receive one', async () => {
  const a = await onlineAgent('己');
  const ivy = chat.contact('艾薇');
  ivy.say('人工');
  await ivy.hears(/我是 己/);
  const conv = await conversationOf(ivy.mock.id);
  const offline = await chat.app.staff('agent', '庚');
  const refused = await a.api('POST', `/api/v1/conversations/${conv._id}/transfer`, { toStaffId: offline.id });
  expect(refused.status).toBe(409);
  expect(refused.body.error.message).toMatch(/offline/);
  const b = await onlineAgent('辛');
  const moved = await a.api('POST', `/api/v1/conversations/${conv._id}/transfer`, { toStaffId: b.id });
  expect(moved.status).toBe(200);
  expect(moved.body).toMatchObject({ state: 'assigned', assigneeId: b.id });
  expect(await ivy.hears(/已为您转接至 辛/)).toBeTruthy();
  // The previous agent can no longer answer in it.
  const late = await a.api('POST', `/api/v1/conversations/${conv._id}/messages`, { text: '还在吗' });
  expect(late.status).toBe(409);
});

test('when the account owner answers from the phone, the bot keeps quiet in that chat for the set pause, then answers again', async () => {
  const admin = await chat.app.staff('admin');
  expect((await as(admin.token)('PUT', '/api/v1/desk/settings', { manualPauseSeconds: 3 })).body.manualPauseSeconds).toBe(3);
  const ivan = chat.contact('伊万');
  ivan.say('在吗');
  await ivan.hears(/没有听懂/);
  // The owner types on the phone: the puppet reports it as the account's own message, not an echo.
  chat.account.say('在的，我是店长，您说').to(ivan.mock);
  const conv = await conversationOf(ivan.mock.id);
  await eventually(
    async () => {
      const items = (await as(admin.token)('GET', `/api/v1/conversations/${conv._id}/messages`)).body.items;
      return items.find((m: any) => m.author === 'account' && m.text === '在的，我是店长，您说');
    },
    8000,
    "the owner's message stored",
  );
  const heard = ivan.heard.length;
  ivan.say('我想换个尺码');
  await sleep(1500);
  // Nothing from the bot: no fallback, no handoff notice.
  expect(ivan.heard).toHaveLength(heard);
  const quiet = await desk().conversations.get(tenant(), String(conv._id));
  expect(quiet.state).toBe('bot');
  expect(quiet.noMatchStreak).toBe(1);

  // The pause (3 s) passes.
  chat.clock.advance(3000);
  ivan.say('还在吗');
  expect(await eventually(() => ivan.heard.filter((t) => /没有听懂|转接人工/.test(t)).length > 1, 8000, 'the bot answering again')).toBe(true);
});

test('an agent whose seat a crashed process left taken gets chats again once the sweep has recounted', async () => {
  const { DeskAgentModel } = await import('../../server/src/modules/conversations/desk-config.model.js');
  const agent = await onlineAgent('庚', 1);
  // A process died after taking 庚's only seat and before assigning the chat.
  await DeskAgentModel.updateOne({ tenantId: tenant(), staffId: agent.id }, { $inc: { active: 1 } });
  const kai = chat.contact('凯');
  kai.say('人工');
  await kai.hears(/前面还有 0 位/);
  // Two sweeps (one second apart here) agree the seat is empty: the chat goes to 庚.
  expect(await kai.hears(/我是 庚/, 10_000)).toBeTruthy();
  expect((await conversationOf(kai.mock.id)).assigneeId).toBe(agent.id);
  // And capacity holds again: 庚 has one chat, so the next customer waits.
  const lin = chat.contact('琳');
  lin.say('人工');
  await lin.hears(/前面还有/);
  await sleep(2500);
  expect((await conversationOf(lin.mock.id)).state).toBe('queued');
});
