import { churnTitle, churnWhy, pickChurnTasks, type ChurnCandidate } from '../churn-tasks.js';
import { churnDueAt } from '../rfm.scoring.js';

const DAY = 86_400_000;
const now = new Date('2026-12-07T02:00:00Z');
const options = { multiplier: 2, minDays: 14, defaultGapDays: 45, lostMultiplier: 3 };

function candidate(id: string, over: Partial<ChurnCandidate> & { daysAgo: number; orders?: Date[] }): ChurnCandidate {
  const lastOrderAt = new Date(now.getTime() - over.daysAgo * DAY);
  const clock = churnDueAt(lastOrderAt, over.orders ?? [lastOrderAt], options);
  return { customerId: id, orderCount: 1, totalPaid: 10_000, lastOrderAt, ...clock, ...over };
}

test('the window runs from 2× to 3× the cadence, and is never shorter than the minimum', () => {
  const last = new Date(now.getTime() - 10 * DAY);
  const every10 = churnDueAt(
    last,
    [0, 10, 20].map((d) => new Date(last.getTime() - d * DAY)),
    options,
  );
  expect((every10.dueAt.getTime() - last.getTime()) / DAY).toBe(20);
  expect((every10.lostAt.getTime() - last.getTime()) / DAY).toBe(34); // 30 would leave only 10 days to act
  const once = churnDueAt(last, [last], options);
  expect(once).toMatchObject({ gapDays: 45, cadenceKnown: false });
  expect((once.lostAt.getTime() - last.getTime()) / DAY).toBe(135);
});

test('a one-order customer’s task says only what is known; a repeat buyer’s names their own cadence', () => {
  const once = candidate('a', { daysAgo: 100, name: '买过一次', totalPaid: 12_800 });
  expect(churnTitle(once.name, churnWhy(once, now))).toBe('流失预警：买过一次 只下过 1 单，距今 100 天（¥128.00），35 天内联系挽回机会最大，请跟进');
  const last = new Date(now.getTime() - 25 * DAY);
  const regular = candidate('b', {
    daysAgo: 25,
    orders: [0, 10, 20].map((d) => new Date(last.getTime() - d * DAY)),
    orderCount: 3,
    totalPaid: 15_000,
    name: '常客',
  });
  expect(churnTitle(regular.name, churnWhy(regular, now))).toMatch(/^流失预警：常客 平时约 10 天一单，已 25 天未下单（共 3 单，累计 ¥150\.00）/);
  // Two orders on one day: there is no cadence to speak of.
  const sameDay = candidate('c', {
    daysAgo: 100,
    orders: [new Date(now.getTime() - 100 * DAY), new Date(now.getTime() - 100 * DAY)],
    orderCount: 2,
    name: '同日两单',
  });
  expect(churnTitle(sameDay.name, churnWhy(sameDay, now))).toMatch(/^流失预警：同日两单 共 2 单，已 100 天未下单/);
});

test('each assignee gets at most their room, best value × recoverability first; nobody’s customers form their own list', () => {
  const list = [
    candidate('big-late', { daysAgo: 134, totalPaid: 100_000, ownerStaffId: 'rep' }),
    candidate('mid-early', { daysAgo: 100, totalPaid: 30_000, ownerStaffId: 'rep' }),
    candidate('small-fresh', { daysAgo: 91, totalPaid: 10_000, ownerStaffId: 'rep' }),
    candidate('tiny', { daysAgo: 92, totalPaid: 500, ownerStaffId: 'rep' }),
    candidate('orphan', { daysAgo: 95, totalPaid: 1_000 }),
  ];
  const picked = pickChurnTasks(list, now, (assignee) => (assignee === 'rep' ? 2 : 5));
  expect(picked.map((c) => c.customerId)).toEqual(['mid-early', 'small-fresh', 'orphan']);
  expect(pickChurnTasks(list, now, () => 0)).toEqual([]);
});
