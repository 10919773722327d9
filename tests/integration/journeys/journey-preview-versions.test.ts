import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from '../broadcasts/broadcast-testbed.js';
import { grantMarketing } from '../../support/consent.js';

/**
 * Switching a journey on is never blind: the preview says how many customers would enter at once and
 * what their first steps would do, and the switch is refused (409, with today's figure) unless the
 * caller confirms that figure. An edit saves a new version; runs in progress finish the version they
 * started on. A condition's "no" branch runs for those the condition does not hold for.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
// 10:00 in Shanghai (02:00 UTC, inside the journeys' send window) on a fixed day.
let clock = Date.parse('2026-06-16T02:00:00Z');
let tb: BroadcastTestbed;
let owner: string;
let templateId: string;
const s = () => tb.app.rt.services;
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  tb.app.request(method, path, { token: tb.manager, body, headers });

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  owner = await tb.staff('sunqi');
  const t: any = await s().loyalty.coupons.createTemplate(tb.tenantId, {
    name: '回归券',
    kind: 'amount',
    amountOff: 1_000,
    threshold: 5_000,
    validity: { kind: 'relative', days: 30 },
    stock: 1000,
    perCustomerLimit: 5,
    channels: ['campaign'],
  });
  templateId = String(t.id ?? t._id);
}, 60_000);
afterAll(() => tb?.stop());

let n = 0;
async function contact(name: string) {
  const ext = `wmp${++n}`;
  tb.fake.corp.upsertContact({ name, external_userid: ext });
  tb.fake.corp.follow('sunqi', ext);
  const id = await s().customers.identify(tb.tenantId, { externalUserId: ext }, { name, ownerStaffId: owner }, 'wecom');
  await s().customers.setWecomRelation(tb.tenantId, id, { relation: 'active', at: new Date(clock), staffId: owner });
  await grantMarketing(s(), tb.tenantId, [id], { profiling: true });
  return { id, ext };
}
const order = (ext: string, at: number, id: string) =>
  s()
    .events.ingest(tb.tenantId, [
      { eventId: id, type: 'order.paid', occurredAt: new Date(at).toISOString(), customer: { externalUserId: ext }, data: { orderId: id, amount: 9_900 } },
    ])
    .then(async (r) => {
      await s().events.settle();
      return r;
    });
const coupons = (customerId: string) => s().loyalty.coupons.listForCustomer(tb.tenantId, customerId);
const runs = async (journeyId: string) => (await api('GET', `/api/v1/journeys/${journeyId}`)).body.runs as any[];

test('the win-back preview counts the dormant customers and the coupons their first step issues; switching on without that figure, or with one gone stale, is refused with 409 and the journey stays off; confirmed, exactly the previewed customers enter', async () => {
  const dormant = [await contact('沉睡甲'), await contact('沉睡乙'), await contact('沉睡丙')];
  const active = await contact('活跃丁');
  for (const [i, c] of dormant.entries()) await order(c.ext, clock - 90 * DAY, `pv-d${i}`);
  await order(active.ext, clock - 3 * DAY, 'pv-a');
  const created = await api('POST', '/api/v1/journeys', {
    name: '沉睡唤醒',
    enabled: false,
    trigger: { type: 'dormant', days: 60 },
    steps: [
      { type: 'coupon', templateId },
      { type: 'send', channel: 'wecom_group_msg', text: '好久不见，送您一张回归券' },
      { type: 'wait', hours: 72 },
      { type: 'task', title: '回访 {name}', dueInHours: 24 },
    ],
  });
  expect(created.status).toBe(201);
  const id = created.body.id;

  const preview = await api('GET', `/api/v1/journeys/${id}/preview`);
  expect(preview.status).toBe(200);
  expect(preview.body).toMatchObject({
    enrolsExisting: true,
    entrants: 3,
    coupons: 3,
    messages: 3,
    tasks: 0,
    firstSteps: [
      { step: 0, type: 'coupon', upTo: 3, coupon: { name: '回归券', remaining: 1000 } },
      { step: 1, type: 'send', upTo: 3 },
    ],
  });
  // A community manager sees the sample masked, as names everywhere in the console.
  expect([...preview.body.sample].sort()).toEqual(['沉*丙', '沉*乙', '沉*甲']);

  const blind = await api('PATCH', `/api/v1/journeys/${id}`, { enabled: true });
  expect(blind.status).toBe(409);
  expect(blind.body.error).toMatchObject({ code: 'JOURNEY_PREVIEW_STALE', details: { entrants: 3, coupons: 3 } });
  // Meanwhile a fourth customer passes 60 days without an order: the figure shown is stale.
  const late = await contact('沉睡戊');
  await order(late.ext, clock - 61 * DAY, 'pv-late');
  const stale = await api('PATCH', `/api/v1/journeys/${id}`, { enabled: true, expectedEntrants: 3 });
  expect(stale.status).toBe(409);
  expect(stale.body.error.details).toMatchObject({ entrants: 4, expected: 3 });
  expect((await api('GET', `/api/v1/journeys/${id}`)).body.enabled).toBe(false);
  await s().journeys.tick();
  expect(await runs(id)).toEqual([]);
  expect(sentTo(tb.fake, '好久不见，送您一张回归券').size).toBe(0);

  const on = await api('PATCH', `/api/v1/journeys/${id}`, { enabled: true, expectedEntrants: 4 });
  expect(on.status).toBe(200);
  await s().journeys.tick();
  expect((await runs(id)).map((r) => r.customerId).sort()).toEqual([...dormant, late].map((c) => c.id).sort());
  for (const c of [...dormant, late]) expect(await coupons(c.id)).toHaveLength(1);
  expect(await coupons(active.id)).toHaveLength(0);
  expect(sentTo(tb.fake, '好久不见，送您一张回归券').size).toBe(4);
  // Those already in it for this dormancy would not enter again: switched off and on, nobody new enters and no figure is needed.
  expect((await api('GET', `/api/v1/journeys/${id}/preview`)).body.entrants).toBe(0);
  expect((await api('PATCH', `/api/v1/journeys/${id}`, { enabled: false })).status).toBe(200);
  expect((await api('PATCH', `/api/v1/journeys/${id}`, { enabled: true })).status).toBe(200);
});

test('a journey created switched on that would enrol customers at once is refused with 409 unless the figure is given, and nothing is created', async () => {
  const body = { name: '生日关怀', trigger: { type: 'birthday' }, steps: [{ type: 'coupon', templateId }] };
  const local = new Date(clock + 8 * HOUR);
  const ext = `wmp${++n}`;
  const id = await s().customers.identify(
    tb.tenantId,
    { externalUserId: ext },
    { name: '寿星', ownerStaffId: owner, birthday: { month: local.getUTCMonth() + 1, day: local.getUTCDate() } },
    'wecom',
  );
  const refused = await api('POST', '/api/v1/journeys', body);
  expect(refused.status).toBe(409);
  expect(refused.body.error.details).toMatchObject({ entrants: 1 });
  expect((await api('GET', '/api/v1/journeys')).body.items.map((j: any) => j.name)).not.toContain('生日关怀');
  expect((await api('POST', '/api/v1/journeys', { ...body, expectedEntrants: 1 })).status).toBe(201);
  await s().journeys.tick();
  expect(await coupons(id)).toHaveLength(1);
  // An event trigger enrols nobody at once: its preview says so and it switches on without a figure.
  const cart = await api('POST', '/api/v1/journeys', {
    name: '加购提醒',
    enabled: false,
    trigger: { type: 'cart.added' },
    steps: [{ type: 'wait', hours: 4 }],
  });
  expect((await api('GET', `/api/v1/journeys/${cart.body.id}/preview`)).body).toMatchObject({ enrolsExisting: false, entrants: 0 });
  expect((await api('PATCH', `/api/v1/journeys/${cart.body.id}`, { enabled: true })).status).toBe(200);
});

test('an edit saves version 2: a run that started on version 1 finishes version 1, a customer entering afterwards goes through version 2; an edit over a newer version is refused with 409', async () => {
  clock += 2 * DAY;
  const created = await api('POST', '/api/v1/journeys', {
    name: '下单回访',
    trigger: { type: 'order.paid' },
    steps: [
      { type: 'send', channel: 'wecom_group_msg', text: 'v1 感谢下单' },
      { type: 'wait', hours: 24 },
      { type: 'send', channel: 'wecom_group_msg', text: 'v1 用得如何' },
    ],
  });
  expect(created.body.version).toBe(1);
  const id = created.body.id;
  const early = await contact('老订单');
  await order(early.ext, clock, 'vr-1');
  await s().journeys.tick();
  expect(sentTo(tb.fake, 'v1 感谢下单')).toEqual(new Map([[early.ext, 1]]));

  const edit = {
    name: '下单回访',
    trigger: { type: 'order.paid' },
    baseVersion: 1,
    steps: [
      { type: 'send', channel: 'wecom_group_msg', text: 'v2 感谢下单' },
      { type: 'wait', hours: 48 },
      { type: 'send', channel: 'wecom_group_msg', text: 'v2 晒单有礼' },
    ],
  };
  const saved = await api('PUT', `/api/v1/journeys/${id}`, edit);
  expect(saved.status).toBe(200);
  expect(saved.body).toMatchObject({ version: 2, steps: [{ text: 'v2 感谢下单' }, { hours: 48 }, { text: 'v2 晒单有礼' }] });
  // A second editor who loaded version 1 cannot overwrite version 2 unseen.
  const racing = await api('PUT', `/api/v1/journeys/${id}`, { ...edit, steps: [{ type: 'wait', hours: 1 }] });
  expect(racing.status).toBe(409);
  expect(racing.body.error).toMatchObject({ code: 'JOURNEY_EDITED_ELSEWHERE', details: { version: 2 } });

  const later = await contact('新订单');
  await order(later.ext, clock, 'vr-2');
  await s().journeys.tick();
  expect(sentTo(tb.fake, 'v2 感谢下单')).toEqual(new Map([[later.ext, 1]]));
  clock += 24 * HOUR + 60_000;
  await s().journeys.tick();
  expect(sentTo(tb.fake, 'v1 用得如何')).toEqual(new Map([[early.ext, 1]]));
  expect(sentTo(tb.fake, 'v2 晒单有礼').size).toBe(0);
  clock += 24 * HOUR;
  await s().journeys.tick();
  expect(sentTo(tb.fake, 'v2 晒单有礼')).toEqual(new Map([[later.ext, 1]]));

  const detail = (await api('GET', `/api/v1/journeys/${id}`)).body;
  expect(detail.versions.map((v: any) => [v.version, v.steps[0].text])).toEqual([
    [2, 'v2 感谢下单'],
    [1, 'v1 感谢下单'],
  ]);
  expect(Object.fromEntries(detail.runs.map((r: any) => [r.customerId, [r.version, r.state]]))).toEqual({ [early.id]: [1, 'done'], [later.id]: [2, 'done'] });
});

test('a condition with a "no" branch: a customer who ordered meanwhile goes down the branch (tagged), one who did not gets the reminder', async () => {
  const tagId = (await s().tags.ensure(tb.tenantId, '旅程', '已回购')).id;
  const created = await api('POST', '/api/v1/journeys', {
    name: '加购分支',
    trigger: { type: 'cart.added' },
    steps: [
      { type: 'wait', hours: 2 },
      { type: 'condition', check: 'noOrderSinceStart', no: [{ type: 'tag', tagId }] },
      { type: 'send', channel: 'wecom_group_msg', text: '宝贝还在购物车里' },
    ],
  });
  expect(created.status).toBe(201);
  const waiting = await contact('犹豫客');
  const bought = await contact('下单客');
  for (const c of [waiting, bought])
    await s().events.ingest(tb.tenantId, [
      {
        eventId: `cart-${c.ext}`,
        type: 'cart.added',
        occurredAt: new Date(clock).toISOString(),
        customer: { externalUserId: c.ext },
        data: { productId: 'sku-9' },
      },
    ]);
  await s().events.settle();
  await s().journeys.tick();
  clock += HOUR;
  await order(bought.ext, clock, 'br-1');
  clock += HOUR + 60_000;
  await s().journeys.tick();
  expect(sentTo(tb.fake, '宝贝还在购物车里')).toEqual(new Map([[waiting.ext, 1]]));
  expect(((await s().customers.get(tb.tenantId, bought.id)) as any).tags).toContain(tagId);
  expect(((await s().customers.get(tb.tenantId, waiting.id)) as any).tags ?? []).not.toContain(tagId);
  const byCustomer = new Map((await runs(created.body.id)).map((r) => [r.customerId, r]));
  expect(byCustomer.get(bought.id)).toMatchObject({
    state: 'done',
    log: [expect.objectContaining({ type: 'wait' }), expect.objectContaining({ type: 'condition' }), expect.objectContaining({ type: 'tag' })],
  });
  expect(byCustomer.get(waiting.id)).toMatchObject({ state: 'done' });
});

test('a refused edit names the step and the field as the editor does, in Chinese for a Chinese page, and saves nothing', async () => {
  const created = await api('POST', '/api/v1/journeys', { name: '校验', enabled: false, trigger: { type: 'order.paid' }, steps: [{ type: 'wait', hours: 1 }] });
  const res = await api(
    'PUT',
    `/api/v1/journeys/${created.body.id}`,
    {
      name: '校验',
      trigger: { type: 'order.paid' },
      steps: [
        { type: 'wait', hours: 1 },
        { type: 'send', channel: 'wecom_group_msg', text: '' },
        { type: 'condition', check: 'noOrderSinceStart', no: [{ type: 'task', title: '' }] },
      ],
    },
    { 'accept-language': 'zh-CN' },
  );
  expect(res.status).toBe(400);
  expect(res.body.error.details.map((d: any) => d.message)).toEqual([
    '第 2 步（发送消息），消息内容：不能为空',
    '第 3 步「否」分支第 1 步（跟进任务），任务内容：不能为空',
  ]);
  expect((await api('GET', `/api/v1/journeys/${created.body.id}`)).body).toMatchObject({ version: 1, steps: [{ type: 'wait', hours: 1 }] });
});
