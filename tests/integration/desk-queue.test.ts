import { startMockChat, eventually, sleep, type MockChat } from './desk/mock-chat.js';

/**
 * A customer waiting for a human who writes again hears where they are now, not silence — and not an
 * answer to every message. The reminder pause is 2 s here (DESK_QUEUE_REMINDER_SECONDS, 120 s by default), waited out by
 * moving the product's clock.
 */
let chat: MockChat;
beforeAll(async () => {
  chat = await startMockChat({ DESK_QUEUE_REMINDER_SECONDS: '2' });
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const conversationOf = (contactId: string) => eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, contactId), 8000, 'the conversation');
const places = (heard: string[]) => heard.filter((t) => /前面还有|排队/.test(t));

test('a waiting customer who writes again hears their current place, at most once per reminder pause', async () => {
  const agent = await chat.app.staff('agent', '阿青');
  expect((await chat.app.request('POST', '/api/v1/desk/presence', { token: agent.token, body: { online: true, capacity: 1 } })).status).toBe(200);
  const [first, second, third] = [chat.contact('等一'), chat.contact('等二'), chat.contact('等三')];
  first.say('人工');
  await first.hears(/我是 阿青/);
  second.say('人工');
  await second.hears(/您前面还有 0 位/);
  third.say('人工');
  await third.hears(/您前面还有 1 位/);

  // Right away, three more messages: nothing new (the place was just said).
  third.say('还要等多久？');
  third.say('在吗');
  third.say('？？');
  await sleep(1000);
  expect(places(third.heard)).toEqual(['已为您转接人工客服，您前面还有 1 位，请稍候。']);

  // The agent finishes with the first customer; the second gets them. The third writes after the pause.
  const c1 = await conversationOf(first.mock.id);
  await chat.app.request('POST', `/api/v1/conversations/${c1._id}/resolve`, { token: agent.token });
  await second.hears(/我是 阿青/);
  chat.clock.advance(2100);
  third.say('轮到我了吗');
  third.say('还有人吗');
  expect(await third.hears(/您仍在排队，您前面还有 0 位/)).toBeTruthy();
  await sleep(1000);
  expect(places(third.heard)).toHaveLength(2);
  // Every message was captured for the agent, reminders or not.
  const c3 = await conversationOf(third.mock.id);
  const history = await chat.app.request('GET', `/api/v1/conversations/${c3._id}/messages`, { token: agent.token });
  expect(history.body.items.filter((m: any) => m.author === 'customer').map((m: any) => m.text)).toEqual(
    expect.arrayContaining(['还要等多久？', '在吗', '？？', '轮到我了吗', '还有人吗']),
  );
});

test('with nobody at the desk a waiting customer who writes again is told so, not given a place', async () => {
  for (const s of await chat.app.rt.services.staff.list(tenant(), { online: true })) await desk().handoff.setPresence(tenant(), s.id, false);
  const night = chat.contact('夜猫');
  night.say('人工');
  await night.hears(/客服都不在线/);
  chat.clock.advance(2100);
  night.say('有人吗');
  expect(await night.hears(/您仍在排队。现在客服都不在线/)).toBeTruthy();
  expect(night.heard.some((t) => /前面还有/.test(t))).toBe(false);
});
