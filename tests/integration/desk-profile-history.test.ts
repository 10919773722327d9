import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
beforeAll(async () => {
  chat = await startMockChat();
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const as = (token: string) => (method: string, path: string) => chat.app.request(method, path, { token });

test("a customer's profile shows their private chat and what they said in groups, not other members' chatter", async () => {
  const agent = await chat.app.staff('agent', '阿美');
  const ivy = chat.contact('艾薇');
  const jack = chat.contact('杰克');
  ivy.say('你好');
  await ivy.hears(/没有听懂/);
  const room = chat.mocker.createRoom({ topic: '新品体验群', memberIdList: [chat.account.id, ivy.mock.id, jack.mock.id] } as any);
  ivy.mock.say('群里问一下尺码').to(room);
  jack.mock.say('我是杰克').to(room);
  const ivyId = await eventually(() => chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: ivy.mock.id }), 8000, "Ivy's profile");

  const history = await eventually(
    async () => {
      const r = await as(agent.token)('GET', `/api/v1/conversations/by-customer/${ivyId}`);
      return r.body.items?.some((m: any) => m.text === '群里问一下尺码') ? r : undefined;
    },
    8000,
    'the room message in the history',
  );
  expect(history.status).toBe(200);
  expect(history.body.customer).toMatchObject({ id: ivyId, name: '艾薇' });
  // Newest first: her room question, then the bot's answer in private, then her hello.
  const texts = history.body.items.map((m: any) => m.text);
  expect(texts).toEqual(['群里问一下尺码', expect.stringMatching(/没有听懂/), '你好']);
  expect(texts).not.toContain('我是杰克');
  const kinds = Object.fromEntries(history.body.conversations.map((c: any) => [c.kind, c.title]));
  expect(kinds).toEqual({ private: '艾薇', room: '新品体验群' });
  const roomConv = history.body.conversations.find((c: any) => c.kind === 'room');
  expect(history.body.items[0]).toMatchObject({ conversationId: roomConv.id, direction: 'in', talkerName: '艾薇' });

  // Paging back in time.
  const older = await as(agent.token)('GET', `/api/v1/conversations/by-customer/${ivyId}?limit=2&before=${encodeURIComponent(history.body.items[1].at)}`);
  expect(older.body.items.map((m: any) => m.text)).toEqual(['你好']);
});

test("sales see the chat history of their own customers only; another's answers 404", async () => {
  const owner = await chat.app.staff('sales', '销售乙');
  const other = await chat.app.staff('sales', '销售丙');
  const kim = chat.contact('金');
  kim.say('有优惠吗');
  const kimId = await eventually(() => chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: kim.mock.id }), 8000, "Kim's profile");
  await chat.app.rt.services.customers.update(tenant(), kimId, { ownerStaffId: owner.id });
  const mine = await eventually(
    async () => {
      const r = await as(owner.token)('GET', `/api/v1/conversations/by-customer/${kimId}`);
      return r.body.items?.length ? r : undefined;
    },
    8000,
    'the history',
  );
  expect(mine.status).toBe(200);
  expect(mine.body.items.map((m: any) => m.text)).toContain('有优惠吗');
  expect((await as(other.token)('GET', `/api/v1/conversations/by-customer/${kimId}`)).status).toBe(404);
  expect((await as(owner.token)('GET', '/api/v1/conversations/by-customer/000000000000000000000000')).status).toBe(404);
  expect((await as(owner.token)('GET', '/api/v1/conversations/by-customer/not-an-id')).status).toBe(400);
});
