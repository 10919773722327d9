import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../support/harness.js';
import { recentOrderDates } from '../../server/src/modules/events/recent-order-dates.js';

/**
 * An ingest batch's buyers are read with one `$in` per collection, however many they are, as MongoDB
 * serves it from an index. The product used to cut such reads into slices of 50 ids because the
 * embedded server once re-hashed the whole `$in` list for every document it tested; the embedded
 * server now hashes a list once (packages/embedded-mongo/src/compiled-filter.ts), so the product
 * sends MongoDB's natural query and the test double keeps up.
 */
const NOW = new Date('2026-11-20T04:00:00Z');
const BUYERS = 240;
let app: TestApp;
const tenant = () => app.config.DEFAULT_TENANT;
const s = () => app.rt.services;
beforeAll(async () => {
  app = await startTestApp({ now: () => NOW });
});
afterAll(async () => {
  mongoose.set('debug', false);
  await app?.stop();
});

/**
 * From here on, counts per collection the `find`s mongoose sends for any of `ids` by `customerId:
 * {$in}` (jobs running meanwhile read other things, and are not counted).
 */
function countFinds(ids: string[]) {
  const ours = new Set(ids);
  const finds = new Map<string, number>();
  mongoose.set('debug', (collection: string, method: string, filter?: { customerId?: { $in?: unknown[] } }) => {
    const list = filter?.customerId?.$in;
    if (method === 'find' && Array.isArray(list) && list.some((id) => ours.has(String(id)))) finds.set(collection, (finds.get(collection) ?? 0) + 1);
  });
  return (collection: string) => finds.get(collection) ?? 0;
}

test(`the order dates, members and growth rows of ${BUYERS} buyers are each one read, and every buyer is in it`, async () => {
  const paidAt = (i: number) => new Date(NOW.getTime() - (i + 1) * 3_600_000);
  const events = Array.from({ length: BUYERS }, (_, i) => ({
    eventId: `one-in-ev-${i}`,
    type: 'order.paid',
    occurredAt: paidAt(i).toISOString(),
    customer: { phone: `1376666${String(i).padStart(4, '0')}` },
    data: { orderId: `one-in-o-${i}`, amount: 2_000 + i },
  }));
  const res = await s().events.ingest(tenant(), events, 'shop');
  await s().events.settle();
  expect(res.accepted).toBe(BUYERS);
  const ids = res.results.map((r) => (r as { customerId: string }).customerId);

  const finds = countFinds(ids);
  const dates = await recentOrderDates(
    tenant(),
    ids.map((customerId) => ({ customerId, orderCount: 1 })),
    50,
  );
  expect(finds('counted_orders')).toBe(1);
  expect(ids.map((id) => dates.get(id)?.map((d) => d.toISOString()))).toEqual(ids.map((_, i) => [paidAt(i).toISOString()]));

  const members = await s().loyalty.members.ensureMany(tenant(), ids, 'test');
  expect(finds('loyalty_members')).toBe(1);
  expect(ids.every((id) => members.has(id))).toBe(true);

  const rows = await s().loyalty.members.growthRows(tenant(), ids, await s().loyalty.settings.get(tenant()));
  expect(finds('loyalty_growth')).toBe(1);
  // Each buyer's paid order counts toward their tier once.
  expect(new Set(rows.map((r) => r.customerId)).size).toBe(BUYERS);

  const facts = await s().loyalty.members.placeholderFacts(tenant(), ids);
  expect(finds('loyalty_members')).toBe(2);
  expect(facts.size).toBe(BUYERS);
}, 120_000);
