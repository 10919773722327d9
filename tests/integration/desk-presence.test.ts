import { DeskAgentModel } from '../../server/src/modules/conversations/desk-config.model.js';
import { startMockChat, eventually, openStream, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
beforeAll(async () => {
  // Two seconds of silence from a console count as gone (120 s by default).
  // The first test's stream must outlast the reassignment and the wait after it (the kit's 10 s cap
  // could end it first on a busy machine); each test closes its stream itself.
  chat = await startMockChat({ DESK_PRESENCE_TIMEOUT_SECONDS: '2', DESK_SSE_MAX_SECONDS: '60' });
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const staff = () => chat.app.rt.services.staff;
const agentRow = (staffId: string) => DeskAgentModel.findOne({ tenantId: tenant(), staffId }).lean();

/**
 * Moves the product's clock past the two-second timeout and runs the presence sweep. An agent with an
 * open console stream (`present`) gets the stream's signs of life on the way, as a console left open
 * over those seconds would: the clock moves in half-second steps, each waiting for the next one.
 */
async function passTimeout(present?: string): Promise<void> {
  for (let step = 0; step < 5; step++) {
    chat.clock.advance(500);
    const at = chat.clock.now().getTime();
    if (present) await eventually(async () => ((await agentRow(present))?.lastSeenAt?.getTime() ?? 0) >= at, 5000, "the open console's sign of life");
  }
  await chat.app.rt.services.desk.handoff.sweep();
}

test('an agent whose console went away is taken offline and the customer is handed to an agent who is there', async () => {
  const gone = await chat.app.staff('agent', '小林');
  expect((await chat.app.request('POST', '/api/v1/desk/presence', { token: gone.token, body: { online: true } })).status).toBe(200);
  const lea = chat.contact('莉亚');
  lea.say('人工');
  expect(await lea.hears(/我是 小林/)).toBeTruthy();

  // A second agent works with the console open: its live stream keeps them present.
  const there = await chat.app.staff('agent', '小周');
  await chat.app.request('POST', '/api/v1/desk/presence', { token: there.token, body: { online: true } });
  const stream = await openStream(chat.app.url, there.token);
  try {
    // 小林 sends no sign of life: after the timeout the sweep moves the chat.
    await passTimeout(there.id);
    expect(await lea.hears(/我是 小周/, 10_000)).toBeTruthy();
    const conv = await chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, lea.mock.id);
    expect(conv).toMatchObject({ state: 'assigned', assigneeId: there.id });
    expect((await staff().get(tenant(), gone.id)).online).toBe(false);
    // The agent with the open console outlasts several timeouts and keeps the chat.
    for (let i = 0; i < 3; i++) await passTimeout(there.id);
    expect((await staff().get(tenant(), there.id)).online).toBe(true);
    expect((await chat.app.rt.services.desk.conversations.get(tenant(), String(conv!._id))).assigneeId).toBe(there.id);
    // The console sees the reassignment live.
    await eventually(() => stream.events.find((e) => e.event === 'conversation.updated' && e.data.assigneeId === there.id), 5000, 'the live update');
  } finally {
    stream.close();
  }
});

test('an agent set online by an admin, without a console, is not timed out', async () => {
  const a = await chat.app.staff('agent', '小吴');
  await staff().update(tenant(), a.id, { online: true });
  await passTimeout();
  expect((await staff().get(tenant(), a.id)).online).toBe(true);
});

test('an agent busy elsewhere in the console (reading profiles, no inbox open) stays present and keeps their chats', async () => {
  const busy = await chat.app.staff('agent', '小郑');
  await chat.app.request('POST', '/api/v1/desk/presence', { token: busy.token, body: { online: true } });
  const max = chat.contact('马克');
  max.say('人工');
  await max.hears(/我是 小郑/);
  const conv = await eventually(() => chat.app.rt.services.desk.conversations.findByPeer(tenant(), chat.account.id, max.mock.id), 8000, 'the conversation');
  // Five seconds of other console pages (well past the two-second timeout), one request a second.
  // The sign of life is written after the answer (at most one write per 2/3 s): each second waits
  // until the recorded one is less than a second old, as real seconds would allow.
  for (let i = 0; i < 5; i++) {
    expect((await chat.app.request('GET', `/api/v1/customers/${conv!.customerId}`, { token: busy.token })).status).toBe(200);
    const fresh = async () => chat.clock.now().getTime() - ((await agentRow(busy.id))?.lastSeenAt?.getTime() ?? 0) < 1000;
    await eventually(fresh, 5000, "the page request's sign of life");
    chat.clock.advance(1000);
  }
  await chat.app.rt.services.desk.handoff.sweep();
  expect((await staff().get(tenant(), busy.id)).online).toBe(true);
  expect((await chat.app.rt.services.desk.conversations.get(tenant(), String(conv!._id))).assigneeId).toBe(busy.id);
});
