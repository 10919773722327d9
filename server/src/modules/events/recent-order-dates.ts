import { Types } from 'mongoose';
import { CountedOrderModel } from './counted-order.model.js';

/** Customers read on their own at the same time. */
const LANES = 8;

export interface OrderDatesWanted {
  customerId: string;
  /** The profile's `aggregates.orderCount`, if known: who might have more orders than are wanted. */
  orderCount?: number;
}

const onlyDates = { _id: 0, customerId: 1, at: 1 } as const;

/**
 * The newest `perCustomer` paid-order dates of each customer, newest first, each order once however
 * often the shop sent it (its counted row, counted-orders.ts): for a whole ingest batch (RFM's churn
 * cadence) in one read instead of one per customer.
 *
 * A find cannot stop at `perCustomer` rows per customer, so a loyal customer with thousands of orders
 * would pull all of them into the shared read. Two bounds keep it at what the one-by-one reads could
 * return at most:
 * - a customer whose profile counts more than `perCustomer` orders (the aggregate ingest keeps) gets
 *   a read of their own, limited as before: they are the few, and their read stops at the newest;
 * - the shared read is limited to `perCustomer` rows per customer in it. If a stale count lets it reach
 *   that limit, anyone who got fewer than `perCustomer` rows may have been cut off and is read alone.
 * A time window would not do: churnDueAt wants the newest orders however far back they go, so no
 * window is right for a customer who orders rarely and for one who orders daily at once.
 *
 * The shared read walks the { tenantId, customerId, kind, at: -1 } index in its own order
 * (customer, then newest first): MongoDB sorts nothing, and the limit applies as it scans.
 */
export async function recentOrderDates(tenantId: string, wanted: OrderDatesWanted[], perCustomer: number): Promise<Map<string, Date[]>> {
  const dates = new Map<string, Date[]>(wanted.map((w) => [w.customerId, []]));
  const alone = new Set(wanted.filter((w) => (w.orderCount ?? 0) > perCustomer).map((w) => w.customerId));
  const shared = [...dates.keys()].filter((id) => !alone.has(id));
  if (shared.length) {
    const limit = shared.length * perCustomer;
    const rows = await CountedOrderModel.find({ tenantId, customerId: { $in: shared.map((id) => new Types.ObjectId(id)) }, kind: 'paid' })
      .sort({ customerId: 1, at: -1 })
      .limit(limit)
      .select(onlyDates)
      .lean();
    for (const row of rows) {
      const list = dates.get(String(row.customerId))!;
      if (list.length < perCustomer) list.push(row.at);
    }
    // Each customer's rows are their newest first, so whoever has `perCustomer` of them is complete.
    if (rows.length === limit) for (const id of shared) if (dates.get(id)!.length < perCustomer) alone.add(id);
  }
  await inLanes([...alone], LANES, async (customerId) => {
    const rows = await CountedOrderModel.find({ tenantId, customerId: new Types.ObjectId(customerId), kind: 'paid' })
      .sort({ at: -1 })
      .limit(perCustomer)
      .select(onlyDates)
      .lean();
    dates.set(
      customerId,
      rows.map((r) => r.at),
    );
  });
  return dates;
}

async function inLanes<T>(items: T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}
