import { startMockChat, eventually, openStream, sleep, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
let agent: { id: string; token: string };
beforeAll(async () => {
  chat = await startMockChat({ DESK_OUTBOUND_MAX_ATTEMPTS: '2' });
  agent = await chat.app.staff('agent', '小周');
  await chat.app.request('POST', '/api/v1/desk/presence', { token: agent.token, body: { online: true } });
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const api = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: agent.token, body });

async function assignedChat(name: string) {
  const user = chat.contact(name);
  user.say('人工');
  await user.hears(/我是 小周/);
  const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id));
  return { user, conv };
}

const outboundOf = async (messageId: string) => {
  const { MessageModel } = await import('../../server/src/modules/conversations/conversation.model.js');
  const m = await MessageModel.findOne({ tenantId: tenant(), _id: messageId }).lean();
  return desk().outbound.get(tenant(), String(m!.outboundId));
};

test('a reply written while the bot is down is delivered once when the bot is back', async () => {
  const { user, conv } = await assignedChat('诺拉');
  await chat.stopBot();
  const reply = await api('POST', `/api/v1/conversations/${conv._id}/messages`, { text: '稍等，我去仓库确认库存。' });
  expect(reply.status).toBe(201);
  await sleep(1200);
  expect(user.heard.filter((t) => /库存/.test(t))).toHaveLength(0);
  expect((await outboundOf(reply.body.id))!.state).toBe('queued');

  await chat.startBot();
  await user.hears(/库存/);
  await sleep(1000);
  expect(user.heard.filter((t) => /库存/.test(t))).toHaveLength(1);
  const row = await outboundOf(reply.body.id);
  expect(row).toMatchObject({ state: 'sent', attempts: 1 });
});

test('a bot that stops mid-delivery loses no reply: the lease runs out and the next bot sends it once', async () => {
  const { user, conv } = await assignedChat('奥托');
  await chat.stopBot();
  const reply = await api('POST', `/api/v1/conversations/${conv._id}/messages`, { text: '您的退款已经提交。' });
  // The crashed bot had claimed the row (state sending, leased) and died before sending.
  const claimed = await desk().outbound.claim(tenant(), chat.account.id, 'crashed-bot');
  expect(claimed).toMatchObject({ state: 'sending', attempts: 1, leaseOwner: 'crashed-bot' });

  await chat.startBot();
  await user.hears(/退款已经提交/, 10_000);
  await sleep(1000);
  expect(user.heard.filter((t) => /退款已经提交/.test(t))).toHaveLength(1);
  expect(await outboundOf(reply.body.id)).toMatchObject({ state: 'sent', attempts: 2 });
  // The crashed bot's late confirmation is refused: its lease was taken over.
  expect(await desk().outbound.markSent(tenant(), String(claimed!._id), 'crashed-bot')).toBe(false);
  const history = (await api('GET', `/api/v1/conversations/${conv._id}/messages`)).body.items;
  expect(history.filter((m: any) => m.text === '您的退款已经提交。')).toEqual([expect.objectContaining({ delivery: 'sent', author: 'agent' })]);
});

test('resending the same reply with the same key queues and delivers it once', async () => {
  const { user, conv } = await assignedChat('佩妮');
  const body = { text: '已为您改成顺丰。', key: 'console-7f3a' };
  const first = await api('POST', `/api/v1/conversations/${conv._id}/messages`, body);
  const again = await api('POST', `/api/v1/conversations/${conv._id}/messages`, body);
  expect(first.status).toBe(201);
  expect(again.status).toBe(200);
  expect(again.body.id).toBe(first.body.id);
  await user.hears(/顺丰/);
  await sleep(1000);
  expect(user.heard.filter((t) => /顺丰/.test(t))).toHaveLength(1);
});

test('a reply the bot cannot deliver is retried, then marked failed for the agent to see', async () => {
  // A chat whose contact this WeChat account no longer has: every send fails.
  const ghost = await desk().conversations.openConversation(tenant(), chat.account.id, {
    kind: 'private',
    contact: { id: 'gone-contact', name: '已删除好友' },
  });
  const id = String(ghost._id);
  expect((await api('POST', `/api/v1/conversations/${id}/take`)).status).toBe(200);
  const stream = await openStream(chat.app.url, agent.token);
  try {
    const reply = await api('POST', `/api/v1/conversations/${id}/messages`, { text: '还需要帮助吗？' });
    const failed = await eventually(
      () => stream.events.find((e) => e.event === 'message.delivery' && e.data.message?.id === reply.body.id),
      10_000,
      'the failure notice',
    );
    expect(failed.data.message.delivery).toBe('failed');
    const row = await outboundOf(reply.body.id);
    expect(row).toMatchObject({ state: 'failed', attempts: 2 });
    expect(row!.lastError).toMatch(/not known to this bot account/);
  } finally {
    stream.close();
  }
});
