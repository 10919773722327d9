import { grantMarketing } from '../../support/consent.js';
import { Types } from 'mongoose';
import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';
import { CustomerModel } from '../../../server/src/modules/customers/customer.model.js';
import { DeliveryModel } from '../../../server/src/modules/broadcasts/broadcast.model.js';

/**
 * Placeholders in a WeCom customer campaign (add_msg_template, through the local WeCom): each customer
 * is sent the text filled for them, a customer whose placeholder cannot be filled is skipped with the
 * reason on their row, and an unknown placeholder is refused when the campaign is created.
 */
const T = Date.UTC(2026, 5, 10, 2, 0); // 10:00 in Shanghai, inside the send window
let clock = T;
let tb: BroadcastTestbed;
const s = () => tb.app.rt.services;
let manager = '';
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: manager || tb.manager, body });
beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
}, 60_000);
afterAll(() => tb?.stop());

async function audience(n: number, prefix: string) {
  const owner = { staffId: await tb.staff(`rep${prefix}`), wecomUserId: `rep${prefix}` };
  const tag = (await s().tags.ensure(tb.tenantId, '活动', `占位-${prefix}`)).id;
  const ids = await tb.contacts(n, owner, tag, prefix);
  const segmentId = (
    await api('POST', '/api/v1/segments', {
      name: `占位-${prefix}`,
      audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] },
    })
  ).body.id;
  return { ids, segmentId, ext: (i: number) => `wm${prefix}${String(i).padStart(6, '0')}` };
}
const dispatch = async () => {
  for (let i = 0; i < 3; i++) await s().broadcasts.dispatcher.tick(10_000);
};

test('each WeCom customer is sent the text with their own name, points and tier; one without a name and one who is not a member are skipped with the reason', async () => {
  const a = await audience(4, 'pa');
  // pa0 and pa1 are members with points; pa2 is a member without a name on the profile; pa3 is not a member.
  for (const [i, points] of [
    [0, 120],
    [1, 80],
    [2, 10],
  ] as const)
    await s().loyalty.adjust(tb.tenantId, a.ids[i], { points, reason: 'test', idempotencyKey: `pa-${i}`, operator: 'test' });
  await CustomerModel.updateOne({ _id: new Types.ObjectId(a.ids[2]) }, { $unset: { name: 1 } });

  const res = await api('POST', '/api/v1/broadcasts', {
    name: '会员日',
    channel: 'wecom_group_msg',
    segmentId: a.segmentId,
    content: { text: '{name}，会员日积分翻倍：您有 {points} 积分（{tier}）' },
  });
  expect(res.status).toBe(201);
  await dispatch();

  const tier = (await s().loyalty.settings.get(tb.tenantId)).tiers[0].name;
  expect([...sentTo(tb.fake, `pa0，会员日积分翻倍：您有 120 积分（${tier}）`)]).toEqual([[a.ext(0), 1]]);
  expect([...sentTo(tb.fake, `pa1，会员日积分翻倍：您有 80 积分（${tier}）`)]).toEqual([[a.ext(1), 1]]);
  // Nobody got the raw text, nor a text with a hole in it.
  for (const t of tb.fake.corp.msgTemplates.values()) expect(t.input.text?.content ?? '').not.toMatch(/\{|\}|^，/);
  const p = (await api('GET', `/api/v1/broadcasts/${res.body.id}`)).body.progress;
  expect(p.counts).toMatchObject({ total: 4, sent: 2, skipped: 2 });
  expect(p.skipped).toEqual({ 'placeholder_unfilled:{name}': 1, 'placeholder_unfilled:{points}': 1 });

  // The text sent to pa0 (with their name) is kept on their row, and goes when they are erased.
  const row = async () => DeliveryModel.findOne({ campaignId: new Types.ObjectId(res.body.id), customerId: new Types.ObjectId(a.ids[0]) }).lean();
  expect((await row())?.personal?.text).toBe(`pa0，会员日积分翻倍：您有 120 积分（${tier}）`);
  await s().privacy.erasure.erase(tb.tenantId, a.ids[0], { id: 'admin', role: 'admin' });
  expect((await row())?.personal?.text).toBeUndefined();
});

