import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from '../broadcasts/broadcast-testbed.js';
import { grantMarketing } from '../../support/consent.js';

/** Birthday and win-back journeys on a controlled clock, sending through the local WeCom. */
const DAY = 86_400_000;
// 10:00 in Shanghai (02:00 UTC, inside the journeys' 09:00-21:00 send window) on a fixed day.
let clock = Date.parse('2026-05-12T02:00:00Z');
let tb: BroadcastTestbed;
let owner: string;
let templateId: string;
const s = () => tb.app.rt.services;
const shanghaiDate = (t: number) => new Date(t + 8 * 3_600_000);

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  owner = await tb.staff('qianba');
  const t: any = await s().loyalty.coupons.createTemplate(tb.tenantId, {
    name: '关怀券',
    kind: 'amount',
    amountOff: 2_000,
    threshold: 10_000,
    validity: { kind: 'relative', days: 30 },
    stock: 1000,
    perCustomerLimit: 5,
    channels: ['campaign'],
  });
  templateId = String(t.id ?? t._id);
}, 60_000);
afterAll(() => tb?.stop());

let n = 0;
async function contact(name: string, attrs: Record<string, unknown> = {}) {
  const ext = `wmj${++n}`;
  tb.fake.corp.upsertContact({ name, external_userid: ext });
  tb.fake.corp.follow('qianba', ext);
  const id = await s().customers.identify(tb.tenantId, { externalUserId: ext }, { name, ownerStaffId: owner, ...attrs }, 'wecom');
  await s().customers.setWecomRelation(tb.tenantId, id, { relation: 'active', at: new Date(clock), staffId: owner });
  await grantMarketing(s(), tb.tenantId, [id], { profiling: true });
  return { id, ext };
}
/** Created off, previewed, then switched on with the preview's figure, as the console does. */
const journey = async (body: Record<string, unknown>) => {
  const res = await tb.app.request('POST', '/api/v1/journeys', { token: tb.manager, body: { ...body, enabled: false } });
  expect(res.status).toBe(201);
  const preview = await tb.app.request('GET', `/api/v1/journeys/${res.body.id}/preview`, { token: tb.manager });
  const on = await tb.app.request('PATCH', `/api/v1/journeys/${res.body.id}`, {
    token: tb.manager,
    body: { enabled: true, expectedEntrants: preview.body.entrants },
  });
  expect(on.status).toBe(200);
  return res.body.id as string;
};
const coupons = (customerId: string) => s().loyalty.coupons.listForCustomer(tb.tenantId, customerId);
const order = (ext: string, at: number, id: string) =>
  s()
    .events.ingest(tb.tenantId, [
      { eventId: id, type: 'order.paid', occurredAt: new Date(at).toISOString(), customer: { externalUserId: ext }, data: { orderId: id, amount: 9_900 } },
    ])
    .then(async (r) => {
      await s().events.settle();
      return r;
    });

test('on their birthday a customer gets a coupon and a greeting once, and again the next year', async () => {
  const today = shanghaiDate(clock);
  const birthday = await contact('生日客', { birthday: { month: today.getUTCMonth() + 1, day: today.getUTCDate() } });
  const other = await contact('别的日子', { birthday: { month: ((today.getUTCMonth() + 1) % 12) + 1, day: 1 } });
  await journey({
    name: '生日关怀',
    trigger: { type: 'birthday' },
    steps: [
      { type: 'coupon', templateId },
      { type: 'send', channel: 'wecom_group_msg', text: '生日快乐！礼券已到账' },
    ],
  });

  await s().journeys.tick();
  await s().journeys.tick();
  expect(await coupons(birthday.id)).toHaveLength(1);
  expect(await coupons(other.id)).toHaveLength(0);
  expect(sentTo(tb.fake, '生日快乐！礼券已到账')).toEqual(new Map([[birthday.ext, 1]]));

  const runs = (await tb.app.request('GET', `/api/v1/journeys/customers/${birthday.id}/runs`, { token: tb.manager })).body.items;
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ state: 'done', occurrence: `birthday:${today.getUTCFullYear()}` });
  expect(runs[0].log.map((l: any) => l.type)).toEqual(['coupon', 'send']);

  clock += 365 * DAY;
  if (shanghaiDate(clock).getUTCDate() !== today.getUTCDate()) clock += DAY; // a leap year in between
  await s().journeys.tick();
  expect(await coupons(birthday.id)).toHaveLength(2);
  expect(sentTo(tb.fake, '生日快乐！礼券已到账').get(birthday.ext)).toBe(2);
});

