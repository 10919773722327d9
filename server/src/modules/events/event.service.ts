import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks, HookPayloads } from '../../shared/hooks.js';
import type { CustomerService } from '../customers/customer.service.js';
import { EventModel } from './event.model.js';
import { hasWriteErrors, type WriteError } from '../../shared/db.js';
import { recentOrderDates, type OrderDatesWanted } from './recent-order-dates.js';
import { eventItemSchema, type EventItem } from './event.schemas.js';
import { CountedOrderModel } from './counted-order.model.js';
import { countOrders, countedFigures, type OrderDelta } from './counted-orders.js';
import { EventApplier, type UnappliedRow } from './event-applier.js';
import { sayIssue } from '../../shared/http/validation-message.js';

export type ItemResult =
  | { index: number; eventId?: string; status: 'accepted'; customerId: string }
  | { index: number; eventId?: string; status: 'duplicate' }
  | { index: number; eventId?: string; status: 'rejected'; reason: string };

export interface BatchResult {
  accepted: number;
  duplicate: number;
  rejected: number;
  results: ItemResult[];
}

type EventRow = UnappliedRow;

/**
 * The aggregates update of each profile a batch touched: its order figures as counted (each order and
 * refund once, see counted-orders.ts) and its last activity from every event.
 */
export function aggregateUpdates(
  rows: Array<Pick<EventRow, 'customerId' | 'occurredAt'>>,
  deltas: Map<string, OrderDelta>,
): Array<{ customerId: string; update: Record<string, unknown> }> {
  const lastActive = new Map<string, Date>();
  for (const row of rows) {
    const id = String(row.customerId);
    const seen = lastActive.get(id);
    if (!seen || row.occurredAt > seen) lastActive.set(id, row.occurredAt);
  }
  return [...new Set([...lastActive.keys(), ...deltas.keys()])].map((customerId) => {
    const d = deltas.get(customerId);
    const $inc: Record<string, number> = {};
    const $max: Record<string, Date> = {};
    const update: Record<string, unknown> = {};
    if (lastActive.has(customerId)) $max['aggregates.lastActiveAt'] = lastActive.get(customerId)!;
    if (d) {
      const moves = { orderCount: d.orders, totalPaid: d.paid, refundCount: d.refunds, refundedAmount: d.refunded };
      for (const [k, v] of Object.entries(moves)) if (v) $inc[`aggregates.${k}`] = v;
      if (d.firstOrderAt) update.$min = { 'aggregates.firstOrderAt': d.firstOrderAt };
      if (d.lastOrderAt) $max['aggregates.lastOrderAt'] = d.lastOrderAt;
    }
    if (Object.keys($inc).length) update.$inc = $inc;
    if (Object.keys($max).length) update.$max = $max;
    return { customerId, update };
  });
}

const accepted = (row: EventRow) => ({ id: String(row._id), eventId: row.eventId, type: row.type, occurredAt: row.occurredAt, data: row.data });

export class EventService {
  /** Applies stored rows off the request path (event-applier.ts): the worker role listens, the repair job sweeps. */
  readonly applier: EventApplier;

  constructor(
    private readonly deps: Deps,
    private readonly hooks: DomainHooks,
    private readonly customers: CustomerService,
  ) {
    this.applier = new EventApplier(deps, (tenantId, rows, exact) => (exact ? this.applyExact(tenantId, rows) : this.apply(tenantId, rows)));
  }

  /** A merge (hook `customer.merged`): the merged profile's events and counted orders move to the one kept. */
  async moveCustomer({ tenantId, fromId, toId }: HookPayloads['customer.merged']): Promise<void> {
    const to = { $set: { customerId: new Types.ObjectId(toId) } };
    await EventModel.updateMany({ tenantId, customerId: fromId }, to);
    await CountedOrderModel.updateMany({ tenantId, customerId: new Types.ObjectId(fromId) }, to);
  }

