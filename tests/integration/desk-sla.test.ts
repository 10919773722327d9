import { startMockChat, eventually, openStream, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
beforeAll(async () => {
  chat = await startMockChat();
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;

test('a customer left waiting past the first-response target gets a warning, then a breach escalated to the supervisors', async () => {
  const admin = await chat.app.staff('admin');
  // Targets below the API's 10-second minimum, set on the service so the test runs in seconds.
  await desk().rules.updateSettings(tenant(), { firstResponseSeconds: 2, nextResponseSeconds: 2 });
  const cm = await chat.app.staff('community_manager', '主管');
  const stream = await openStream(chat.app.url, cm.token);
  try {
    await breachStory(admin, cm, stream);
  } finally {
    stream.close();
  }
});

async function breachStory(admin: { token: string }, cm: { token: string }, stream: Awaited<ReturnType<typeof openStream>>) {
  expect(stream.status).toBe(200);

  const quinn = chat.contact('奎因');
  quinn.say('人工');
  await quinn.hears(/已为您转接人工客服/);
  const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, quinn.mock.id));
  const id = String(conv._id);

  // Nobody answers: the clock passes the 80% mark and then the target.
  chat.clock.advance(1700);
  await desk().sla.sweep();
  chat.clock.advance(800);
  await desk().sla.sweep();
  const breached = await eventually(() => stream.events.find((e) => e.event === 'sla.breached' && e.data.conversationId === id), 10_000, 'the breach event');
  expect(breached.data).toMatchObject({ escalatedTo: 'community_manager', state: 'queued' });
  const warned = stream.events.findIndex((e) => e.event === 'sla.warning' && e.data.conversationId === id);
  expect(warned).toBeGreaterThanOrEqual(0);
  expect(warned).toBeLessThan(stream.events.indexOf(breached));
  // The console saw the customer's message arrive live too.
  expect(stream.events.some((e) => e.event === 'message.created' && e.data.conversationId === id && e.data.message.text === '人工')).toBe(true);

  const view = await chat.app.request('GET', `/api/v1/conversations/${id}`, { token: admin.token });
  expect(view.body.sla.breaches).toEqual([expect.objectContaining({ kind: 'first', escalatedTo: 'community_manager' })]);
  // The chat keeps its clock after the breach: the missed due time, so the page can show how late it is.
  expect(view.body.sla.overdueSince).toBe(view.body.sla.breaches[0].dueAt);
  expect(Date.parse(view.body.sla.overdueSince) - Date.parse(view.body.awaitingSince)).toBe(2000);
  // The queue the agents see carries it too.
  const queue = (await chat.app.request('GET', '/api/v1/conversations?view=queue', { token: admin.token })).body.items;
  expect(queue.find((c: any) => c.id === id).sla.overdueSince).toBe(view.body.sla.overdueSince);
  // The supervisor's list of breached chats still in human hands holds it (also for one who missed the live event).
  const breachedList = async () => (await chat.app.request('GET', '/api/v1/conversations?view=breached', { token: cm.token })).body.items.map((c: any) => c.id);
  expect(await breachedList()).toContain(id);

  // A late answer is still measured; the breach stays on record, once.
  const agent = await chat.app.staff('agent', '迟到的客服');
  expect((await chat.app.request('POST', `/api/v1/conversations/${id}/take`, { token: agent.token })).status).toBe(200);
  await chat.app.request('POST', `/api/v1/conversations/${id}/messages`, { token: agent.token, body: { text: '抱歉久等了' } });
  await desk().sla.sweep();
  const after = (await chat.app.request('GET', `/api/v1/conversations/${id}`, { token: admin.token })).body;
  expect(after.sla.breaches).toHaveLength(1);
  expect(after.sla.firstResponseMs).toBeGreaterThanOrEqual(2000);
  expect(after.sla.dueAt).toBeUndefined();
  // Answered: no longer late.
  expect(after.sla.overdueSince).toBeUndefined();

  // The customer writes again and nobody answers: a next-response breach.
  quinn.say('还在吗？');
  await eventually(async () => (await desk().conversations.get(tenant(), id)).sla?.dueAt, 8000, 'the next-response clock');
  chat.clock.advance(2500);
  await desk().sla.sweep();
  await eventually(async () => (await desk().conversations.get(tenant(), id)).sla?.breaches?.length === 2, 10_000, 'the next-response breach');
  const breaches = (await chat.app.request('GET', `/api/v1/conversations/${id}`, { token: admin.token })).body.sla.breaches;
  expect(breaches[1]).toMatchObject({ kind: 'next', assigneeId: agent.id });
  const figures = await chat.app.request('GET', '/api/v1/desk/figures', { token: cm.token });
  expect(figures.body).toMatchObject({ breaches: 2, responses: 1 });
  // Resolved, it leaves the supervisor's list; the breaches stay on record.
  expect((await chat.app.request('GET', `/api/v1/conversations/${id}`, { token: admin.token })).body.sla.overdueSince).toBe(breaches[1].dueAt);
  await chat.app.request('POST', `/api/v1/conversations/${id}/resolve`, { token: agent.token });
  expect(await breachedList()).not.toContain(id);
  const resolved = (await chat.app.request('GET', `/api/v1/conversations/${id}`, { token: admin.token })).body;
  expect(resolved.sla.breaches).toHaveLength(2);
  // Resolved chats wait for nobody: no clock.
  expect(resolved.sla.overdueSince).toBeUndefined();
}

test('an answer within the target records no breach', async () => {
  await desk().rules.updateSettings(tenant(), { firstResponseSeconds: 3 });
  const agent = await chat.app.staff('agent', '快手');
  await chat.app.request('POST', '/api/v1/desk/presence', { token: agent.token, body: { online: true } });
  const rae = chat.contact('蕾');
  rae.say('人工');
  await rae.hears(/我是 快手/);
  const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, rae.mock.id));
  await chat.app.request('POST', `/api/v1/conversations/${conv._id}/messages`, { token: agent.token, body: { text: '您好，请讲' } });
  // Well past the target, and the sweep has looked.
  chat.clock.advance(4000);
  await desk().sla.sweep();
  const { sla } = (await chat.app.request('GET', `/api/v1/conversations/${conv._id}`, { token: agent.token })).body;
  expect(sla.breaches).toHaveLength(0);
  expect(sla.firstResponseMs).toBeLessThan(3000);
});