test('a customer dormant 60 days gets a coupon, a reminder 3 days later and a task for their owner; one who orders in between leaves the journey', async () => {
  clock += 10 * DAY;
  const dormant = await contact('沉睡客');
  const returning = await contact('回头客');
  const active = await contact('活跃客');
  await order(dormant.ext, clock - 70 * DAY, 'wb-1');
  await order(returning.ext, clock - 65 * DAY, 'wb-2');
  await order(active.ext, clock - 5 * DAY, 'wb-3');
  const id = await journey({
    name: '沉睡唤醒',
    trigger: { type: 'dormant', days: 60 },
    steps: [
      { type: 'coupon', templateId },
      { type: 'send', channel: 'wecom_group_msg', text: '好久不见，送您回归券' },
      { type: 'wait', hours: 72 },
      { type: 'condition', check: 'noOrderSinceStart' },
      { type: 'send', channel: 'wecom_group_msg', text: '回归券即将过期' },
      { type: 'task', title: '沉睡客户 {name} 仍未回购，请回访', dueInHours: 48 },
    ],
  });
  await s().journeys.tick();
  expect(sentTo(tb.fake, '好久不见，送您回归券')).toEqual(
    new Map([
      [dormant.ext, 1],
      [returning.ext, 1],
    ]),
  );
  expect(await coupons(active.id)).toHaveLength(0);

  clock += DAY;
  await order(returning.ext, clock, 'wb-4');
  await s().journeys.tick();
  expect(sentTo(tb.fake, '回归券即将过期').size).toBe(0); // still waiting

  clock += 2 * DAY + 60_000;
  await s().journeys.tick();
  await s().journeys.tick();
  expect(sentTo(tb.fake, '回归券即将过期')).toEqual(new Map([[dormant.ext, 1]]));
  const tasks = await s().followUps.list(tb.tenantId, { assigneeId: owner });
  expect(tasks.filter((t: any) => t.source === 'journey').map((t: any) => t.title)).toEqual(['沉睡客户 沉睡客 仍未回购，请回访']);

  const runs = (await tb.app.request('GET', `/api/v1/journeys/${id}`, { token: tb.manager })).body.runs;
  const byCustomer = new Map(runs.map((r: any) => [r.customerId, r]));
  expect(byCustomer.get(dormant.id)).toMatchObject({ state: 'done' });
  expect(byCustomer.get(returning.id)).toMatchObject({ state: 'exited' });
  expect(byCustomer.has(active.id)).toBe(false);
  // The same dormancy never enrols twice.
  await s().journeys.tick();
  expect((await tb.app.request('GET', `/api/v1/journeys/${id}`, { token: tb.manager })).body.runs).toHaveLength(2);
});

test('a journey with an unknown step or no steps is refused with 400; sales may not create journeys', async () => {
  const bad = await tb.app.request('POST', '/api/v1/journeys', {
    token: tb.manager,
    body: { name: 'x', trigger: { type: 'birthday' }, steps: [{ type: 'teleport' }] },
  });
  expect(bad.status).toBe(400);
  const empty = await tb.app.request('POST', '/api/v1/journeys', { token: tb.manager, body: { name: 'x', trigger: { type: 'birthday' }, steps: [] } });
  expect(empty.body.error.message).toMatch(/at least one step/);
  const sales = (await tb.app.staff('sales')).token;
  expect(
    (
      await tb.app.request('POST', '/api/v1/journeys', {
        token: sales,
        body: { name: 'x', trigger: { type: 'birthday' }, steps: [{ type: 'wait', hours: 1 }] },
      })
    ).status,
  ).toBe(403);
});