test('customers whose filled text reads the same share one WeCom task', async () => {
  const a = await audience(3, 'pb');
  await CustomerModel.updateMany({ _id: { $in: a.ids.map((id) => new Types.ObjectId(id)) } }, { $set: { name: '王女士' } });
  const res = await api('POST', '/api/v1/broadcasts', {
    name: '问候',
    channel: 'wecom_group_msg',
    segmentId: a.segmentId,
    content: { text: '{name}您好，新品到店' },
  });
  expect(res.status).toBe(201);
  await dispatch();
  const tasks = [...tb.fake.corp.msgTemplates.values()].filter((t) => t.input.text?.content === '王女士您好，新品到店');
  expect(tasks).toHaveLength(1);
  expect([...sentTo(tb.fake, '王女士您好，新品到店').keys()].sort()).toEqual([a.ext(0), a.ext(1), a.ext(2)]);
});

test('a coupon campaign tells each customer the code and name of the coupon they were issued', async () => {
  const a = await audience(2, 'pc');
  const t: any = await s().loyalty.coupons.createTemplate(tb.tenantId, {
    name: '会员日券',
    kind: 'amount',
    amountOff: 2_000,
    threshold: 10_000,
    validity: { kind: 'relative', days: 7 },
    stock: 10,
    perCustomerLimit: 1,
    channels: ['campaign'],
  });
  const res = await api('POST', '/api/v1/broadcasts', {
    name: '送券',
    channel: 'wecom_group_msg',
    segmentId: a.segmentId,
    content: { text: '{name}：您的「{couponName}」券码 {coupon}', couponTemplateId: String(t.id ?? t._id) },
  });
  expect(res.status).toBe(201);
  await dispatch();
  for (const [i, id] of a.ids.entries()) {
    const [coupon] = await s().loyalty.coupons.listForCustomer(tb.tenantId, id);
    expect([...sentTo(tb.fake, `pc${i}：您的「会员日券」券码 ${(coupon as any).code}`)]).toEqual([[a.ext(i), 1]]);
  }
});

