import { EventModel } from '../../server/src/modules/events/event.model.js';
import { EventService } from '../../server/src/modules/events/event.service.js';
import type { HookPayloads } from '../../server/src/shared/hooks.js';
import { until, type TestApp } from '../support/harness.js';
import { paid, refunded, settableClock, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * `POST /api/v1/events` stores and answers; the worker's applier moves points, aggregates, RFM and
 * journeys from the unapplied rows, in order per customer, once, whatever the number of appliers and
 * crashes (event-applier.ts).
 */
const clock = settableClock('2026-11-20T04:00:00Z');
let app: TestApp;
let apiKey: string;
let tenantId: string;
beforeAll(async () => {
  app = await startLoyaltyTestApp({ now: clock.now });
  tenantId = app.config.DEFAULT_TENANT;
  apiKey = (await app.rt.services.staff.createApiKey(tenantId, 'shop')).key;
});
afterAll(() => app.stop());

const s = () => app.rt.services;
const balance = async (customerId: string) => (await s().loyalty.members.find(tenantId, customerId))?.balance ?? 0;
const post = (events: unknown[]) => app.request('POST', '/api/v1/events', { headers: { 'x-api-key': apiKey }, body: { events } });
const unapplied = () => EventModel.countDocuments({ tenantId, applied: false });
/** Every event id the batch hook sees, in the order it sees them. */
function watchHook(): { seen: string[]; stop: () => void } {
  const seen: string[] = [];
  const stop = s().hooks.on('event.batch_accepted', (p: HookPayloads['event.batch_accepted']) => void seen.push(...p.events.map((e) => e.event.eventId)));
  return { seen, stop };
}

test('the shop gets its answer while points are still being applied, and the points follow', async () => {
  const buyer = await shopper(app, '13620000001');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached = false;
  const block = s().hooks.on('event.batch_accepted', async () => {
    reached = true;
    await gate;
  });
  try {
    const res = await post([paid('off-1', buyer.phone, 'off-order-1', 12_300, '2026-11-20T03:00:00Z')]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicate: 0, rejected: 0, results: [{ status: 'accepted', customerId: buyer.id }] });
    // Stored, not yet applied: no points, no aggregates, and no hook has run.
    expect(reached).toBe(false);
    expect(await EventModel.findOne({ tenantId, eventId: 'off-1' }).lean()).toMatchObject({ applied: false });
    expect(await balance(buyer.id)).toBe(0);
    // The shop's separate read says so.
    const early = await app.request('GET', '/api/v1/events/off-1', { headers: { 'x-api-key': apiKey } });
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ eventId: 'off-1', customerId: buyer.id, applied: false });
    expect(early.body.pointsEarned).toBeUndefined();

    const settling = app.settle();
    expect(await until(async () => reached, 10_000, 20)).toBe(true);
    expect(await unapplied()).toBe(1);
    release();
    await settling;
  } finally {
    release();
    block();
  }
  expect(await balance(buyer.id)).toBe(123);
  expect((await s().customers.get(tenantId, buyer.id)).aggregates).toMatchObject({ orderCount: 1, totalPaid: 12_300 });
  // The separate read a shop uses for the points, once applied.
  const read = await app.request('GET', '/api/v1/events/off-1', { headers: { 'x-api-key': apiKey } });
  expect(read.body).toMatchObject({ eventId: 'off-1', type: 'order.paid', applied: true, pointsEarned: 123, balance: 123 });
  expect((await app.request('GET', '/api/v1/events/never-sent', { headers: { 'x-api-key': apiKey } })).status).toBe(404);
});

test('a customer’s events are applied in the order received, across batches', async () => {
  const buyer = await shopper(app, '13620000002');
  const watch = watchHook();
  try {
    await post([paid('ord-1', buyer.phone, 'ord-o1', 5_000, '2026-11-20T01:00:00Z')]);
    clock.set('2026-11-20T04:00:01Z');
    // The refund arrives before a later order: a shop's real order of events, kept.
    await post([refunded('ord-2', buyer.phone, 'ord-o1', 5_000, '2026-11-20T01:30:00Z')]);
    clock.set('2026-11-20T04:00:02Z');
    await post([paid('ord-3', buyer.phone, 'ord-o3', 7_000, '2026-11-20T02:00:00Z'), paid('ord-4', buyer.phone, 'ord-o4', 1_000, '2026-11-20T02:30:00Z')]);
    await app.settle();
  } finally {
    watch.stop();
    clock.set('2026-11-20T04:00:00Z');
  }
  expect(watch.seen).toEqual(['ord-1', 'ord-2', 'ord-3', 'ord-4']);
  expect(await balance(buyer.id)).toBe(80); // 50 earned, 50 reversed by the refund, then 70 + 10
  expect((await s().customers.get(tenantId, buyer.id)).aggregates).toMatchObject({ orderCount: 3, totalPaid: 13_000, refundCount: 1, refundedAmount: 5_000 });
});

