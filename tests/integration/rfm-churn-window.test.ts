import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * The churn sweep warns where a call can still help: inside a window after each customer's own
 * cadence, not for customers gone for most of a year; each rep gets a capped, ranked list per day,
 * and each task says what is known about the customer. Pinned clock; 3 tasks per rep per day.
 */
const DAY = 86_400_000;
const start = Date.parse('2026-03-02T02:00:00Z'); // 10:00 in Shanghai
let clock = start;
const ago = (d: number) => new Date(clock - d * DAY).toISOString();

let app: TestApp;
let key: string;
const tenant = () => app.config.DEFAULT_TENANT;
const s = () => app.rt.services;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(clock), env: { RFM_CHURN_TASKS_PER_DAY: '3' } });
  key = (await s().staff.createApiKey(tenant(), 'shop')).key;
});
afterAll(() => app?.stop());

let n = 0;
const order = (phone: string, amount: number, daysAgo: number) => ({
  eventId: `win-ev-${++n}`,
  type: 'order.paid',
  occurredAt: ago(daysAgo),
  customer: { phone },
  data: { orderId: `win-o-${n}`, amount },
});
async function buyer(phone: string, name: string, ownerStaffId: string, orders: Array<[amount: number, daysAgo: number]>) {
  const id = await s().customers.identify(tenant(), { phone }, { name, ownerStaffId });
  const res = await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events: orders.map(([a, d]) => order(phone, a, d)) } });
  expect(res.body.rejected).toBe(0);
  await app.settle();
  return id;
}
const churnOf = async (id: string) => ((await s().customers.get(tenant(), id)) as any).rfm.churn;
/** The rep's churn tasks as their task list shows them (signed in now: the clock moves by days). */
async function tasksOf(rep: { username: string }) {
  const { token } = await s().staff.login(tenant(), rep.username, 'harbor-kettle-2026');
  const res = await app.request('GET', '/api/v1/follow-ups', { token });
  return (res.body.items as any[]).filter((t) => t.source === 'churn_warning');
}

test('the first sweep over old history warns only customers inside their window; those gone far past their cadence are lost, with no task', async () => {
  const rep = await app.staff('sales', '王销售');
  const lostOneOrder = await buyer('13710000001', '久未来', rep.id, [[9_900, 300]]);
  const oneOrder = await buyer('13710000002', '买过一次', rep.id, [[12_800, 100]]);
  const regular = await buyer('13710000003', '常客', rep.id, [
    [5_000, 45],
    [5_000, 35],
    [5_000, 25],
  ]);
  const lostRegular = await buyer('13710000004', '老常客', rep.id, [
    [5_000, 310],
    [5_000, 300],
    [5_000, 290],
  ]);

  const result = await s().rfm.sweepChurn(tenant());
  expect(result).toMatchObject({ atRisk: 2, lost: 2, tasks: 2 });
  expect(await churnOf(lostOneOrder)).toMatchObject({ state: 'lost', lostBecause: 'dormant' });
  expect(await churnOf(lostRegular)).toMatchObject({ state: 'lost', lostBecause: 'dormant' });
  expect((await churnOf(oneOrder)).state).toBe('at_risk');
  expect((await churnOf(regular)).state).toBe('at_risk');

  const tasks = await tasksOf(rep);
  expect(tasks.map((t) => String(t.customerId)).sort()).toEqual([oneOrder, regular].sort());
  const once = tasks.find((t) => String(t.customerId) === oneOrder)!;
  // Only what is known: one order, when, what it was worth; no invented "usual" cadence.
  expect(once.title).toBe('流失预警：买过一次 只下过 1 单，距今 100 天（¥128.00），35 天内联系挽回机会最大，请跟进');
  expect(once.title).not.toMatch(/平时约/);
  expect(once.why).toMatchObject({ kind: 'churn', daysSinceOrder: 100, orderCount: 1, totalPaid: 12_800, daysLeft: 35 });
  const reg = tasks.find((t) => String(t.customerId) === regular)!;
  expect(reg.title).toBe('流失预警：常客 平时约 10 天一单，已 25 天未下单（共 3 单，累计 ¥150.00），9 天内联系挽回机会最大，请跟进');
  expect(reg.why).toMatchObject({ gapDays: 10, daysSinceOrder: 25, orderCount: 3 });

  // A customer lost to dormancy who orders again is back to ok, with a fresh window.
  await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events: [order('13710000001', 6_600, 0)] } });
  await app.settle();
  expect((await churnOf(lostOneOrder)).state).toBe('ok');
});

