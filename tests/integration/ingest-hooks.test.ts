import type { TestApp } from '../support/harness.js';
import { paid, postEvents, settableClock, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * What the ingest hooks leave behind when orders arrive at once or a batch is cut short: loyalty earns,
 * RFM scoring and journey enrolment once per batch, and the repair job finishes the rest.
 */
const clock = settableClock('2026-11-20T04:00:00Z');
let app: TestApp;
let apiKey: string;
let tenantId: string;
beforeAll(async () => {
  app = await startLoyaltyTestApp({ env: { DEMO_MODE: 'true' }, now: clock.now });
  tenantId = app.config.DEFAULT_TENANT;
  apiKey = (await app.rt.services.staff.createApiKey(tenantId, 'shop')).key;
});
afterAll(() => app.stop());

const s = () => app.rt.services;
const balance = async (customerId: string) => (await s().loyalty.members.find(tenantId, customerId))?.balance;

test('six orders of one day sent at once in separate requests earn exactly the daily cap, and a resend changes nothing', async () => {
  const settings = await s().loyalty.settings.get(tenantId);
  await s().loyalty.settings.update(tenantId, { earn: { ...settings.earn, dailyCap: 250 } });
  try {
    const buyer = await shopper(app, '13600000001');
    const orders = Array.from({ length: 6 }, (_, i) => paid(`cap-race-${i}`, buyer.phone, `cap-race-order-${i}`, 10_000, '2026-11-20T02:00:00Z'));
    await Promise.all(orders.map((o) => postEvents(app, apiKey, [o])));
    expect(await balance(buyer.id)).toBe(250);
    await Promise.all(orders.map((o) => postEvents(app, apiKey, [o])));
    expect(await balance(buyer.id)).toBe(250);
    const earned = (await s().loyalty.ledger.list(tenantId, buyer.id, { limit: 50, type: 'earn' })).items;
    expect(earned.map((e) => e.points).sort((a, b) => b - a)).toEqual([100, 100, 50, 0, 0, 0]);
  } finally {
    await s().loyalty.settings.update(tenantId, { earn: settings.earn });
  }
});

test('a batch cut short after the points were earned is finished by the repair job: points once, RFM scored, journey entered once', async () => {
  const journey = await s().journeys.create(tenantId, {
    name: 'thank-you',
    trigger: { type: 'order.paid' },
    steps: [{ type: 'wait', hours: 1 }],
    enabled: true,
  });
  const buyer = await shopper(app, '13600000002');
  const batch = [
    paid('cut-1', buyer.phone, 'cut-order-1', 10_000, '2026-11-19T02:00:00Z'),
    paid('cut-2', buyer.phone, 'cut-order-2', 5_000, '2026-11-19T03:00:00Z'),
  ];
  // The process "dies" after loyalty's batch handler (registered first) and before RFM's and journeys'.
  const crash = s().hooks.on('event.batch_accepted', () => {
    throw new Error('process killed');
  });
  const order = (s().hooks as any).handlers['event.batch_accepted'] as unknown[];
  order.splice(1, 0, order.pop());
  try {
    await s().events.ingest(tenantId, batch, 'shop');
    await expect(s().events.settle()).rejects.toThrow('process killed');
  } finally {
    crash();
  }
  expect(await balance(buyer.id)).toBe(150);
  expect((await s().customers.get(tenantId, buyer.id)).rfm?.class).toBeUndefined();
  expect(await s().journeys.runsForCustomer(tenantId, buyer.id)).toHaveLength(0);

  clock.set('2026-11-20T04:05:00Z');
  expect(await s().events.repairUnapplied()).toBe(2);
  expect(await s().events.repairUnapplied()).toBe(0);
  expect(await balance(buyer.id)).toBe(150);
  const profile = await s().customers.get(tenantId, buyer.id);
  expect(profile.aggregates).toMatchObject({ orderCount: 2, totalPaid: 15_000 });
  expect(profile.rfm).toMatchObject({ f: expect.any(Number), class: expect.any(String) });
  const runs = await s().journeys.runsForCustomer(tenantId, buyer.id);
  expect(
    runs
      .filter((r) => String(r.journeyId) === String(journey._id))
      .map((r) => r.occurrence)
      .sort(),
  ).toEqual(['order:cut-order-1', 'order:cut-order-2']);
  clock.set('2026-11-20T04:00:00Z');
});

test('a large batch cut short before any hook ran is finished in one batch pass: every order earns once, in the order received', async () => {
  const buyers = await Promise.all(Array.from({ length: 12 }, (_, i) => shopper(app, `136100000${String(i).padStart(2, '0')}`)));
  const batch = buyers.flatMap((b, i) =>
    [1, 2, 3].map((k) => paid(`big-cut-${i}-${k}`, b.phone, `big-cut-order-${i}-${k}`, 1_000 * k, `2026-11-18T0${k}:00:00Z`)),
  );
  const crash = s().hooks.on('event.batch_accepted', () => {
    throw new Error('process killed');
  });
  const order = (s().hooks as any).handlers['event.batch_accepted'] as unknown[];
  order.unshift(order.pop()); // dies before any other handler
  try {
    await s().events.ingest(tenantId, batch, 'shop');
    await expect(s().events.settle()).rejects.toThrow('process killed');
  } finally {
    crash();
  }
  for (const b of buyers) expect(await balance(b.id)).toBeFalsy();

  let passes = 0;
  const count = s().hooks.on('event.batch_accepted', () => {
    passes++;
  });
  try {
    clock.set('2026-11-20T04:05:00Z');
    expect(await s().events.repairUnapplied()).toBe(36);
    expect(await s().events.repairUnapplied()).toBe(0);
  } finally {
    count();
    clock.set('2026-11-20T04:00:00Z');
  }
  expect(passes).toBe(1);
  for (const b of buyers) {
    expect(await balance(b.id)).toBe(60); // 10 + 20 + 30 at 1 point per yuan
    const earned = (await s().loyalty.ledger.list(tenantId, b.id, { limit: 10, type: 'earn' })).items;
    expect(earned.map((e) => e.points)).toEqual([30, 20, 10]);
    expect((await s().customers.get(tenantId, b.id)).aggregates).toMatchObject({ orderCount: 3, totalPaid: 6_000 });
  }
});