test('two appliers racing over the same rows apply each event once: points are not doubled', async () => {
  const buyers = await Promise.all(['13620000011', '13620000012', '13620000013'].map((p) => shopper(app, p)));
  for (let k = 0; k < 4; k++) await post(buyers.map((b, i) => paid(`race-${i}-${k}`, b.phone, `race-o-${i}-${k}`, 1_000 * (k + 1), `2026-11-19T0${k}:00:00Z`)));
  expect(await unapplied()).toBe(12);
  // A second worker process: its own service and applier over the same database and Redis.
  const other = new EventService(s().deps, s().hooks, s().customers);
  const watch = watchHook();
  try {
    const [a, b] = await Promise.all([s().events.applier.drainTenant(tenantId), other.applier.drainTenant(tenantId)]);
    expect(a + b).toBe(12);
  } finally {
    watch.stop();
  }
  expect(watch.seen.slice().sort()).toEqual(buyers.flatMap((_, i) => [0, 1, 2, 3].map((k) => `race-${i}-${k}`)).sort());
  expect(await unapplied()).toBe(0);
  for (const b of buyers) {
    expect(await balance(b.id)).toBe(100); // 10 + 20 + 30 + 40
    expect((await s().customers.get(tenantId, b.id)).aggregates).toMatchObject({ orderCount: 4, totalPaid: 10_000 });
  }
});

test('a worker that died holding a batch: once its lease lapses the batch is finished exactly, aggregates not counted twice', async () => {
  const buyer = await shopper(app, '13620000021');
  await post([paid('dead-1', buyer.phone, 'dead-o1', 20_000, '2026-11-20T01:00:00Z')]);
  // The dead worker had moved the aggregates (the fast path's first step) and held the tenant.
  await s().customers.applyAggregates(tenantId, [{ customerId: buyer.id, update: { $inc: { 'aggregates.orderCount': 1, 'aggregates.totalPaid': 20_000 } } }]);
  const applier = s().events.applier;
  await s().deps.redis.set(applier.leaseKey(tenantId), 'dead-worker', 'PX', 1_500);
  await s().deps.redis.set(applier.dirtyKey(tenantId), 'dead-worker');
  // A live applier stands back while the lease holds.
  expect(await applier.drainTenant(tenantId)).toBe(0);
  expect(await unapplied()).toBe(1);

  await app.settle();
  expect(await unapplied()).toBe(0);
  expect(await balance(buyer.id)).toBe(200);
  expect((await s().customers.get(tenantId, buyer.id)).aggregates).toMatchObject({ orderCount: 1, totalPaid: 20_000 });
  expect(await s().deps.redis.exists(applier.dirtyKey(tenantId))).toBe(0);
});

test('a resent batch stays a duplicate after it was applied: no rows to apply, points and totals unchanged', async () => {
  const buyer = await shopper(app, '13620000031');
  const batch = [
    paid('again-1', buyer.phone, 'again-o1', 9_900, '2026-11-20T01:00:00Z'),
    paid('again-2', buyer.phone, 'again-o2', 100, '2026-11-20T02:00:00Z'),
  ];
  expect((await post(batch)).body.accepted).toBe(2);
  await app.settle();
  const resent = await post(batch);
  expect(resent.body).toMatchObject({ accepted: 0, duplicate: 2 });
  expect(await unapplied()).toBe(0);
  expect(await s().events.settle()).toBe(0);
  expect(await balance(buyer.id)).toBe(100);
  expect((await s().customers.get(tenantId, buyer.id)).aggregates).toMatchObject({ orderCount: 2, totalPaid: 10_000 });
});
