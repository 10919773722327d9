import { startMockChat, type MockChat } from './desk/mock-chat.js';

/**
 * 常见问题 with similar questions: a manager writes the question once and the other ways customers ask
 * it; the console's test box and the bot answer a message saying any of them with that entry.
 */
let chat: MockChat;
let cm: { id: string; token: string };
beforeAll(async () => {
  chat = await startMockChat();
  cm = await chat.app.staff('community_manager');
});
afterAll(() => chat.stop());

const as = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: cm.token, body });
const test$ = async (text: string) => (await as('POST', '/api/v1/desk/rules/test', { text })).body.match;

test('the test box names the FAQ entry a similar phrasing answers, punctuation and case aside', async () => {
  const returns = await as('POST', '/api/v1/desk/rules', {
    kind: 'faq',
    question: '怎么退货',
    similar: ['东西不想要了怎么办', '可以退吗'],
    reply: '收货7天内可在订单页申请退货。',
  });
  expect(returns.status).toBe(201);
  expect(returns.body.similar).toEqual(['东西不想要了怎么办', '可以退吗']);
  await as('POST', '/api/v1/desk/rules', { kind: 'faq', question: '运费谁出', keywords: ['运费'], reply: '满99元包邮。' });

  expect(await test$('东西不想要了，怎么办？')).toEqual({
    ruleId: String(returns.body._id),
    kind: 'faq',
    action: 'reply',
    reply: '收货7天内可在订单页申请退货。',
    question: '怎么退货',
    phrase: '东西不想要了怎么办',
  });
  // Said inside a longer message, and with the question itself.
  expect(await test$('你好，这个可以退吗')).toMatchObject({ ruleId: String(returns.body._id), phrase: '可以退吗' });
  expect(await test$('请问怎么退货？')).toMatchObject({ ruleId: String(returns.body._id), phrase: '怎么退货' });
  expect(await test$('运费多少')).toMatchObject({ question: '运费谁出' });
  // A phrasing nobody wrote down is not answered by this entry.
  expect(await test$('东西坏了')).toBeNull();
});

test('editing the similar questions and deleting the entry apply to the next test at once', async () => {
  const faq = await as('POST', '/api/v1/desk/rules', { kind: 'faq', question: '几天到货', reply: '一般2-3天送达。' });
  expect(await test$('多久能收到')).toBeNull();
  const edited = await as('PATCH', `/api/v1/desk/rules/${faq.body._id}`, { similar: ['多久能收到'] });
  expect(edited.status).toBe(200);
  expect(await test$('多久能收到？')).toMatchObject({ ruleId: String(faq.body._id), phrase: '多久能收到' });
  await as('PATCH', `/api/v1/desk/rules/${faq.body._id}`, { active: false });
  expect(await test$('多久能收到？')).toBeNull();
  await as('PATCH', `/api/v1/desk/rules/${faq.body._id}`, { active: true });
  expect((await as('DELETE', `/api/v1/desk/rules/${faq.body._id}`)).status).toBe(200);
  expect(await test$('多久能收到？')).toBeNull();
});

test('an FAQ entry without a question or keywords, or with a one-character similar question, is refused with 400', async () => {
  const none = await as('POST', '/api/v1/desk/rules', { kind: 'faq', similar: ['怎么付款'], reply: '支持微信支付。' });
  expect(none.status).toBe(400);
  const short = await as('POST', '/api/v1/desk/rules', { kind: 'faq', question: '怎么付款', similar: ['付'], reply: '支持微信支付。' });
  expect(short.status).toBe(400);
  expect(short.body.error.message).toMatch(/similar/);
});

test('the bot answers a customer who asks with a similar question', async () => {
  await as('POST', '/api/v1/desk/rules', { kind: 'faq', question: '能开发票吗', similar: ['要发票怎么弄'], reply: '下单时填写抬头即可开具电子发票。' });
  const ivy = chat.contact('艾薇');
  ivy.say('要发票怎么弄？');
  expect(await ivy.hears(/电子发票/)).toBeTruthy();
});
