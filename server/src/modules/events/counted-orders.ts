import { Types } from 'mongoose';
import { duplicateIndexes } from '../../shared/db.js';
import { CountedOrderModel, type CountedKind } from './counted-order.model.js';
import type { EventData } from './event.schemas.js';

/** An ingested event as far as counting orders goes. */
export interface MoneyEvent {
  customerId: Types.ObjectId;
  eventId: string;
  type: string;
  occurredAt: Date;
  receivedAt: Date;
  data: Record<string, unknown>;
}

/** How a customer's order figures move: what `aggregates` gets, per customer. */
export interface OrderDelta {
  orders: number;
  paid: number;
  refunds: number;
  refunded: number;
  firstOrderAt?: Date;
  lastOrderAt?: Date;
}

/** Duplicates read back at once, and conditional updates side by side. */
const LANES = 8;

/**
 * The counting key of an order or refund event, or null for other events. A refund is one per
 * (orderId, refundId); a shop that sends no refundId gets one refund per event id.
 */
export function countingKey(e: Pick<MoneyEvent, 'type' | 'eventId' | 'data'>): { key: string; kind: CountedKind; orderId: string; refundId?: string } | null {
  if (e.type === 'order.paid') {
    const { orderId } = e.data as EventData<'order.paid'>;
    return { key: `paid:${orderId}`, kind: 'paid', orderId };
  }
  if (e.type !== 'order.refunded') return null;
  const data = e.data as EventData<'order.refunded'>;
  const refundId = String(data.refundId ?? `event:${e.eventId}`);
  return { key: `refund:${data.orderId}:${refundId}`, kind: 'refund', orderId: data.orderId, refundId };
}

const emptyDelta = (): OrderDelta => ({ orders: 0, paid: 0, refunds: 0, refunded: 0 });

/**
 * Counts a batch's orders and refunds once each and says how every customer's figures move.
 *
 * One unordered insert of a row per key: a row that lands is a new order (or refund) and counts in
 * full; one the unique index refuses was counted before (in an earlier batch, or a concurrent one).
 * Those few are read back in one query, and only where the amount differs is the row moved to the new
 * amount, by a conditional `findOneAndUpdate` that returns the amount it replaced: the difference goes
 * to the profile that holds the order. Nothing is checked before it is written, so concurrent batches
 * and retries count each key once. Within a batch, the last event of a key gives its amount.
 */
export async function countOrders(tenantId: string, events: MoneyEvent[]): Promise<Map<string, OrderDelta>> {
  const wanted = new Map<string, { kind: CountedKind; orderId: string; refundId?: string; first: MoneyEvent; last: MoneyEvent }>();
  for (const e of events) {
    const k = countingKey(e);
    if (!k) continue;
    const seen = wanted.get(k.key);
    if (seen) seen.last = e;
    else wanted.set(k.key, { ...k, first: e, last: e });
  }
  const deltas = new Map<string, OrderDelta>();
  if (!wanted.size) return deltas;
  const deltaOf = (customerId: unknown) => {
    const id = String(customerId);
    let d = deltas.get(id);
    if (!d) deltas.set(id, (d = emptyDelta()));
    return d;
  };
  const move = (customerId: unknown, kind: CountedKind, amount: number, count: number) => {
    const d = deltaOf(customerId);
    if (kind === 'paid') {
      d.orders += count;
      d.paid += amount;
    } else {
      d.refunds += count;
      d.refunded += amount;
    }
  };

  const keys = [...wanted.keys()];
  const docs = keys.map((key) => {
    const w = wanted.get(key)!;
    return {
      _id: new Types.ObjectId(),
      tenantId,
      key,
      kind: w.kind,
      orderId: w.orderId,
      ...(w.refundId ? { refundId: w.refundId } : {}),
      customerId: w.first.customerId,
      amount: w.last.data.amount as number,
      at: w.first.occurredAt,
      receivedAt: w.last.receivedAt,
      eventId: w.last.eventId,
    };
  });
  let known = new Set<number>();
  try {
    await CountedOrderModel.collection.insertMany(docs, { ordered: false });
  } catch (err) {
    known = duplicateIndexes(err);
  }
  docs.forEach((doc, i) => {
    if (known.has(i)) return;
    move(doc.customerId, doc.kind, doc.amount, 1);
    if (doc.kind === 'paid') {
      const d = deltaOf(doc.customerId);
      if (!d.firstOrderAt || doc.at < d.firstOrderAt) d.firstOrderAt = doc.at;
      if (!d.lastOrderAt || doc.at > d.lastOrderAt) d.lastOrderAt = doc.at;
    }
  });
  if (!known.size) return deltas;

  const resent = [...known].map((i) => docs[i]);
  const stored = new Map(
    (await CountedOrderModel.find({ tenantId, key: { $in: resent.map((d) => d.key) } }, { key: 1, amount: 1 }).lean()).map((r) => [r.key, r.amount]),
  );
  const changed = resent.filter((d) => stored.get(d.key) !== d.amount);
  let next = 0;
  const lane = async () => {
    for (let doc = changed[next++]; doc; doc = changed[next++]) {
      const before = await CountedOrderModel.findOneAndUpdate(
        { tenantId, key: doc.key, amount: { $ne: doc.amount }, receivedAt: { $lte: doc.receivedAt } },
        { $set: { amount: doc.amount, receivedAt: doc.receivedAt, eventId: doc.eventId } },
        { returnDocument: 'before', projection: { amount: 1, customerId: 1 } },
      ).lean();
      if (before) move(before.customerId, doc.kind, doc.amount - before.amount, 0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LANES, changed.length) }, lane));
  return deltas;
}

/** A customer's order figures from their counted rows (repair and recomputation). */
export async function countedFigures(tenantId: string, customerId: string): Promise<OrderDelta> {
  const rows = await CountedOrderModel.find({ tenantId, customerId: new Types.ObjectId(customerId) }, { kind: 1, amount: 1, at: 1 }).lean();
  const d = emptyDelta();
  for (const r of rows) {
    if (r.kind === 'paid') {
      d.orders++;
      d.paid += r.amount;
      if (!d.firstOrderAt || r.at < d.firstOrderAt) d.firstOrderAt = r.at;
      if (!d.lastOrderAt || r.at > d.lastOrderAt) d.lastOrderAt = r.at;
    } else {
      d.refunds++;
      d.refunded += r.amount;
    }
  }
  return d;
}
