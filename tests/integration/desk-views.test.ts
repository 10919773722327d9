import { ConversationModel } from '../../server/src/modules/conversations/conversation.model.js';
import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';

/**
 * The inbox's lists and their counts, worked out on the server: 未分配 (queue), 我的, 全部, 已解决,
 * 已超时 (breached, still in human hands).
 */
let chat: MockChat;
beforeAll(async () => {
  chat = await startMockChat();
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;

test('each inbox view lists its chats and the counts follow taking, resolving and a breach', async () => {
  const agent = await chat.app.staff('agent', '小林');
  const as = (method: string, path: string) => chat.app.request(method, path, { token: agent.token });
  const ids: Record<string, string> = {};
  for (const name of ['甲', '乙', '丙']) {
    const user = chat.contact(name);
    user.say('人工');
    await user.hears(/已为您转接人工客服/);
    ids[name] = String((await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id)))._id);
  }
  const browsing = chat.contact('丁');
  browsing.say('你好');
  await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, browsing.mock.id));

  const counts = async () => (await as('GET', '/api/v1/conversations/counts')).body;
  const list = async (view: string) => (await as('GET', `/api/v1/conversations?view=${view}`)).body.items.map((c: any) => c.id);
  expect(await counts()).toEqual({ queue: 3, mine: 0, all: 4, resolved: 0, breached: 0, snoozed: 0, escalated: 0 });

  expect((await as('POST', `/api/v1/conversations/${ids['甲']}/take`)).status).toBe(200);
  expect((await as('POST', `/api/v1/conversations/${ids['乙']}/take`)).status).toBe(200);
  expect((await as('POST', `/api/v1/conversations/${ids['乙']}/resolve`)).status).toBe(200);
  // taking put the agent online, so resolving 乙 freed a seat and the queue handed them 丙
  await eventually(async () => (await counts()).queue === 0 || null, 10_000, 'the queue handing 丙 over');
  expect(await counts()).toEqual({ queue: 0, mine: 2, all: 4, resolved: 1, breached: 0, snoozed: 0, escalated: 0 });
  expect(await list('resolved')).toEqual([ids['乙']]);
  expect((await list('mine')).sort()).toEqual([ids['甲'], ids['丙']].sort());
  expect(await list('queue')).toEqual([]);

  // 丙 waits past the due time: the sweep records the breach and 已超时 holds it
  await ConversationModel.updateOne({ tenantId: tenant(), _id: ids['丙'] }, { $set: { 'sla.dueAt': new Date(Date.now() - 60_000) } });
  await eventually(async () => (await counts()).breached === 1 || null, 10_000, 'the breach in the counts');
  expect(await list('breached')).toEqual([ids['丙']]);
  expect(await counts()).toEqual({ queue: 0, mine: 2, all: 4, resolved: 1, breached: 1, snoozed: 0, escalated: 0 });
});

test('the counts are tenant-wide, so sales (who see only their own customers) are refused them', async () => {
  const sales = await chat.app.staff('sales');
  expect((await chat.app.request('GET', '/api/v1/conversations/counts', { token: sales.token })).status).toBe(403);
  const bad = await chat.app.request('GET', '/api/v1/conversations?view=archived', { token: (await chat.app.staff('agent')).token });
  expect(bad.status).toBe(400);
});
