import { startMockChat, eventually, sleep, type MockChat, type ChatUser } from '../desk/mock-chat.js';
import { DeliveryModel } from '../../../server/src/modules/broadcasts/broadcast.model.js';
import { grantMarketing } from '../../support/consent.js';

/**
 * Campaigns through the WeChat bot: the bot runs on the mock puppet, WeChat users (the mocker) chat
 * with it, and campaign messages go out on the service desk's durable outbound rows the bot delivers.
 */
let chat: MockChat;
let manager: string;
beforeAll(async () => {
  // The test drives the dispatcher itself (as the worker's tick would), with short leases.
  chat = await startMockChat({
    BROADCAST_TICK_EVERY: '1 hour',
    BROADCAST_RESULTS_EVERY: '1 hour',
    BROADCAST_LEASE_MS: '800',
    BROADCAST_BOT_PER_MINUTE: '3',
    DESK_OUTBOUND_MAX_ATTEMPTS: '1',
  });
  manager = (await chat.app.staff('community_manager')).token;
}, 30_000);
// Each test starts with the bot account's per-minute budget unused.
beforeEach(async () => {
  const keys = await chat.app.rt.services.deps.redis.keys('bc:rate:*');
  if (keys.length) await chat.app.rt.services.deps.redis.del(...keys);
});
afterAll(() => chat?.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const s = () => chat.app.rt.services;
const api = (method: string, path: string, body?: unknown) => chat.app.request(method, path, { token: manager, body });
const ticks = async (k = 2) => {
  for (let i = 0; i < k; i++) await s().broadcasts.dispatcher.tick(5_000);
};
const progress = async (id: string) => (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
const heardCount = (u: ChatUser, re: RegExp) => u.heard.filter((t) => re.test(t)).length;

/** A WeChat user who has chatted privately with the bot: their profile has a bot contact identity. */
async function botContact(name: string): Promise<{ user: ChatUser; customerId: string }> {
  const user = chat.contact(name);
  user.say('你好');
  const conv = await eventually(() => s().desk.conversations.findByPeer(tenant(), chat.account.id, user.mock.id), 8000, `${name}'s chat`);
  await grantMarketing(s(), tenant(), [String(conv.customerId)]);
  return { user, customerId: String(conv.customerId) };
}

async function segmentOf(customerIds: string[], tagName: string): Promise<string> {
  const tag = (await s().tags.ensure(tenant(), '活动', tagName)).id;
  for (const id of customerIds) await s().customers.tag(tenant(), id, [tag], []);
  const res = await api('POST', '/api/v1/segments', {
    name: `seg-${tagName}`,
    audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

test('a bot_private campaign reaches each bot contact once in their private chat, skipping a customer without a bot contact and one who replied TD; a second campaign that day meets the cap', async () => {
  const ann = await botContact('安妮');
  const ben = await botContact('本杰');
  const quitter = await botContact('退订者');
  quitter.user.say('TD');
  await quitter.user.hears(/已为您退订/);
  const phoneOnly = await s().customers.identify(tenant(), { phone: '13900000001' }, { name: '只有手机' }, 'api');
  await grantMarketing(s(), tenant(), [phoneOnly]);
  const segmentId = await segmentOf([ann.customerId, ben.customerId, quitter.customerId, phoneOnly], 'bot-vip');

  const text = '会员日：全场满199减30';
  const res = await api('POST', '/api/v1/broadcasts', {
    name: '会员日',
    channel: 'bot_private',
    segmentId,
    content: { text, link: { title: '活动页', url: 'https://shop.example.com/vip' } },
  });
  expect(res.status).toBe(201);
  await ticks();

  expect(await ann.user.hears(/会员日/)).toBe(`${text}\n活动页 https://shop.example.com/vip`);
  await ben.user.hears(/会员日/);
  expect(await progress(res.body.id)).toMatchObject({
    status: 'completed',
    counts: { total: 4, sent: 2, skipped: 2, failed: 0 },
    skipped: { no_bot_contact: 1, opted_out: 1 },
  });

  // More ticks (the worker's schedule keeps running) queue nothing new.
  await ticks(3);
  await sleep(800);
  expect([heardCount(ann.user, /会员日/), heardCount(ben.user, /会员日/), heardCount(quitter.user, /会员日/)]).toEqual([1, 1, 0]);

  // The console's delivery counts follow what the bot actually said.
  const synced = await eventually(
    async () => {
      const p = await progress(res.body.id);
      return p.delivery.delivered === 2 && p;
    },
    8000,
    'both deliveries confirmed',
  );
  expect(synced.delivery).toMatchObject({ delivered: 2, awaitingConfirmation: 0, undelivered: 0 });
  // The message is in each customer's chat history, as the desk shows it.
  const conv = await s().desk.conversations.findByPeer(tenant(), chat.account.id, ann.user.mock.id);
  const items = (await s().desk.conversations.history(tenant(), String(conv!._id), { limit: 20 })).filter((m: any) => m.text.startsWith(text));
  expect(items).toHaveLength(1);
  expect(items[0]).toMatchObject({ direction: 'out', delivery: 'sent' });

  // The same day's second campaign meets the per-customer cap (one marketing message a day), as on WeCom.
  const again = await api('POST', '/api/v1/broadcasts', { name: '会员日提醒', channel: 'bot_private', segmentId, content: { text: '会员日提醒：还剩3小时' } });
  await ticks();
  expect(await progress(again.body.id)).toMatchObject({
    status: 'completed',
    counts: { total: 4, sent: 0 },
    skipped: { frequency_cap: 2, no_bot_contact: 1, opted_out: 1 },
  });
  await sleep(500);
  expect(heardCount(ann.user, /还剩3小时/) + heardCount(ben.user, /还剩3小时/)).toBe(0);
});

test('a worker that died mid-batch and a bot that was down send nobody twice: queued rows are confirmed, the rest sent once the bot is back', async () => {
  const cat = await botContact('凯特');
  const dan = await botContact('丹尼');
  const segmentId = await segmentOf([cat.customerId, dan.customerId], 'bot-crash');
  await chat.stopBot();

  const text = '新品到店：秋冬外套预售';
  const res = await api('POST', '/api/v1/broadcasts', { name: '预售', channel: 'bot_private', segmentId, content: { text } });
  expect(res.status).toBe(201);
  await s().broadcasts.dispatcher.snapshot(res.body.id);
  // A worker claimed both rows, queued Cat's message, and died before recording anything.
  const rows = await DeliveryModel.find({ campaignId: res.body.id }).lean();
  const now = new Date();
  await DeliveryModel.updateMany(
    { campaignId: res.body.id },
    { $set: { state: 'sending', claim: 'dead-worker', leaseUntil: new Date(now.getTime() + 800), sendingSince: now, attempts: 1 } },
  );
  const catRow = rows.find((r) => String(r.customerId) === cat.customerId)!;
  const provider = s().broadcasts.provider('bot_private');
  const catAddr = (await provider.address(tenant(), [{ customerId: cat.customerId, identities: [{ type: 'wechatyContactId', value: cat.user.mock.id }] }])).get(
    cat.customerId,
  )!;
  if (!catAddr.ok) throw new Error('cat should be reachable');
  await provider.send(tenant(), [
    { deliveryId: String(catRow._id), customerId: cat.customerId, address: { sender: catAddr.sender, to: catAddr.to }, content: { text } },
  ]);

  await sleep(900);
  // The next worker (and a repeated tick) settles the leased rows before sending anything again.
  await ticks(3);
  const p = await progress(res.body.id);
  expect(p).toMatchObject({ status: 'completed', counts: { total: 2, sent: 2, sending: 0 } });
  const after = await DeliveryModel.find({ campaignId: res.body.id }).lean();
  expect(after.find((r) => String(r._id) === String(catRow._id))?.reason).toBe('confirmed_after_restart');
  // The bot was down: nobody has heard anything yet.
  expect(heardCount(cat.user, /预售/) + heardCount(dan.user, /预售/)).toBe(0);

  await chat.startBot();
  await cat.user.hears(/预售/);
  await dan.user.hears(/预售/);
  await sleep(1000);
  expect([heardCount(cat.user, /预售/), heardCount(dan.user, /预售/)]).toEqual([1, 1]);
});

test('a bot account queues at most BROADCAST_BOT_PER_MINUTE campaign messages a minute; the rest wait, shown as rate limited', async () => {
  const users: Array<{ user: ChatUser; customerId: string }> = [];
  for (const name of ['葛一', '葛二', '葛三', '葛四']) users.push(await botContact(name));
  const segmentId = await segmentOf(
    users.map((u) => u.customerId),
    'bot-rate',
  );
  const res = await api('POST', '/api/v1/broadcasts', { name: '限速', channel: 'bot_private', segmentId, content: { text: '限速测试：周末特卖' } });
  await ticks(2);
  expect(await progress(res.body.id)).toMatchObject({ status: 'sending', deferredReason: 'rate_limited', counts: { total: 4, sent: 3, queued: 1 } });
  await eventually(() => users.filter((u) => heardCount(u.user, /限速测试/) === 1).length === 3, 8000, 'three users reached');
  await sleep(800);
  expect(users.reduce((n, u) => n + heardCount(u.user, /限速测试/), 0)).toBe(3);

  // The next minute's budget sends the one who waited, and the campaign completes with nobody twice.
  chat.clock.advance(60_000);
  await ticks(2);
  await eventually(() => users.every((u) => heardCount(u.user, /限速测试/) === 1), 8000, 'the fourth user reached');
  expect(await progress(res.body.id)).toMatchObject({ status: 'completed', counts: { total: 4, sent: 4, queued: 0 } });
});

test('a message the bot could not deliver shows as undelivered in the campaign, and is not retried by the campaign', async () => {
  const gus = await botContact('格斯');
  const segmentId = await segmentOf([gus.customerId], 'bot-undelivered');
  await chat.stopBot();
  const res = await api('POST', '/api/v1/broadcasts', { name: '送达失败', channel: 'bot_private', segmentId, content: { text: '送达测试：优惠券到账' } });
  await ticks();
  const row = await DeliveryModel.findOne({ campaignId: res.body.id }).lean();
  // The bot that took the message failed to say it, on its last allowed attempt.
  const claimed = await s().desk.outbound.claim(tenant(), chat.account.id, 'failing-bot');
  expect(String(claimed!._id)).toBe(row!.providerRef);
  await s().desk.outbound.markFailed(tenant(), String(claimed!._id), 'failing-bot', 'WeChat refused the message');
  expect((await progress(res.body.id)).delivery).toMatchObject({ delivered: 0, undelivered: 1 });

  await chat.startBot();
  await ticks();
  await sleep(1000);
  expect(heardCount(gus.user, /送达测试/)).toBe(0);
  expect((await progress(res.body.id)).counts).toMatchObject({ total: 1, sent: 1 });
});

test('a bot_room campaign posts once in each named room and skips a room the bot does not know', async () => {
  const eve = chat.contact('伊芙');
  const fay = chat.contact('菲菲');
  const room = chat.mocker.createRoom({ topic: '秋季会员群', memberIdList: [chat.account.id, eve.mock.id, fay.mock.id] } as any);
  const inRoom: string[] = [];
  (room as any).on('message', (msg: any) => {
    if (msg.payload.talkerId === chat.account.id && msg.payload.text) inRoom.push(msg.payload.text);
  });
  eve.mock.say('群里有活动吗').to(room);
  await eventually(() => s().desk.conversations.findByPeer(tenant(), chat.account.id, room.id), 8000, 'the room chat');
  // The campaign form lists the rooms the bot is in.
  const rooms = (await api('GET', '/api/v1/broadcasts/bot-rooms')).body.items;
  expect(rooms).toContainEqual(expect.objectContaining({ roomId: room.id, topic: '秋季会员群' }));

  const text = '群福利：今晚8点抽奖';
  const res = await api('POST', '/api/v1/broadcasts', { name: '群抽奖', channel: 'bot_room', roomIds: [room.id, 'no-such-room@chatroom'], content: { text } });
  expect(res.status).toBe(201);
  expect(res.body.roomIds).toEqual([room.id, 'no-such-room@chatroom']);
  await ticks(3);

  await eventually(() => inRoom.some((t) => t === text), 8000, 'the room post');
  await ticks(2);
  await sleep(800);
  expect(inRoom.filter((t) => t === text)).toHaveLength(1);
  expect(await progress(res.body.id)).toMatchObject({ status: 'completed', counts: { total: 2, sent: 1, skipped: 1 }, skipped: { room_unknown: 1 } });
  const synced = await eventually(
    async () => {
      const p = (await api('POST', `/api/v1/broadcasts/${res.body.id}/sync-results`)).body;
      return p.delivery.delivered === 1 && p;
    },
    8000,
    'the room delivery confirmed',
  );
  expect(synced.counts.sent).toBe(1);
});

test('refuses a bot_room campaign without room ids, and bot content the bot cannot send, with 400', async () => {
  const noRooms = await api('POST', '/api/v1/broadcasts', { name: 'x', channel: 'bot_room', content: { text: 'x' } });
  expect(noRooms.status).toBe(400);
  expect(JSON.stringify(noRooms.body.error)).toMatch(/bot_room campaign goes to bot rooms: give roomIds/);
  const image = await api('POST', '/api/v1/broadcasts', {
    name: 'x',
    channel: 'bot_room',
    roomIds: ['r1'],
    content: { text: 'x', image: { picUrl: 'https://shop.example.com/a.png' } },
  });
  expect(image.status).toBe(400);
  expect(JSON.stringify(image.body.error)).toMatch(/the bot sends text and links only/);
});
