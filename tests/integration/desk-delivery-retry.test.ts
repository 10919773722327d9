import { startMockChat, eventually, openStream, sleep, type MockChat } from './desk/mock-chat.js';

/** Delivery state per message: queued / sent / failed with the reason, and 重试 on a failed one. */
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
const shown = async (conversationId: string, messageId: string) =>
  (await api('GET', `/api/v1/conversations/${conversationId}/messages`)).body.items.find((m: any) => m.id === messageId);

test('a reply the channel refused shows failed with the reason, live; 重试 sends it once and it shows sent', async () => {
  const user = chat.contact('罗莎');
  user.say('人工');
  await user.hears(/我是 小周/);
  const conv = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, user.mock.id));
  const id = String(conv._id);
  const stream = await openStream(chat.app.url, agent.token);
  try {
    await chat.stopBot();
    const reply = await api('POST', `/api/v1/conversations/${id}/messages`, { text: '发票已经开好了。' });
    expect(reply.body.delivery).toBe('queued');
    // The channel refuses it for good (as 微信客服 does while a servicer holds the chat).
    const row = await desk().outbound.claim(tenant(), chat.account.id, 'channel');
    await desk().outbound.markFailed(tenant(), String(row!._id), 'channel', 'the WeCom session is ended; WeCom takes no API messages then', { final: true });

    const failed = await eventually(
      () => stream.events.find((e) => e.event === 'message.delivery' && e.data.message?.id === reply.body.id),
      5000,
      'the failure on the stream',
    );
    expect(failed.data.message).toMatchObject({ delivery: 'failed', deliveryError: expect.stringMatching(/session is ended/), retryable: true });
    expect(await shown(id, reply.body.id)).toMatchObject({ delivery: 'failed', deliveryError: expect.stringMatching(/session is ended/), retryable: true });

    await chat.startBot();
    const retried = await api('POST', `/api/v1/desk/messages/${reply.body.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: reply.body.id, delivery: 'queued' });
    expect(retried.body.deliveryError).toBeUndefined();
    expect(retried.body.retryable).toBe(false);
    await user.hears(/发票已经开好了/);
    await eventually(async () => (await shown(id, reply.body.id))?.delivery === 'sent', 5000, 'the retried reply to show sent');
    await eventually(
      () => stream.events.some((e) => e.event === 'message.delivery' && e.data.message?.id === reply.body.id && e.data.message.delivery === 'sent'),
      5000,
      'sent on the stream',
    );
    await sleep(500);
    expect(user.heard.filter((t) => /发票已经开好了/.test(t))).toHaveLength(1);

    // A message that did not fail is not sent again.
    const again = await api('POST', `/api/v1/desk/messages/${reply.body.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONVERSATION_MESSAGE_NOT_FAILED');
  } finally {
    stream.close();
  }
});

test('only the chat’s assignee may retry its failed message', async () => {
  const ghost = await desk().conversations.openConversation(tenant(), chat.account.id, {
    kind: 'private',
    contact: { id: 'gone-contact-2', name: '已删除好友' },
  });
  const id = String(ghost._id);
  expect((await api('POST', `/api/v1/conversations/${id}/take`)).status).toBe(200);
  const reply = await api('POST', `/api/v1/conversations/${id}/messages`, { text: '还在吗？' });
  const failed = await eventually(
    async () => ((await shown(id, reply.body.id))?.delivery === 'failed' ? await shown(id, reply.body.id) : null),
    10_000,
    'the failure',
  );
  expect(failed.deliveryError).toMatch(/not known to this bot account/);
  const other = await chat.app.staff('agent', '小王');
  const res = await chat.app.request('POST', `/api/v1/desk/messages/${reply.body.id}/retry`, { token: other.token });
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('CONVERSATION_NOT_YOURS');
});
