import type { TestApp } from '../support/harness.js';
import { PointsEntryModel } from '../../server/src/modules/loyalty/points.model.js';
import { paid, postEvents, refunded, settableClock, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * Loyalty earns for a whole ingest batch at once (order-earn-batch.ts, points-ledger-batch.ts): the
 * same points, caps and tiers as order by order, exact under concurrent batches, and finished once
 * after a crash at any step.
 */
const clock = settableClock('2026-11-20T04:00:00Z');

/** The process dies at the batch ledger's step 3 (marking entries applied: a driver bulkWrite); returns the undo. */
function killAtMark(): () => void {
  const collection = PointsEntryModel.collection as any;
  collection.bulkWrite = async () => {
    throw new Error('process killed');
  };
  return () => void delete collection.bulkWrite;
}
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
const earnedByOrder = async (customerId: string) =>
  Object.fromEntries((await s().loyalty.ledger.list(tenantId, customerId, { limit: 100, type: 'earn' })).items.map((e) => [e.orderId, e.points]));
const ledgerIsExact = async () => expect(await s().loyalty.ledger.reconcile(tenantId)).toMatchObject({ pending: 0, drift: [], driftTotal: 0 });

async function withDailyCap<T>(cap: number, fn: () => Promise<T>): Promise<T> {
  const settings = await s().loyalty.settings.get(tenantId);
  await s().loyalty.settings.update(tenantId, { earn: { ...settings.earn, dailyCap: cap } });
  try {
    return await fn();
  } finally {
    await s().loyalty.settings.update(tenantId, { earn: settings.earn });
  }
}

test('several orders of one customer and one day in one batch earn exactly the daily cap, in the order sent', async () => {
  await withDailyCap(250, async () => {
    const a = await shopper(app, '13700000001');
    const b = await shopper(app, '13700000002');
    const batch = [
      ...Array.from({ length: 5 }, (_, i) => paid(`cap-b-a${i}`, a.phone, `cap-b-a-order-${i}`, 10_000, `2026-11-20T0${i}:00:00Z`)),
      paid('cap-b-b0', b.phone, 'cap-b-b-order-0', 20_000, '2026-11-20T02:00:00Z'),
      // Another local day (UTC+8): its own cap.
      paid('cap-b-a5', a.phone, 'cap-b-a-order-5', 10_000, '2026-11-20T17:00:00Z'),
    ];
    expect((await postEvents(app, apiKey, batch)).accepted).toBe(7);
    expect(await earnedByOrder(a.id)).toEqual({
      'cap-b-a-order-0': 100,
      'cap-b-a-order-1': 100,
      'cap-b-a-order-2': 50,
      'cap-b-a-order-3': 0,
      'cap-b-a-order-4': 0,
      'cap-b-a-order-5': 100,
    });
    expect(await balance(a.id)).toBe(350);
    expect(await balance(b.id)).toBe(200);
    const capped = (await s().loyalty.ledger.getByKey(tenantId, 'earn:order:cap-b-a-order-2'))!;
    expect(capped).toMatchObject({ reason: 'order cap-b-a-order-2 paid (daily cap reached: 50 not earned)', balanceAfter: 250 });
    // The same orders again under new event ids (a shop resending): nothing moves.
    await postEvents(
      app,
      apiKey,
      batch.map((e) => ({ ...e, eventId: `${e.eventId}-again` })),
    );
    expect(await balance(a.id)).toBe(350);
    await ledgerIsExact();
  });
});

test('a batch earns the same points and tiers as the same orders sent one by one, refunds in between included', async () => {
  const orders = (phone: string, p: string) => [
    paid(`${p}-1`, phone, `${p}-o1`, 120_000, '2026-11-19T01:00:00Z'), // → silver
    paid(`${p}-2`, phone, `${p}-o2`, 10_000, '2026-11-19T02:00:00Z'), // earns at silver
    refunded(`${p}-3`, phone, `${p}-o2`, 5_000, '2026-11-19T03:00:00Z'),
    paid(`${p}-4`, phone, `${p}-o4`, 400_000, '2026-11-19T04:00:00Z'), // → gold
    paid(`${p}-5`, phone, `${p}-o5`, 10_000, '2026-11-19T05:00:00Z'), // earns at gold
  ];
  const one = await shopper(app, '13700000011');
  const all = await shopper(app, '13700000012');
  for (const e of orders(one.phone, 'single')) await postEvents(app, apiKey, [e]);
  await postEvents(app, apiKey, orders(all.phone, 'batch'));

  const single = await earnedByOrder(one.id);
  expect(single).toEqual({ 'single-o1': 1200, 'single-o2': 120, 'single-o4': 4800, 'single-o5': 150 });
  expect(await earnedByOrder(all.id)).toEqual({ 'batch-o1': 1200, 'batch-o2': 120, 'batch-o4': 4800, 'batch-o5': 150 });
  expect(await balance(all.id)).toBe(await balance(one.id));
  const tiers = async (id: string) => (await s().loyalty.members.find(tenantId, id))!.tierHistory.map((h: any) => [h.from ?? null, h.to, h.growth]);
  expect(await tiers(all.id)).toEqual(await tiers(one.id));
  expect(await tiers(all.id)).toEqual([
    [null, 'normal', 0],
    ['normal', 'silver', 120_000],
    ['silver', 'gold', 525_000],
  ]);
  await ledgerIsExact();
});

test('a batch re-sent after a crash between the balance update and the mark ends with its points once and zero drift', async () => {
  const buyer = await shopper(app, '13700000021');
  const other = await shopper(app, '13700000022');
  const batch = [
    paid('crash-m-1', buyer.phone, 'crash-m-o1', 10_000, '2026-11-20T01:00:00Z'),
    paid('crash-m-2', buyer.phone, 'crash-m-o2', 5_000, '2026-11-20T02:00:00Z'),
    paid('crash-m-3', other.phone, 'crash-m-o3', 7_000, '2026-11-20T02:00:00Z'),
  ];
  const revive = killAtMark();
  try {
    await s().events.ingest(tenantId, batch, 'shop');
    await expect(s().events.settle()).rejects.toThrow('process killed');
  } finally {
    revive();
  }
  // The balances moved and list the entries; the entries are still pending.
  expect(await balance(buyer.id)).toBe(150);
  expect((await s().loyalty.ledger.reconcile(tenantId)).pending).toBe(3);

  // The shop re-sends the orders under new event ids. The applier takes the cut-short batch first (its
  // rows were never marked applied), then the resend: the pending entries are found and finished, not re-applied.
  await s().events.ingest(
    tenantId,
    batch.map((e) => ({ ...e, eventId: `${e.eventId}-resent` })),
    'shop',
  );
  expect(await s().events.settle()).toBe(6);
  expect(await balance(buyer.id)).toBe(150);
  expect(await balance(other.id)).toBe(70);
  await ledgerIsExact();

  // Nothing is left for the repair job.
  expect(await s().events.repairUnapplied()).toBe(0);
  expect(await balance(buyer.id)).toBe(150);
  expect(await s().loyalty.ledger.getByKey(tenantId, 'earn:order:crash-m-o2')).toMatchObject({ state: 'applied', points: 50 });
  await ledgerIsExact();
});

test('entries a crash left pending after the balance update are finished by the ledger repair job alone', async () => {
  const buyer = await shopper(app, '13700000031');
  const revive = killAtMark();
  try {
    await s().events.ingest(tenantId, [paid('crash-r-1', buyer.phone, 'crash-r-o1', 30_000, '2026-11-20T01:00:00Z')], 'shop');
    await expect(s().events.settle()).rejects.toThrow('process killed');
  } finally {
    revive();
  }
  clock.set('2026-11-20T04:05:00Z');
  try {
    expect(await s().loyalty.ledger.repairPending()).toBe(1);
    expect(await s().loyalty.ledger.repairPending()).toBe(0);
    expect(await balance(buyer.id)).toBe(300);
    await ledgerIsExact();
    expect(await s().events.repairUnapplied()).toBe(1);
  } finally {
    clock.set('2026-11-20T04:00:00Z');
  }
  expect(await balance(buyer.id)).toBe(300);
  await ledgerIsExact();
});

test('two batches with overlapping customers posted at once: caps exact, each order once, zero drift', async () => {
  await withDailyCap(250, async () => {
    const buyers = await Promise.all(['13700000041', '13700000042', '13700000043'].map((p) => shopper(app, p)));
    const batch = (tag: string) =>
      buyers.flatMap((b, i) => [
        paid(`race-${tag}-${i}-1`, b.phone, `race-${tag}-${i}-o1`, 10_000, '2026-11-20T01:00:00Z'),
        paid(`race-${tag}-${i}-2`, b.phone, `race-${tag}-${i}-o2`, 10_000, '2026-11-20T02:00:00Z'),
        // The same order in both batches (two event ids): earned once.
        paid(`race-${tag}-${i}-3`, b.phone, `race-shared-${i}`, 3_000, '2026-11-20T03:00:00Z'),
      ]);
    await Promise.all([postEvents(app, apiKey, batch('x')), postEvents(app, apiKey, batch('y')), s().events.ingest(tenantId, batch('z'), 'shop')]);
    await s().events.settle();
    for (const b of buyers) {
      expect(await balance(b.id)).toBe(250);
      const earned = await earnedByOrder(b.id);
      expect(Object.values(earned).reduce((x: number, y) => x + (y as number), 0)).toBe(250);
      expect(Object.keys(earned)).toHaveLength(7);
    }
    await ledgerIsExact();
  });
});
