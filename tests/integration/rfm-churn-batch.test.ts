import { startTestApp, type TestApp } from '../support/harness.js';
import { churnDueAt } from '../../server/src/modules/segments/rfm.scoring.js';

/**
 * RFM rescoring of an ingest batch reads all its buyers' recent orders at once; each buyer's churn
 * clock must come out as if they had been scored alone from their own 50 newest orders.
 */
const DAY = 86_400_000;
const now = Date.now();
const daysAgo = (d: number) => new Date(now - d * DAY).toISOString();

let app: TestApp;
const tenant = () => app.config.DEFAULT_TENANT;
const s = () => app.rt.services;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

let n = 0;
const order = (phone: string, ago: number) => ({
  eventId: `batch-ev-${++n}`,
  type: 'order.paid',
  occurredAt: daysAgo(ago),
  customer: { phone },
  data: { orderId: `batch-o-${n}`, amount: 3_000 },
});
const viewed = (phone: string, ago: number) => ({
  eventId: `batch-ev-${++n}`,
  type: 'product.viewed',
  occurredAt: daysAgo(ago),
  customer: { phone },
  data: { productId: 'sku-1' },
});

/** Orders `gap` days apart, the newest `from` days ago. */
const every = (phone: string, count: number, gap: number, from: number) => Array.from({ length: count }, (_, i) => order(phone, from + i * gap));

const LOYAL = '13944440001';
const buyers = {
  // 50 orders ten days apart, and before them 100 a day apart: all 150 would make the cadence one day.
  [LOYAL]: [...every(LOYAL, 50, 10, 1), ...every(LOYAL, 100, 1, 500), ...Array.from({ length: 30 }, (_, i) => viewed(LOYAL, i / 10))],
  '13944440002': every('13944440002', 50, 4, 2),
  '13944440003': every('13944440003', 3, 7, 3),
  '13944440004': every('13944440004', 1, 1, 5),
  // Enough others that the batch's shared read covers many buyers at once.
  ...Object.fromEntries(
    Array.from({ length: 60 }, (_, i) => [
      `1395555${String(i).padStart(4, '0')}`,
      every(`1395555${String(i).padStart(4, '0')}`, 1 + (i % 4), 3 + (i % 5), i % 7),
    ]),
  ),
};
const ids: Record<string, string> = {};

/** What scoring one customer on their own computed before batches: their 50 newest orders. */
async function churnAlone(customerId: string) {
  const p = (await s().customers.get(tenant(), customerId)) as any;
  const orders = await s().events.listForCustomer(tenant(), customerId, { type: 'order.paid' }, 50);
  const c = app.config;
  const o = {
    multiplier: c.RFM_CHURN_MULTIPLIER,
    minDays: c.RFM_CHURN_MIN_DAYS,
    defaultGapDays: c.RFM_CHURN_DEFAULT_GAP_DAYS,
    lostMultiplier: c.RFM_CHURN_LOST_MULTIPLIER,
  };
  return churnDueAt(
    p.aggregates.lastOrderAt,
    orders.map((e: any) => e.occurredAt),
    o,
  );
}
const churnStored = async (customerId: string) => {
  const churn = ((await s().customers.get(tenant(), customerId)) as any).rfm.churn;
  return { dueAt: new Date(churn.dueAt), lostAt: new Date(churn.lostAt), gapDays: churn.gapDays, cadenceKnown: churn.cadenceKnown };
};

test('a batch with 64 buyers, one with 150 orders, gives each the churn due date of scoring them one by one', async () => {
  // Interleaved, as a shop's export would send them.
  const lists = Object.values(buyers);
  const events = Array.from({ length: Math.max(...lists.map((l) => l.length)) }, (_, i) => lists.map((l) => l[i]).filter(Boolean)).flat();
  const res = await s().events.ingest(tenant(), events, 'shop');
  await s().events.settle();
  expect(res.accepted).toBe(events.length);
  for (const [i, r] of res.results.entries()) if (r.status === 'accepted') ids[(events[i] as any).customer.phone] = r.customerId;

  const fromBatch = Object.fromEntries(await Promise.all(Object.keys(buyers).map(async (phone) => [phone, await churnStored(ids[phone])] as const)));
  expect([LOYAL, '13944440002', '13944440003', '13944440004'].map((phone) => fromBatch[phone].gapDays)).toEqual([10, 4, 7, 45]);
  for (const phone of Object.keys(buyers)) {
    expect({ phone, ...fromBatch[phone] }).toEqual({ phone, ...(await churnAlone(ids[phone])) });
    await s().rfm.scoreOne(tenant(), ids[phone]);
    expect(await churnStored(ids[phone])).toEqual(fromBatch[phone]);
  }
});

test('profiles that undercount their orders still get their 50 newest: whoever the shared read may have cut off is read alone', async () => {
  // 204 orders among four customers: the read's limit (4 × 50) is reached.
  const wanted = [LOYAL, '13944440002', '13944440003', '13944440004'].map((phone) => ({ customerId: ids[phone], orderCount: 1 }));
  const dates = await s().events.recentOrderDates(tenant(), wanted, 50);
  for (const { customerId } of wanted) {
    const alone = await s().events.listForCustomer(tenant(), customerId, { type: 'order.paid' }, 50);
    expect(dates.get(customerId)!.map(Number)).toEqual(alone.map((e: any) => +e.occurredAt));
  }
  expect(dates.get(ids[LOYAL])).toHaveLength(50);
});