test('an unknown placeholder, a placeholder on a group campaign and a coupon placeholder without a coupon are refused with 400 naming the field', async () => {
  const a = await audience(1, 'pd');
  const unknown = await api('POST', '/api/v1/broadcasts', {
    name: '错字',
    channel: 'wecom_group_msg',
    segmentId: a.segmentId,
    content: { text: '{nmae}，会员日积分翻倍' },
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error).toMatchObject({ code: 'BROADCAST_PLACEHOLDER', details: { field: 'content.text', placeholder: '{nmae}', reason: 'unknown' } });
  const inVariant = await api('POST', '/api/v1/broadcasts', {
    name: 'AB',
    channel: 'wecom_group_msg',
    segmentId: a.segmentId,
    variants: [
      { key: 'A', weight: 50, content: { text: '{name} 您好' } },
      { key: 'B', weight: 50, content: { text: '您好', link: { title: '{姓名} {vip}', url: 'https://shop.example.com' } } },
    ],
  });
  expect(inVariant.status).toBe(400);
  expect(inVariant.body.error.details).toMatchObject({ field: 'variants.1.content.link.title', placeholder: '{vip}' });
  const group = await api('POST', '/api/v1/broadcasts', { name: '群', channel: 'wecom_group_chat', chatIds: ['wrchat1'], content: { text: '{name} 您好' } });
  expect(group.status).toBe(400);
  expect(group.body.error.details).toMatchObject({ field: 'content.text', reason: 'group_channel' });
  const noCoupon = await api('POST', '/api/v1/broadcasts', {
    name: '无券',
    channel: 'wecom_group_msg',
    segmentId: a.segmentId,
    content: { text: '券码 {coupon}' },
  });
  expect(noCoupon.status).toBe(400);
  expect(noCoupon.body.error.details).toMatchObject({ field: 'content.text', reason: 'no_coupon' });
  expect((await api('GET', '/api/v1/broadcasts')).body.items?.map((c: any) => c.name) ?? []).not.toContain('错字');
});

test('a journey message fills the same placeholders for each customer, skips one it cannot fill, and refuses others when saved', async () => {
  const a = await audience(2, 'pj');
  // A cart journey is personalised marketing: it reaches those who also agreed to profiling.
  await grantMarketing(s(), tb.tenantId, a.ids, { profiling: true });
  await s().loyalty.adjust(tb.tenantId, a.ids[0], { points: 30, reason: 'test', idempotencyKey: 'pj-0', operator: 'test' });
  const bad = await api('POST', '/api/v1/journeys', {
    name: '加购-错',
    trigger: { type: 'cart.added' },
    steps: [{ type: 'send', channel: 'wecom_group_msg', text: '{name} 您的购物车，券码 {coupon}' }],
  });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.error)).toMatch(/placeholders \{name\}, \{points\} and \{tier\} only/);
  const ok = await api('POST', '/api/v1/journeys', {
    name: '加购',
    trigger: { type: 'cart.added' },
    steps: [{ type: 'send', channel: 'wecom_group_msg', text: '{name} 您的购物车还在，{points} 积分可抵现' }],
  });
  expect(ok.status).toBe(201);
  // pj0 is a member with points; pj1 is not a member.
  for (const i of [0, 1])
    await s().events.ingest(tb.tenantId, [
      {
        eventId: `pj-cart-${i}`,
        type: 'cart.added',
        occurredAt: new Date(T).toISOString(),
        customer: { externalUserId: a.ext(i) },
        data: { productId: 'sku-1' },
      },
    ]);
  await s().events.settle();
  await s().journeys.tick();
  await s().journeys.tick();
  expect([...sentTo(tb.fake, 'pj0 您的购物车还在，30 积分可抵现')]).toEqual([[a.ext(0), 1]]);
  for (const t of tb.fake.corp.msgTemplates.values()) expect(t.input.text?.content ?? '').not.toContain('{');
  const runs = (await api('GET', `/api/v1/journeys/customers/${a.ids[1]}/runs`)).body.items;
  expect(JSON.stringify(runs)).toContain('skipped: placeholder_unfilled:{points}');
});

test('a worker that died after WeCom took personal texts leaves nobody messaged twice: each row is found by the text it was sent', async () => {
  // The local WeCom stamps tasks with the machine's time, and recovery asks it for a time window.
  clock = Date.now();
  manager = (await tb.app.staff('community_manager')).token;
  const now = clock;
  const a = await audience(3, 'pr');
  const res = await api('POST', '/api/v1/broadcasts', {
    name: '重启',
    channel: 'wecom_group_msg',
    segmentId: a.segmentId,
    content: { text: '{name}，您的专属福利已到账' },
  });
  expect(res.status).toBe(201);
  await dispatch();
  const texts = [0, 1, 2].map((i) => `pr${i}，您的专属福利已到账`);
  for (const [i, text] of texts.entries()) expect([...sentTo(tb.fake, text)]).toEqual([[a.ext(i), 1]]);
  // As if the worker died after WeCom accepted the tasks and before it wrote "sent": rows left sending, lease over.
  const campaignId = new Types.ObjectId(res.body.id);
  await DeliveryModel.updateMany(
    { campaignId },
    {
      $set: { state: 'sending', claim: 'dead-worker', leaseUntil: new Date(now - 60_000), sendingSince: new Date(now - 120_000) },
      $unset: { sentAt: 1, providerRef: 1 },
    },
  );
  await (
    await import('../../../server/src/modules/broadcasts/broadcast.model.js')
  ).CampaignModel.updateOne({ _id: campaignId }, { $set: { status: 'sending', nextDispatchAt: new Date(now) } });
  await dispatch();
  const p = (await api('GET', `/api/v1/broadcasts/${res.body.id}`)).body.progress;
  expect(p.counts).toMatchObject({ total: 3, sent: 3 });
  for (const [i, text] of texts.entries()) expect([...sentTo(tb.fake, text)]).toEqual([[a.ext(i), 1]]);
});