test('each rep gets at most 3 churn tasks a day, most valuable and recoverable first; the rest get theirs on later days unless their window closed', async () => {
  const rep = await app.staff('sales', '李销售');
  const other = await app.staff('sales', '赵销售');
  // One order each: at risk from 90 days, lost from 135. Value × share of the window left:
  const z = await buyer('13720000001', '丙', rep.id, [[30_000, 100]]); //   300 元 × 35/45
  const x = await buyer('13720000002', '甲', rep.id, [[10_000, 91]]); //    100 元 × 44/45
  const y = await buyer('13720000003', '乙', rep.id, [[50_000, 130]]); //   500 元 × 5/45
  const v = await buyer('13720000004', '丁', rep.id, [[100_000, 134]]); // 1000 元, window all but closed
  const w = await buyer('13720000005', '戊', rep.id, [[5_000, 92]]); //      50 元 × 43/45
  const mine = await buyer('13720000006', '己', other.id, [[1_000, 95]]);

  await s().rfm.sweepChurn(tenant());
  await s().rfm.sweepChurn(tenant()); // a rerun the same day adds nothing
  expect((await tasksOf(rep)).map((t) => String(t.customerId)).sort()).toEqual([z, x, y].sort());
  expect((await tasksOf(other)).map((t) => String(t.customerId))).toEqual([mine]);
  for (const id of [v, w]) expect(await churnOf(id)).toMatchObject({ state: 'at_risk', awaitingTask: true });

  // Next day: 戊 gets a task; 丁's window has closed, so 丁 is lost instead of being one more call.
  clock += DAY;
  await s().rfm.sweepChurn(tenant());
  expect((await tasksOf(rep)).map((t) => String(t.customerId)).sort()).toEqual([z, x, y, w].sort());
  expect(await churnOf(v)).toMatchObject({ state: 'lost', lostBecause: 'dormant' });
  expect((await churnOf(w)).awaitingTask).toBeUndefined();

  // Four days on, 乙's window closes unanswered: lost, and the task leaves the rep's open list.
  clock += 4 * DAY;
  await s().rfm.sweepChurn(tenant());
  expect(await churnOf(y)).toMatchObject({ state: 'lost', lostBecause: 'dormant' });
  const tasks = await tasksOf(rep);
  expect(tasks.find((t) => String(t.customerId) === y)).toMatchObject({ status: 'done', closedReason: 'customer_lost' });
  expect(
    tasks
      .filter((t) => t.status === 'open')
      .map((t) => String(t.customerId))
      .sort(),
  ).toEqual([z, x, w].sort());
});

test('after the upgrade, the first sweep turns customers an old sweep flagged long ago into lost and closes their old tasks', async () => {
  const rep = await app.staff('sales', '孙销售');
  const id = await buyer('13730000001', '旧预警', rep.id, [[8_800, 300]]);
  // As the old sweep left them: at risk, a clock without an end, and an open task with the invented cadence.
  await mongoose.connection
    .db!.collection('customers')
    .updateOne(
      { _id: new mongoose.Types.ObjectId(id) },
      { $set: { 'rfm.churn.state': 'at_risk' }, $unset: { 'rfm.churn.lostAt': '', 'rfm.churn.cadenceKnown': '' } },
    );
  await s().followUps.create(tenant(), {
    customerId: id,
    assigneeId: rep.id,
    title: '流失预警：旧预警 已 300 天未下单（平时约 45 天一单），请跟进',
    source: 'churn_warning',
    dedupeKey: `churn:${id}:old`,
  });
  await s().rfm.sweepChurn(tenant());
  expect(await churnOf(id)).toMatchObject({ state: 'lost', lostBecause: 'dormant' });
  expect(await tasksOf(rep)).toEqual([expect.objectContaining({ status: 'done', closedReason: 'customer_lost' })]);
});
