import { startMockChat, eventually, sleep, type MockChat, type ChatUser } from '../desk/mock-chat.js';
import { grantMarketing } from '../../support/consent.js';

/**
 * Marketing never lands inside an open service chat: while a customer's chat is with an agent (or
 * waiting for one), a campaign skips them with the reason `in_service_chat`; once the chat is
 * resolved, the next campaign reaches them.
 */
let chat: MockChat;
let manager: string;
beforeAll(async () => {
  // The test drives the dispatcher itself (as the worker's tick would).
  chat = await startMockChat({ BROADCAST_TICK_EVERY: '1 hour', BROADCAST_RESULTS_EVERY: '1 hour' });
  manager = (await chat.app.staff('community_manager')).token;
}, 30_000);
afterAll(() => chat?.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const s = () => chat.app.rt.services;
const api = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: manager, body });
const ticks = async (k = 2) => {
  for (let i = 0; i < k; i++) await s().broadcasts.dispatcher.tick(5_000);
};
const progress = async (id: string) => (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;

async function botContact(name: string, first: string): Promise<{ user: ChatUser; customerId: string; conversationId: string }> {
  const user = chat.contact(name);
  user.say(first);
  const conv = await eventually(() => s().desk.conversations.findByPeer(tenant(), chat.account.id, user.mock.id), 8000, `${name}'s chat`);
  await grantMarketing(s(), tenant(), [String(conv.customerId)]);
  return { user, customerId: String(conv.customerId), conversationId: String(conv._id) };
}

async function campaign(name: string, text: string, customerIds: string[]) {
  const tag = (await s().tags.ensure(tenant(), '活动', name)).id;
  for (const id of customerIds) await s().customers.tag(tenant(), id, [tag], []);
  const seg = await api('POST', '/api/v1/segments', {
    name: `seg-${name}`,
    audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] },
  });
  expect(seg.status).toBe(201);
  const res = await api('POST', '/api/v1/broadcasts', { name, channel: 'bot_private', segmentId: seg.body.id, content: { text } });
  expect(res.status).toBe(201);
  await ticks();
  return res.body.id as string;
}

test('a customer talking to an agent is skipped with in_service_chat and hears no campaign; after resolving, the next campaign reaches them', async () => {
  const carla = await botContact('卡拉', '人工');
  await carla.user.hears(/已为您转接人工客服/);
  const agent = await chat.app.staff('agent', '客服小卡');
  expect((await chat.app.request('POST', `/api/v1/conversations/${carla.conversationId}/take`, { token: agent.token })).status).toBe(200);
  const dave = await botContact('戴夫', '你好');

  const first = await campaign('周末上新', '周末上新：新品 8 折', [carla.customerId, dave.customerId]);
  await dave.user.hears(/周末上新/);
  expect(await progress(first)).toMatchObject({ status: 'completed', counts: { total: 2, sent: 1, skipped: 1 }, skipped: { in_service_chat: 1 } });
  await sleep(800);
  expect(carla.user.heard.some((t) => /周末上新/.test(t))).toBe(false);

  // the chat ends: she is an ordinary recipient again
  expect(
    (await chat.app.request('POST', `/api/v1/conversations/${carla.conversationId}/resolve`, { token: agent.token, body: { reason: 'solved' } })).status,
  ).toBe(200);
  const second = await campaign('会员日', '会员日：满199减30', [carla.customerId]);
  await carla.user.hears(/会员日/);
  expect(await progress(second)).toMatchObject({ counts: { total: 1, sent: 1, skipped: 0 } });
});
