import type { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { EventModel } from './event.model.js';
import { takeLease } from '../../shared/redis-lease.js';

/** A stored event as the applier reads it. */
export interface UnappliedRow {
  _id: Types.ObjectId;
  tenantId: string;
  eventId: string;
  type: string;
  customerId: Types.ObjectId;
  occurredAt: Date;
  receivedAt: Date;
  source?: string;
  data: Record<string, unknown>;
  applied: boolean;
}

/** How a batch of rows is applied: `exact` after a crash (recompute what the cut-short run may have half moved). */
export type ApplyBatch = (tenantId: string, rows: UnappliedRow[], exact: boolean) => Promise<void>;

/** Rows per pass: the hooks' batch path (a few round trips per batch, not per event). */
const BATCH = 1000;
/** A lease outlives one batch by far; a holder that dies frees the tenant after this. */
const LEASE_MS = 30_000;

/**
 * Applies accepted events off the request path: loyalty, aggregates, RFM and journeys run here, from the
 * unapplied rows, never in `POST /api/v1/events`.
 *
 * One applier at a time per tenant, whatever the number of worker processes: a Redis lease
 * (`SET NX PX`, renewed every 10 s while held, released by its holder only). Under it the tenant's
 * rows go in the order received (receivedAt, _id), a batch at a time, so each customer's events apply
 * in order and the hooks keep their batch path. A tenant lease rather than one per customer because the hooks work per
 * batch across customers (the daily cap, RFM of the batch's buyers); tenants drain side by side.
 *
 * A batch under way carries a "dirty" mark in Redis, cleared once its rows are marked applied. A
 * holder that died (or threw) mid-batch leaves it set, and the next holder applies the oldest rows the
 * exact way (aggregates recomputed from the counted orders; hooks are idempotent by event id).
 *
 * Woken by `events:wake` (the accept path publishes the tenant); the periodic repair job drains every
 * tenant with unapplied rows as the safety net for a lost wake-up.
 */
export class EventApplier {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly deps: Deps,
    private readonly applyBatch: ApplyBatch,
  ) {}

  /** Scoped by database: several deployments (and test files) may share one Redis. */
  private scope(): string {
    return EventModel.db.name;
  }

  /** The tenant's lease (held by one applier) and "batch under way" mark, as Redis keys. */
  leaseKey(tenantId: string): string {
    return `events:apply:${this.scope()}:${tenantId}`;
  }

  dirtyKey(tenantId: string): string {
    return `events:applying:${this.scope()}:${tenantId}`;
  }

  channel(): string {
    return `events:wake:${this.scope()}`;
  }

  /** Tells the appliers a tenant has new rows. Never fails the accept: the repair job is the safety net. */
  async wake(tenantId: string): Promise<void> {
    await this.deps.redis
      .publish(this.channel(), tenantId)
      .catch((err: Error) => this.deps.log.warn({ err: err.message, tenantId }, 'events: wake-up not published; the repair job applies the rows'));
  }

  /**
   * Applies a tenant's unapplied rows until none are left, unless another applier holds the tenant
   * (it re-checks after releasing, so rows stored meanwhile are not left behind). Returns rows applied here.
   */
  async drainTenant(tenantId: string): Promise<number> {
    const { redis } = this.deps;
    let total = 0;
    for (;;) {
      // Kept alive while held, however long a batch takes on a loaded machine: only a dead holder's lease lapses.
      const lease = await takeLease(redis, this.leaseKey(tenantId), LEASE_MS, { keepAlive: true });
      if (!lease) return total;
      try {
        for (;;) {
          const rows = await EventModel.find({ tenantId, applied: false }).sort({ receivedAt: 1, _id: 1 }).limit(BATCH).lean<UnappliedRow[]>();
          if (!rows.length) break;
          const exact = (await redis.set(this.dirtyKey(tenantId), lease.token, 'NX')) !== 'OK';
          await this.applyBatch(tenantId, rows, exact);
          await EventModel.updateMany({ _id: { $in: rows.map((r) => r._id) } }, { $set: { applied: true, appliedAt: this.deps.now() } });
          await redis.del(this.dirtyKey(tenantId));
          total += rows.length;
        }
      } finally {
        await lease.release();
      }
      if (!(await EventModel.exists({ tenantId, applied: false }))) return total;
    }
  }

  /** Every tenant with unapplied rows, drained (the repair job). Returns rows applied here. */
  async drainAll(): Promise<number> {
    let total = 0;
    for (const tenantId of (await EventModel.distinct('tenantId', { applied: false })) as string[]) total += await this.drainTenant(tenantId);
    return total;
  }

  /** Drains a tenant in the background; a wake-up during a drain runs one more. Failures are logged (the repair job retries). */
  kick(tenantId: string): void {
    if (this.running.has(tenantId)) {
      this.again.add(tenantId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(tenantId);
        try {
          await this.drainTenant(tenantId);
        } catch (err) {
          this.deps.log.warn({ err: (err as Error).message, tenantId }, 'events: apply failed; the repair job retries');
        }
      } while (this.again.has(tenantId));
    })().finally(() => this.running.delete(tenantId));
    this.running.set(tenantId, run);
  }

  /** Listens for wake-ups (the worker role); returns how to stop, after the drains under way finish. */
  async listen(): Promise<() => Promise<void>> {
    const sub = this.deps.redis.duplicate();
    sub.on('message', (_channel: string, tenantId: string) => this.kick(tenantId));
    await sub.subscribe(this.channel());
    // Rows stored while no worker listened.
    const backlog = this.drainAll().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'events: apply failed; the repair job retries'));
    return async () => {
      sub.disconnect();
      await Promise.all([backlog, ...this.running.values()]);
    };
  }
}
