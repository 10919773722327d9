import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from '../broadcasts/broadcast-testbed.js';
import { grantMarketing } from '../../support/consent.js';

/**
 * The ready-made lifecycle journeys as a community manager turns them on (welcome, churn warning,
 * abandoned cart), on a controlled clock, sending through the local WeCom.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
// 10:00 in Shanghai (02:00 UTC, inside the journeys' 09:00-21:00 send window) on a fixed day.
let clock = Date.parse('2026-05-12T02:00:00Z');
let tb: BroadcastTestbed;
let owner: string;
let couponTemplateId: string;
const s = () => tb.app.rt.services;
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  owner = await tb.staff('zhouyi');
  const t: any = await s().loyalty.coupons.createTemplate(tb.tenantId, {
    name: '关怀券',
    kind: 'amount',
    amountOff: 1_000,
    threshold: 5_000,
    validity: { kind: 'relative', days: 30 },
    stock: 1000,
    perCustomerLimit: 5,
    channels: ['campaign'],
  });
  couponTemplateId = String(t.id ?? t._id);
}, 60_000);
afterAll(() => tb?.stop());

let n = 0;
/** A customer who just added the owner on WeCom (the profile is created, which is the welcome trigger). */
async function contact(name: string) {
  const ext = `wml${++n}`;
  tb.fake.corp.upsertContact({ name, external_userid: ext });
  tb.fake.corp.follow('zhouyi', ext);
  const id = await s().customers.identify(tb.tenantId, { externalUserId: ext }, { name, ownerStaffId: owner }, 'wecom');
  await s().customers.setWecomRelation(tb.tenantId, id, { relation: 'active', at: new Date(clock), staffId: owner });
  await grantMarketing(s(), tb.tenantId, [id], { profiling: true });
  return { id, ext };
}
const fromTemplate = async (body: Record<string, unknown>) => {
  const res = await api('POST', '/api/v1/journeys/from-template', body);
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const ingest = (ext: string, type: string, id: string, data: Record<string, unknown>, at = clock) =>
  s()
    .events.ingest(tb.tenantId, [{ eventId: id, type, occurredAt: new Date(at).toISOString(), customer: { externalUserId: ext }, data }])
    .then(async (r) => {
      await s().events.settle();
      return r;
    });
const coupons = (customerId: string) => s().loyalty.coupons.listForCustomer(tb.tenantId, customerId);
const runsOf = async (customerId: string) => (await api('GET', `/api/v1/journeys/customers/${customerId}/runs`)).body.items as any[];
const tick = async () => {
  await s().journeys.tick();
  await s().journeys.tick();
};

test('the welcome template needs a real coupon template: refused with 400 without one or with one that does not exist', async () => {
  // The templates the console offers (checked against their documented shape by the drift check): welcome issues a coupon.
  const templates = await api('GET', '/api/v1/journeys/templates');
  expect(templates.status).toBe(200);
  const welcome = templates.body.items.find((t: any) => t.key === 'welcome');
  expect(welcome.journey.steps.map((step: any) => step.type)).toContain('coupon');
  const missing = await api('POST', '/api/v1/journeys/from-template', { key: 'welcome' });
  expect(missing.status).toBe(400);
  expect(missing.body.error.message).toMatch(/couponTemplateId/);
  const unknown = await api('POST', '/api/v1/journeys/from-template', { key: 'welcome', couponTemplateId: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.message).toMatch(/does not exist/);
  const noSuch = await api('POST', '/api/v1/journeys/from-template', { key: 'teleport' });
  expect(noSuch.status).toBe(400);
  expect(noSuch.body.error.message).toMatch(/welcome, birthday, win-back, churn-warning/);
});

test('with the welcome journey on, a new WeCom contact is greeted within a minute and gets a coupon and its message on day 3, once; an opted-out one gets the coupon but no message, and the run says why; a contact synced from years ago is not greeted', async () => {
  const welcome = await fromTemplate({ key: 'welcome', couponTemplateId });
  const fresh = await contact('新朋友');
  const quiet = await contact('免打扰');
  expect((await api('POST', '/api/v1/broadcasts/opt-outs', { customerId: quiet.id, source: 'replied_td' })).status).toBe(201);
  // Connecting WeCom brings in an existing contact, added two years ago: a new profile, not a new friend.
  const oldExt = `wml${++n}`;
  tb.fake.corp.upsertContact({ name: '老朋友', external_userid: oldExt });
  tb.fake.corp.follow('zhouyi', oldExt);
  const old = await s().customers.identify(tb.tenantId, { externalUserId: oldExt }, { name: '老朋友', ownerStaffId: owner }, 'wecom');
  await s().customers.setWecomRelation(tb.tenantId, old, { relation: 'active', at: new Date(clock - 730 * DAY), staffId: owner });

  await tick();
  expect(sentTo(tb.fake, '欢迎加入！有任何问题随时找我～').size).toBe(0); // within the minute's grace
  clock += 61_000;
  await tick();
  expect(sentTo(tb.fake, '欢迎加入！有任何问题随时找我～')).toEqual(new Map([[fresh.ext, 1]]));
  expect((await runsOf(old))[0]).toMatchObject({
    state: 'exited',
    log: [expect.objectContaining({ type: 'condition', outcome: expect.stringMatching(/^not a new contact/) })],
  });
  expect(await coupons(fresh.id)).toHaveLength(0);

  clock += 2 * DAY;
  await tick();
  expect(await coupons(fresh.id)).toHaveLength(0);

  clock += DAY + 60_000;
  await tick();
  await tick();
  expect(await coupons(fresh.id)).toHaveLength(1);
  expect(sentTo(tb.fake, '送您一张新人券，已放入会员中心')).toEqual(new Map([[fresh.ext, 1]]));
  expect(sentTo(tb.fake, '欢迎加入！有任何问题随时找我～').get(fresh.ext)).toBe(1);

  expect(await coupons(quiet.id)).toHaveLength(1);
  const [run] = await runsOf(quiet.id);
  expect(run.state).toBe('done');
  expect(run.log.filter((l: any) => l.type === 'send').map((l: any) => l.outcome)).toEqual(['skipped: opted_out', 'skipped: opted_out']);

  // Switched off, it greets nobody new.
  expect((await api('PATCH', `/api/v1/journeys/${welcome}`, { enabled: false })).body.enabled).toBe(false);
  const later = await contact('晚来的');
  await tick();
  expect(await runsOf(later.id)).toEqual([]);
});

test('a buyer the churn sweep flags at risk gets the care coupon and message once, and a reminder 3 days later only if they have not ordered', async () => {
  const journeyId = await fromTemplate({ key: 'churn-warning', couponTemplateId });
  const lapsing = await contact('常客甲');
  const back = await contact('常客乙');
  for (const c of [lapsing, back])
    for (const d of [20, 10, 0]) await ingest(c.ext, 'order.paid', `${c.ext}-o${d}`, { orderId: `${c.ext}-o${d}`, amount: 5_000 }, clock - d * DAY);

  clock += 21 * DAY; // both ordered every 10 days; 21 quiet days is past twice their cadence
  await s().rfm.sweepChurn(tb.tenantId);
  await s().rfm.sweepChurn(tb.tenantId);
  await tick();
  const care = sentTo(tb.fake, '好久没见您啦，给您留了一张专属券');
  expect(care).toEqual(
    new Map([
      [lapsing.ext, 1],
      [back.ext, 1],
    ]),
  );
  expect(await coupons(lapsing.id)).toHaveLength(1);
  // The owner's follow-up from the sweep is still there, once.
  const tasks = await s().followUps.list(tb.tenantId, { assigneeId: owner });
  expect(tasks.filter((t: any) => t.source === 'churn_warning' && String(t.customerId) === lapsing.id)).toHaveLength(1);

  clock += DAY;
  await ingest(back.ext, 'order.paid', `${back.ext}-back`, { orderId: `${back.ext}-back`, amount: 8_000 });
  clock += 2 * DAY + 60_000;
  await s().rfm.sweepChurn(tb.tenantId);
  await tick();
  expect(sentTo(tb.fake, '专属券还在，需要帮您挑点什么吗？')).toEqual(new Map([[lapsing.ext, 1]]));
  expect((await runsOf(back.id)).find((r) => r.occurrence.startsWith('churn:'))).toMatchObject({ state: 'exited' });
  expect((await runsOf(lapsing.id)).filter((r) => r.occurrence.startsWith('churn:'))).toHaveLength(1);
  // What the manager sees on the journey: two entered, one came back and ordered for ¥80.
  expect((await api('GET', `/api/v1/journeys/${journeyId}`)).body.stats).toEqual({
    runs: { active: 0, done: 1, exited: 1 },
    sent: 3,
    skipped: {},
    failed: 0,
    coupons: 2,
    tasks: 0,
    orderedAfterEntering: 1,
    revenueAfterEntering: 8_000,
  });
});

test('a cart left 4 hours without an order gets one nudge; a cart followed by an order gets none', async () => {
  await fromTemplate({ key: 'abandoned-cart' });
  clock += DAY;
  const leaver = await contact('加购未付');
  const buyer = await contact('加购已付');
  await ingest(leaver.ext, 'cart.added', 'cart-l', { productId: 'sku-1', name: '羊绒围巾' });
  await ingest(buyer.ext, 'cart.added', 'cart-b', { productId: 'sku-1', name: '羊绒围巾' });
  await tick();
  clock += HOUR;
  await ingest(buyer.ext, 'order.paid', 'cart-b-order', { orderId: 'cart-b-order', amount: 39_900 });
  await tick();
  expect(sentTo(tb.fake, '您加购的宝贝库存紧张，需要帮您留货吗？').size).toBe(0);

  clock += 3 * HOUR + 60_000;
  await tick();
  expect(sentTo(tb.fake, '您加购的宝贝库存紧张，需要帮您留货吗？')).toEqual(new Map([[leaver.ext, 1]]));
  // The same event delivered again by the shop starts nothing new.
  await ingest(leaver.ext, 'cart.added', 'cart-l', { productId: 'sku-1', name: '羊绒围巾' });
  expect((await runsOf(leaver.id)).filter((r) => r.occurrence === 'event:cart-l')).toHaveLength(1);
});

test('a birthday found just after midnight gets its coupon at once (a gold member the gold coupon) but the greeting waits for 09:00 Shanghai time', async () => {
  const gold: any = await s().loyalty.coupons.createTemplate(tb.tenantId, {
    name: '金卡生日券',
    kind: 'amount',
    amountOff: 10_000,
    threshold: 20_000,
    validity: { kind: 'relative', days: 30 },
    stock: 100,
    perCustomerLimit: 5,
    channels: ['campaign'],
  });
  const goldTemplateId = String(gold.id ?? gold._id);
  await fromTemplate({ key: 'birthday', couponTemplateId, couponByTier: { gold: goldTemplateId } });
  // 00:30 in Shanghai (16:30 UTC the day before).
  const next = new Date(clock + 2 * DAY);
  clock = Date.UTC(next.getUTCFullYear(), next.getUTCMonth(), next.getUTCDate(), 16, 30);
  const local = new Date(clock + 8 * HOUR);
  const ext = `wml${++n}`;
  tb.fake.corp.upsertContact({ name: '午夜寿星', external_userid: ext });
  tb.fake.corp.follow('zhouyi', ext);
  const id = await s().customers.identify(
    tb.tenantId,
    { externalUserId: ext },
    { name: '午夜寿星', ownerStaffId: owner, birthday: { month: local.getUTCMonth() + 1, day: local.getUTCDate() } },
    'wecom',
  );
  await s().customers.setWecomRelation(tb.tenantId, id, { relation: 'active', at: new Date(clock), staffId: owner });
  // Another birthday today, a gold member (¥6,000 paid makes gold).
  const vipExt = `wml${++n}`;
  tb.fake.corp.upsertContact({ name: '金卡寿星', external_userid: vipExt });
  tb.fake.corp.follow('zhouyi', vipExt);
  const vip = await s().customers.identify(
    tb.tenantId,
    { externalUserId: vipExt },
    { name: '金卡寿星', ownerStaffId: owner, birthday: { month: local.getUTCMonth() + 1, day: local.getUTCDate() } },
    'wecom',
  );
  await grantMarketing(s(), tb.tenantId, [id, vip]);
  await ingest(vipExt, 'order.paid', 'vip-order', { orderId: 'vip-order', amount: 600_000 }, clock - 10 * DAY);
  expect((await s().loyalty.members.find(tb.tenantId, vip))?.tier).toBe('gold');
  const greeting = '生日快乐！生日礼券已放入您的会员中心';

  await tick();
  expect((await coupons(id)).map((c: any) => c.templateId)).toEqual([couponTemplateId]);
  expect((await coupons(vip)).map((c: any) => c.templateId)).toEqual([goldTemplateId]);
  expect(sentTo(tb.fake, greeting).size).toBe(0);
  const [run] = (await runsOf(id)).filter((r) => r.occurrence.startsWith('birthday:'));
  expect(new Date(run.nextAt).toISOString()).toBe(new Date(clock + 8.5 * HOUR).toISOString()); // 01:00 UTC = 09:00 Shanghai

  clock += 8.5 * HOUR - 60_000;
  await tick();
  expect(sentTo(tb.fake, greeting).size).toBe(0);
  clock += 2 * 60_000;
  await tick();
  expect(sentTo(tb.fake, greeting)).toEqual(
    new Map([
      [ext, 1],
      [vipExt, 1],
    ]),
  );
  expect(await coupons(id)).toHaveLength(1);
});

test('five days after each paid order the buyer is asked for a review, once per order; a tag step marks buyers at once', async () => {
  await fromTemplate({ key: 'review-request' });
  const buyerTag = (await s().tags.ensure(tb.tenantId, '生命周期', '已购')).id;
  expect((await api('POST', '/api/v1/journeys', { name: '标记已购', trigger: { type: 'order.paid' }, steps: [{ type: 'tag', tagId: buyerTag }] })).status).toBe(
    201,
  );
  const buyer = await contact('评价客');
  await ingest(buyer.ext, 'order.paid', 'rv-1', { orderId: 'rv-1', amount: 19_900 });
  await ingest(buyer.ext, 'order.paid', 'rv-1', { orderId: 'rv-1', amount: 19_900 }); // the shop delivers it twice
  await tick();
  expect(((await s().customers.get(tb.tenantId, buyer.id)) as any).tags).toContain(buyerTag);
  const ask = '用得还满意吗？欢迎给我们留个评价';
  clock += 4 * DAY;
  await tick();
  expect(sentTo(tb.fake, ask).size).toBe(0);
  clock += DAY + 60_000;
  await tick();
  expect(sentTo(tb.fake, ask)).toEqual(new Map([[buyer.ext, 1]]));
});