  /**
   * Ingests a batch. Each item is judged on its own: bad items are rejected with a reason, repeats of
   * an eventId (in this batch or ever) are duplicates, and the rest are stored unapplied. Aggregates,
   * points, RFM and journeys follow in the worker (`applier`), woken here; `settle()` waits for them.
   */
  async ingest(tenantId: string, items: unknown[], source?: string): Promise<BatchResult> {
    const results: ItemResult[] = new Array(items.length);
    const valid: Array<{ index: number; item: EventItem }> = [];
    const seen = new Set<string>();
    items.forEach((raw, index) => {
      const parsed = eventItemSchema.safeParse(raw);
      const claimed = (raw as { eventId?: unknown } | null | undefined)?.eventId;
      const eventId = typeof claimed === 'string' ? claimed : undefined;
      if (!parsed.success) {
        const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${sayIssue(i)}`).join('; ');
        results[index] = { index, eventId, status: 'rejected', reason };
      } else if (seen.has(parsed.data.eventId)) {
        results[index] = { index, eventId, status: 'duplicate' };
      } else {
        seen.add(parsed.data.eventId);
        valid.push({ index, item: parsed.data });
      }
    });

    const customerIds = await this.customers.identifyMany(
      tenantId,
      valid.map((v) => v.item.customer),
      'shop',
    );
    const receivedAt = this.deps.now();
    const rows: EventRow[] = valid.map(({ item }, i) => ({
      _id: new Types.ObjectId(),
      tenantId,
      eventId: item.eventId,
      type: item.type,
      customerId: new Types.ObjectId(customerIds[i]),
      occurredAt: item.occurredAt,
      receivedAt,
      source: item.source ?? source,
      data: item.data,
      applied: false,
    }));

    const failed = new Map<number, { code?: number; errmsg?: string }>();
    if (rows.length) {
      try {
        await EventModel.collection.insertMany(rows, { ordered: false });
      } catch (err) {
        if (!hasWriteErrors(err)) throw err;
        const raw = (err as { writeErrors: WriteError | WriteError[] }).writeErrors;
        const writeErrors = Array.isArray(raw) ? raw : [raw];
        for (const we of writeErrors) failed.set(we.index, { code: we.code, errmsg: we.errmsg });
      }
    }

    const inserted: EventRow[] = [];
    rows.forEach((row, i) => {
      const { index } = valid[i];
      const failure = failed.get(i);
      if (!failure) {
        inserted.push(row);
        results[index] = { index, eventId: row.eventId, status: 'accepted', customerId: String(row.customerId) };
      } else if (failure.code === 11000) {
        results[index] = { index, eventId: row.eventId, status: 'duplicate' };
      } else {
        results[index] = { index, eventId: row.eventId, status: 'rejected', reason: failure.errmsg ?? 'could not be stored' };
      }
    });

    if (inserted.length) await this.applier.wake(tenantId);
    const count = (s: ItemResult['status']) => results.filter((r) => r.status === s).length;
    return { accepted: count('accepted'), duplicate: count('duplicate'), rejected: count('rejected'), results };
  }

  /**
   * Counts the batch's orders and refunds (once per key, whatever their event ids), moves aggregates,
   * runs hooks (idempotent by event id); the applier then marks the rows applied.
   */
  private async apply(tenantId: string, rows: EventRow[]): Promise<void> {
    await this.customers.applyAggregates(tenantId, aggregateUpdates(rows, await countOrders(tenantId, rows)));
    await this.emitAccepted(tenantId, rows);
  }

  /**
   * A batch a crash may have cut short: its orders are counted (a key already counted changes nothing),
   * the affected profiles' aggregates recomputed from what is counted (exact, whatever was or was not
   * applied), hooks re-run (the batch path: a cut-short batch of 1,000 orders is finished with a few
   * dozen writes, not ~10 per order).
   */
  private async applyExact(tenantId: string, rows: EventRow[]): Promise<void> {
    const moved = await countOrders(tenantId, rows);
    for (const customerId of new Set([...rows.map((r) => String(r.customerId)), ...moved.keys()])) await this.recomputeAggregates(tenantId, customerId);
    await this.emitAccepted(tenantId, rows);
  }

  /**
   * The batch's hooks (`event.batch_accepted`): loyalty earns, RFM scoring and journey enrolment work
   * per batch from where the batch left each profile (the aggregates moved above), a few round trips
   * per batch instead of ~9 per event (`npm run bench -- ingest`). Still before the rows are marked
   * applied, so the repair job re-runs them after a crash; every handler is idempotent by event id.
   */
  private async emitAccepted(tenantId: string, rows: EventRow[]): Promise<void> {
    await this.hooks.emit('event.batch_accepted', { tenantId, events: rows.map((row) => ({ customerId: String(row.customerId), event: accepted(row) })) });
  }

  /**
   * The repair job: every tenant's unapplied rows applied, for wake-ups lost (no worker listening,
   * Redis away) and batches a crash cut short (those take the exact path). Returns rows applied.
   */
  async repairUnapplied(): Promise<number> {
    return this.applier.drainAll();
  }

  /**
   * Waits until no row is left unapplied, draining here what no other applier holds: for callers that
   * read the results right after ingesting (the demo seed, the bench, tests). Returns rows applied here.
   */
  async settle(): Promise<number> {
    let total = 0;
    while (await EventModel.exists({ applied: false })) {
      const n = await this.applier.drainAll();
      total += n;
      // Another process holds a tenant: poll until it is done.
      if (!n) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return total;
  }

  /**
   * A profile's aggregates from scratch: order figures from its counted orders and refunds, last
   * activity from its newest event. `recount` first counts the profile's order events (oldest received
   * first; what is counted already stays as it is), so events stored before orders were counted apart
   * are included.
   */
  async recomputeAggregates(tenantId: string, customerId: string, recount = true): Promise<void> {
    if (recount) {
      const orders = await EventModel.find({ tenantId, customerId, type: { $in: ['order.paid', 'order.refunded'] } })
        .sort({ receivedAt: 1, _id: 1 })
        .select({ customerId: 1, eventId: 1, type: 1, occurredAt: 1, receivedAt: 1, data: 1 })
        .lean<EventRow[]>();
      for (let i = 0; i < orders.length; i += 1000) await countOrders(tenantId, orders.slice(i, i + 1000));
    }
    const f = await countedFigures(tenantId, customerId);
    const newest = await EventModel.findOne({ tenantId, customerId }).sort({ occurredAt: -1 }).select({ occurredAt: 1 }).lean();
    await this.customers.setAggregates(tenantId, customerId, {
      orderCount: f.orders,
      totalPaid: f.paid,
      refundCount: f.refunds,
      refundedAmount: f.refunded,
      ...(f.firstOrderAt ? { firstOrderAt: f.firstOrderAt, lastOrderAt: f.lastOrderAt } : {}),
      ...(newest ? { lastActiveAt: newest.occurredAt } : {}),
    });
  }

  /**
   * Counts a tenant's stored orders and refunds once each and recomputes the profiles that have any
   * (`npm run events:recount`, once after upgrading from a version that counted every eventId): a
   * profile that counted a resent order twice is corrected, and a later resend of an old order counts
   * nothing. Safe to repeat and to run while ingest goes on (keyed writes, exact recomputation).
   */
  async recountOrders(tenantId: string, onProgress?: (done: number) => void): Promise<number> {
    const ids = (await EventModel.distinct('customerId', { tenantId, type: { $in: ['order.paid', 'order.refunded'] } })) as Types.ObjectId[];
    let next = 0;
    let done = 0;
    const lane = async () => {
      for (let id = ids[next++]; id; id = ids[next++]) {
        await this.recomputeAggregates(tenantId, String(id));
        if (++done % 1000 === 0) onProgress?.(done);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, ids.length) }, lane));
    return ids.length;
  }

  /** Tenants with stored events. */
  async tenantsWithEvents(): Promise<string[]> {
    return (await EventModel.distinct('tenantId')) as string[];
  }

  /**
   * Who did something in a window (for audience behaviour conditions): the distinct customers with
   * an event of this type since `since`, optionally for one product or category. `bought` looks
   * inside the order's items.
   */
  async customersWithEvent(
    tenantId: string,
    type: string,
    options: { since: Date; until?: Date; productId?: string; category?: string },
  ): Promise<Types.ObjectId[]> {
    const q: Record<string, unknown> = { tenantId, type, occurredAt: { $gte: options.since, ...(options.until ? { $lt: options.until } : {}) } };
    const inItems = type === 'order.paid';
    if (options.productId) q[inItems ? 'data.items.sku' : 'data.productId'] = options.productId;
    if (options.category) q[inItems ? 'data.items.category' : 'data.category'] = options.category;
    return (await EventModel.distinct('customerId', q)) as Types.ObjectId[];
  }

  /** One stored event by the shop's id, with whether it is applied yet. */
  async findByEventId(tenantId: string, eventId: string) {
    return EventModel.findOne({ tenantId, eventId })
      .select({ eventId: 1, type: 1, customerId: 1, receivedAt: 1, applied: 1, appliedAt: 1, 'data.orderId': 1 })
      .lean();
  }

  async recentForCustomer(tenantId: string, customerId: string, limit: number) {
    return EventModel.find({ tenantId, customerId }).sort({ occurredAt: -1 }).limit(limit).lean();
  }

  /**
   * Orders paid and refunds made in [since, until), each counted once however often a shop sent it,
   * at the amount last received (the dashboard's revenue).
   */
  async revenue(tenantId: string, since: Date, until: Date): Promise<{ orders: number; paid: number; refunds: number; refunded: number }> {
    const rows = await CountedOrderModel.aggregate<{ _id: string; n: number; amount: number }>([
      { $match: { tenantId, at: { $gte: since, $lt: until } } },
      { $group: { _id: '$kind', n: { $sum: 1 }, amount: { $sum: '$amount' } } },
    ]);
    const of = (kind: string) => rows.find((r) => r._id === kind) ?? { n: 0, amount: 0 };
    return { orders: of('paid').n, paid: of('paid').amount, refunds: of('refund').n, refunded: of('refund').amount };
  }

  /**
   * What each customer paid in [since, until), each order counted once however often a shop sent it
   * (the counted orders the dashboard's revenue reads), in fen by customer id: a campaign's revenue.
   */
  async paidByCustomer(tenantId: string, since: Date, until: Date): Promise<Map<string, number>> {
    const rows = await CountedOrderModel.aggregate<{ _id: Types.ObjectId; amount: number }>([
      { $match: { tenantId, kind: 'paid', at: { $gte: since, $lt: until } } },
      { $group: { _id: '$customerId', amount: { $sum: '$amount' } } },
    ]);
    return new Map(rows.map((r) => [String(r._id), r.amount]));
  }

  /**
   * Fen paid by each entry's customer after its own `since` (a journey run's start), each order once,
   * summed over the entries: a journey's revenue after entering.
   */
  async paidAfter(tenantId: string, entries: Array<{ customerId: Types.ObjectId; since: Date }>): Promise<number> {
    if (!entries.length) return 0;
    const earliest = new Date(Math.min(...entries.map((e) => e.since.getTime())));
    const rows = await CountedOrderModel.find({ tenantId, kind: 'paid', customerId: { $in: entries.map((e) => e.customerId) }, at: { $gt: earliest } })
      .select({ customerId: 1, at: 1, amount: 1 })
      .lean();
    const byCustomer = new Map<string, typeof rows>();
    for (const r of rows) byCustomer.set(String(r.customerId), [...(byCustomer.get(String(r.customerId)) ?? []), r]);
    let total = 0;
    for (const e of entries) for (const r of byCustomer.get(String(e.customerId)) ?? []) if (r.at > e.since) total += r.amount;
    return total;
  }

  /** Many customers' newest paid-order dates in one read, each as listForCustomer would give them. */
  async recentOrderDates(tenantId: string, customers: OrderDatesWanted[], perCustomer = 50): Promise<Map<string, Date[]>> {
    return recentOrderDates(tenantId, customers, perCustomer);
  }

  async listForCustomer(tenantId: string, customerId: string, filter: { type?: string; before?: Date }, limit: number) {
    const q: Record<string, unknown> = { tenantId, customerId };
    if (filter.type) q.type = filter.type;
    if (filter.before) q.occurredAt = { $lt: filter.before };
    return EventModel.find(q).sort({ occurredAt: -1 }).limit(limit).lean();
  }
}
