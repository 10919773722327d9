import { grantMarketing } from '../../support/consent.js';
import { startMockChat, eventually, sleep, type MockChat, type ChatUser } from '../desk/mock-chat.js';

/**
 * Placeholders in a bot_private campaign (the bot on the mock puppet, WeChat users chatting with it):
 * each user hears the text filled for them, through the same renderer as the WeCom channel; a user
 * whose placeholder cannot be filled hears nothing and their row says why.
 */
let chat: MockChat;
let manager: string;
beforeAll(async () => {
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

async function botContact(name: string): Promise<{ user: ChatUser; customerId: string }> {
  const user = chat.contact(name);
  user.say('你好');
  const conv = await eventually(() => s().desk.conversations.findByPeer(tenant(), chat.account.id, user.mock.id), 8000, `${name}'s chat`);
  return { user, customerId: String(conv.customerId) };
}

/** The campaign's audience: these contacts, who agreed to marketing (it is opt-in). */
async function segmentOf(customerIds: string[], tagName: string): Promise<string> {
  await grantMarketing(s(), tenant(), customerIds);
  const tag = (await s().tags.ensure(tenant(), '活动', tagName)).id;
  for (const id of customerIds) await s().customers.tag(tenant(), id, [tag], []);
  return (
    await api('POST', '/api/v1/segments', {
      name: `seg-${tagName}`,
      audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] },
    })
  ).body.id;
}

test('a bot_private campaign fills {name} and {points} for each member; a contact who is not a member is skipped, never sent the raw text', async () => {
  const ann = await botContact('安妮');
  const ben = await botContact('本杰');
  await s().loyalty.adjust(tenant(), ann.customerId, { points: 260, reason: 'test', idempotencyKey: 'ph-ann', operator: 'test' });
  const name = (await s().customers.get(tenant(), ann.customerId)).name;
  expect(name).toBeTruthy();
  const segmentId = await segmentOf([ann.customerId, ben.customerId], 'ph-bot');

  const res = await api('POST', '/api/v1/broadcasts', {
    name: '会员日',
    channel: 'bot_private',
    segmentId,
    content: { text: '{name}，会员日积分翻倍：您有 {points} 积分' },
  });
  expect(res.status).toBe(201);
  await ticks();
  expect(await ann.user.hears(/会员日积分翻倍/)).toBe(`${name}，会员日积分翻倍：您有 260 积分`);
  expect(await progress(res.body.id)).toMatchObject({
    status: 'completed',
    counts: { total: 2, sent: 1, skipped: 1 },
    skipped: { 'placeholder_unfilled:{points}': 1 },
  });
  await sleep(500);
  expect(ben.user.heard.filter((t) => /会员日/.test(t))).toEqual([]);
  expect(ann.user.heard.some((t) => t.includes('{'))).toBe(false);
});

test('a bot_private coupon campaign tells the contact the code and name of the coupon they were issued', async () => {
  const cara = await botContact('卡拉');
  const segmentId = await segmentOf([cara.customerId], 'ph-coupon');
  const t: any = await s().loyalty.coupons.createTemplate(tenant(), {
    name: '机器人专享券',
    kind: 'amount',
    amountOff: 1_000,
    threshold: 5_000,
    validity: { kind: 'relative', days: 7 },
    stock: 5,
    perCustomerLimit: 1,
    channels: ['campaign'],
  });
  const res = await api('POST', '/api/v1/broadcasts', {
    name: '送券',
    channel: 'bot_private',
    segmentId,
    content: { text: '送您「{couponName}」，券码 {coupon}', couponTemplateId: String(t.id ?? t._id) },
  });
  expect(res.status).toBe(201);
  await ticks();
  const [coupon] = await s().loyalty.coupons.listForCustomer(tenant(), cara.customerId);
  expect(await cara.user.hears(/券码/)).toBe(`送您「机器人专享券」，券码 ${(coupon as any).code}`);
});