test("a missed target in a team's chat is escalated to that team's manager, who finds it in 升级给我; another team's manager does not", async () => {
  const aftersales = await chat.app.staff('community_manager', '售后主管');
  const presales = await chat.app.staff('community_manager', '售前主管');
  const refunds = await desk().teams.create(tenant(), { name: '售后', memberIds: [], firstResponseSeconds: 2, managerId: aftersales.id });
  await desk().teams.create(tenant(), { name: '售前', memberIds: [], firstResponseSeconds: 2, managerId: presales.id });
  await desk().teams.setRouting(tenant(), [{ when: 'keyword', values: ['退款'], teamId: refunds.id }]);
  const stream = await openStream(chat.app.url, aftersales.token);
  try {
    const uma = chat.contact('乌玛');
    uma.say('我要退款');
    uma.say('人工');
    await uma.hears(/已为您转接人工客服/);
    const id = String((await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, uma.mock.id)))._id);
    expect((await desk().conversations.get(tenant(), id)).teamName).toBe('售后');
    chat.clock.advance(2500);
    await desk().sla.sweep();

    const breached = await eventually(() => stream.events.find((e) => e.event === 'sla.breached' && e.data.conversationId === id), 10_000, 'the breach event');
    expect(breached.data).toMatchObject({ escalatedToId: aftersales.id, escalatedToName: '售后主管' });
    const view = (await chat.app.request('GET', `/api/v1/conversations/${id}`, { token: aftersales.token })).body;
    expect(view).toMatchObject({ escalatedToId: aftersales.id, escalatedToName: '售后主管' });
    expect(view.sla.breaches).toEqual([expect.objectContaining({ kind: 'first', escalatedToName: '售后主管' })]);
    const escalated = async (token: string) =>
      (await chat.app.request('GET', '/api/v1/conversations?view=escalated', { token })).body.items.map((c: any) => c.id);
    expect(await escalated(aftersales.token)).toEqual([id]);
    expect(await escalated(presales.token)).toEqual([]);
    expect((await chat.app.request('GET', '/api/v1/conversations/counts', { token: aftersales.token })).body.escalated).toBe(1);

    // Resolved, it leaves the manager's list.
    const agent = await chat.app.staff('agent', '售后客服');
    await chat.app.request('POST', `/api/v1/conversations/${id}/take`, { token: agent.token });
    await chat.app.request('POST', `/api/v1/conversations/${id}/resolve`, { token: agent.token });
    expect(await escalated(aftersales.token)).toEqual([]);
  } finally {
    stream.close();
    await desk().teams.setRouting(tenant(), []);
  }
});
