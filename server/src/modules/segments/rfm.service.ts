import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks, HookPayloads } from '../../shared/hooks.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { EventService } from '../events/event.service.js';
import { RfmHistoryModel, RfmRunModel, RfmSettingsModel } from './rfm.model.js';
import { churnDueAt, quintileCuts, scoreCustomer, type RfmCuts } from './rfm.scoring.js';
import { churnTitle, churnWhy, pickChurnTasks, type ChurnCandidate } from './churn-tasks.js';
import { localPeriods } from '../broadcasts/send-window.js';

const DAY_MS = 86_400_000;
/** Used until a tenant's first nightly run has measured its own quintiles. */
const STARTER_CUTS: RfmCuts = { r: [30, 60, 90, 180], f: [1, 2, 3, 5], m: [10_000, 30_000, 60_000, 100_000] };
const CHUNK = 1000;

/** How many of a customer's newest orders set their churn cadence. */
const CADENCE_ORDERS = 50;

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * RFM scores and churn warning, stored on the profile under `rfm` (written through the customers
 * service). Nightly: quintiles per tenant (or configured cut points), every buyer rescored, a run row
 * and changed customers' history kept. Incrementally: each order or refund rescores that customer and
 * resets their churn clock from their own order cadence. The churn sweep turns overdue customers
 * "at risk" and gives their owner a follow-up (deduplicated per dormancy).
 */
export class RfmService {
  constructor(
    private readonly deps: Deps,
    private readonly hooks: DomainHooks,
    private readonly m: { customers: CustomerService; events: EventService; followUps: FollowUpService },
  ) {}

  /**
   * An ingested batch (hook `event.batch_accepted`), once per batch: a score depends only on the
   * profile's aggregates (already moved for the whole batch) and its orders, so rescoring after each
   * of a customer's events gave the same answer N times.
   */
  async onEventBatch({ tenantId, events }: HookPayloads['event.batch_accepted']): Promise<void> {
    const ids = events.filter(({ event }) => event.type === 'order.paid' || event.type === 'order.refunded').map((e) => e.customerId);
    await this.scoreMany(tenantId, [...new Set(ids)]);
  }

  private get churnOptions() {
    const c = this.deps.config;
    return {
      multiplier: c.RFM_CHURN_MULTIPLIER,
      minDays: c.RFM_CHURN_MIN_DAYS,
      defaultGapDays: c.RFM_CHURN_DEFAULT_GAP_DAYS,
      lostMultiplier: c.RFM_CHURN_LOST_MULTIPLIER,
    };
  }

  async settings(tenantId: string): Promise<{ cuts: RfmCuts; source: 'configured' | 'quintile' | 'starter' }> {
    const configured = await RfmSettingsModel.findOne({ tenantId }).lean();
    if (configured?.cuts?.r?.length) return { cuts: configured.cuts as RfmCuts, source: 'configured' };
    const run = await RfmRunModel.findOne({ tenantId }).sort({ day: -1 }).lean();
    if (run?.cuts?.r?.length) return { cuts: run.cuts as RfmCuts, source: 'quintile' };
    return { cuts: STARTER_CUTS, source: 'starter' };
  }

  /** Fixed cut points for a tenant (four ascending values per axis), or null to go back to quintiles. */
  async configure(tenantId: string, cuts: RfmCuts | null) {
    if (!cuts) await RfmSettingsModel.deleteOne({ tenantId });
    else await RfmSettingsModel.updateOne({ tenantId }, { $set: { cuts } }, { upsert: true });
    return this.settings(tenantId);
  }

  /** Rescores one customer and restarts their churn clock. */
  async scoreOne(tenantId: string, customerId: string): Promise<void> {
    await this.scoreMany(tenantId, [customerId]);
  }

  /**
   * Rescores customers and restarts their churn clocks from their own order cadence (after each
   * ingested batch, for the customers it had orders for): one read of the profiles and the cut
   * points, one of the customers' recent orders (events.recentOrderDates), one bulk write of the
   * scores and one of the history.
   */
  async scoreMany(tenantId: string, customerIds: string[]): Promise<void> {
    const ids = customerIds.filter((id) => Types.ObjectId.isValid(id));
    if (!ids.length) return;
    const rows = await this.m.customers.rfmInputs(tenantId, ids);
    const buyers = rows.filter((c) => c.aggregates?.orderCount && c.aggregates.lastOrderAt);
    if (!buyers.length) return;
    const now = this.deps.now();
    const { cuts } = await this.settings(tenantId);
    const updates: Array<{ customerId: string; update: Record<string, unknown> }> = [];
    const changed: Array<{ customerId: string; r: number; f: number; m: number; class: string }> = [];
    const orderDates = await this.m.events.recentOrderDates(
      tenantId,
      buyers.map((c) => ({ customerId: String(c._id), orderCount: c.aggregates!.orderCount! })),
      CADENCE_ORDERS,
    );
    for (const c of buyers) {
      const customerId = String(c._id);
      const agg = c.aggregates!;
      const lastOrderAt = agg.lastOrderAt!;
      const recencyDays = Math.max(0, Math.floor((now.getTime() - lastOrderAt.getTime()) / DAY_MS));
      const score = scoreCustomer({ recencyDays, orderCount: agg.orderCount!, totalPaid: agg.totalPaid ?? 0 }, cuts);
      const churn = churnDueAt(lastOrderAt, orderDates.get(customerId) ?? [], this.churnOptions);
      const prev: Partial<NonNullable<typeof c.rfm>> = c.rfm ?? {};
      const sameDormancy = prev.churn?.basedOn && +new Date(prev.churn.basedOn) === +lastOrderAt;
      const $set: Record<string, unknown> = {
        'rfm.r': score.r,
        'rfm.f': score.f,
        'rfm.m': score.m,
        'rfm.class': score.class,
        'rfm.recencyDays': recencyDays,
        'rfm.scoredAt': now,
        'rfm.churn.dueAt': churn.dueAt,
        'rfm.churn.lostAt': churn.lostAt,
        'rfm.churn.gapDays': churn.gapDays,
        'rfm.churn.cadenceKnown': churn.cadenceKnown,
        'rfm.churn.basedOn': lastOrderAt,
      };
      // A new order ends a dormancy (and a loss to dormancy); a refund alone does not. A customer who
      // removed us on WeCom stays lost whatever they buy.
      const newDormancy = !sameDormancy && (prev.churn?.state !== 'lost' || prev.churn?.lostBecause === 'dormant');
      if (newDormancy) $set['rfm.churn.state'] = 'ok';
      updates.push({ customerId, update: newDormancy ? { $set, $unset: { 'rfm.churn.awaitingTask': '', 'rfm.churn.lostBecause': '' } } : { $set } });
      if (prev.class !== score.class || prev.r !== score.r || prev.f !== score.f || prev.m !== score.m) changed.push({ customerId, ...score });
    }
    await this.m.customers.applyAggregates(tenantId, updates);
    await this.writeHistory(tenantId, changed, now);
  }

  /** The nightly rescoring of every buyer of a tenant; returns how many were scored. */
  async recomputeTenant(tenantId: string): Promise<number> {
    const now = this.deps.now();
    const rows = await this.m.customers.rfmBuyers(tenantId);
    const inputs = rows
      .filter((c) => c.aggregates?.lastOrderAt)
      .map((c) => ({
        c,
        recencyDays: Math.max(0, Math.floor((now.getTime() - c.aggregates!.lastOrderAt!.getTime()) / DAY_MS)),
        orderCount: c.aggregates!.orderCount ?? 0,
        totalPaid: c.aggregates!.totalPaid ?? 0,
      }));
    const configured = await RfmSettingsModel.findOne({ tenantId }).lean();
    const cuts: RfmCuts = configured?.cuts?.r?.length
      ? (configured.cuts as RfmCuts)
      : {
          r: quintileCuts(inputs.map((i) => i.recencyDays)),
          f: quintileCuts(inputs.map((i) => i.orderCount)),
          m: quintileCuts(inputs.map((i) => i.totalPaid)),
        };
    const distribution: Record<string, number> = {};
    const changed: Array<{ customerId: string; r: number; f: number; m: number; class: string }> = [];
    for (let i = 0; i < inputs.length; i += CHUNK) {
      const chunk = inputs.slice(i, i + CHUNK);
      const updates = chunk.map(({ c, ...input }) => {
        const s = scoreCustomer(input, cuts);
        distribution[s.class] = (distribution[s.class] ?? 0) + 1;
        const prev: Partial<NonNullable<typeof c.rfm>> = c.rfm ?? {};
        if (prev.class !== s.class || prev.r !== s.r || prev.f !== s.f || prev.m !== s.m) changed.push({ customerId: String(c._id), ...s });
        return {
          customerId: String(c._id),
          update: { $set: { 'rfm.r': s.r, 'rfm.f': s.f, 'rfm.m': s.m, 'rfm.class': s.class, 'rfm.recencyDays': input.recencyDays, 'rfm.scoredAt': now } },
        };
      });
      await this.m.customers.applyAggregates(tenantId, updates);
    }
    for (let i = 0; i < changed.length; i += CHUNK) await this.writeHistory(tenantId, changed.slice(i, i + CHUNK), now);
    await RfmRunModel.updateOne(
      { tenantId, day: dayOf(now) },
      { $set: { cuts, source: configured ? 'configured' : 'quintile', distribution, scored: inputs.length, at: now } },
      { upsert: true },
    );
    return inputs.length;
  }

  private async writeHistory(tenantId: string, rows: Array<{ customerId: string; r: number; f: number; m: number; class: string }>, now: Date) {
    if (!rows.length) return;
    const day = dayOf(now);
    // Raw driver: the rows are typed already, the schema has no defaults or timestamps to add.
    await RfmHistoryModel.collection.bulkWrite(
      rows.map((r) => ({
        updateOne: {
          filter: { tenantId, customerId: new Types.ObjectId(r.customerId), day },
          update: { $set: { r: r.r, f: r.f, m: r.m, class: r.class, at: now } },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  /**
   * Buyers inside their churn window (past their own cadence, not yet past lostMultiplier × it)
   * become "at risk"; buyers past the window become "lost" (no task: a call a year late helps nobody,
   * and an open churn task of theirs is closed as 'customer_lost');
   * customers who removed us on WeCom become "lost". Each assignee gets at most
   * RFM_CHURN_TASKS_PER_DAY churn tasks per local day, the highest value × recoverability first, each
   * saying why; the rest stay at risk awaiting a task on a later day while their window lasts. The
   * task's dedupeKey names the dormancy (the last order it follows), so a rerun or a crash between
   * the writes never raises a second task. The cap is counted, then filled: the nightly job runs
   * under Agenda's lock, one sweep per tenant at a time.
   */
  async sweepChurn(tenantId: string): Promise<{ atRisk: number; lost: number; tasks: number }> {
    const now = this.deps.now();
    // Buyers whose churn clock was never started (imported history), or has no end yet, get one first.
    for (let i = 0; i < 100; i++) {
      const unclocked = await this.m.customers.unclockedBuyers(tenantId, 1000);
      if (!unclocked.length) break;
      await this.scoreMany(
        tenantId,
        unclocked.map((c) => String(c._id)),
      );
    }
    let gone = 0;
    for (let i = 0; i < 100; i++) {
      const page = await this.m.customers.churnPastWindow(tenantId, now, 1000);
      if (!page.length) break;
      gone += page.length;
      await this.m.customers.applyAggregates(
        tenantId,
        page.map((c) => ({
          customerId: String(c._id),
          update: { $set: { 'rfm.churn.state': 'lost', 'rfm.churn.lostBecause': 'dormant', 'rfm.churn.since': now }, $unset: { 'rfm.churn.awaitingTask': '' } },
        })),
      );
      // Their churn tasks leave the reps' lists: the window for a call has closed.
      await this.m.followUps.closeOpen(
        tenantId,
        page.map((c) => String(c._id)),
        'churn_warning',
        'customer_lost',
      );
    }

    const due = await this.m.customers.churnDue(tenantId, now);
    const fresh = due.filter((c) => c.rfm!.churn!.state === 'ok');
    for (const c of fresh) {
      // Announced before the state is written, so a crash in between re-announces on the next sweep;
      // listeners (churn-warning journeys) key on `basedOn`, which makes the repeat a no-op.
      await this.hooks.emit('customer.at_risk', { tenantId, customerId: String(c._id), basedOn: new Date(c.rfm!.churn!.basedOn!) });
    }
    await this.m.customers.applyAggregates(
      tenantId,
      fresh.map((c) => ({
        customerId: String(c._id),
        update: { $set: { 'rfm.churn.state': 'at_risk', 'rfm.churn.since': now, 'rfm.churn.awaitingTask': true } },
      })),
    );

    // A clock without an end (scored before windows existed, beyond this sweep's rescoring) waits a sweep.
    const candidates: ChurnCandidate[] = due
      .filter((c) => c.rfm!.churn!.lostAt)
      .map((c) => {
        const churn = c.rfm!.churn!;
        return {
          customerId: String(c._id),
          name: c.name ?? undefined,
          ownerStaffId: c.ownerStaffId ?? undefined,
          orderCount: c.aggregates?.orderCount ?? 0,
          totalPaid: c.aggregates?.totalPaid ?? 0,
          lastOrderAt: new Date(churn.basedOn),
          dueAt: new Date(churn.dueAt),
          lostAt: new Date(churn.lostAt),
          gapDays: churn.gapDays,
          cadenceKnown: churn.cadenceKnown ?? (c.aggregates?.orderCount ?? 0) > 1,
        };
      });
    const day = localPeriods(now, this.deps.config.BROADCAST_TIMEZONE).day;
    const cap = this.deps.config.RFM_CHURN_TASKS_PER_DAY;
    const given = await this.m.followUps.countBySource(tenantId, 'churn_warning', { 'why.day': day });
    const picked = pickChurnTasks(candidates, now, (assignee) => cap - (given.get(assignee ?? '') ?? 0));
    for (const c of picked) {
      const why = { ...churnWhy(c, now), day };
      await this.m.followUps.create(tenantId, {
        customerId: c.customerId,
        assigneeId: c.ownerStaffId,
        title: churnTitle(c.name, why),
        why,
        dueAt: new Date(now.getTime() + DAY_MS),
        source: 'churn_warning',
        dedupeKey: `churn:${c.customerId}:${c.lastOrderAt.getTime()}`,
      });
      await this.m.customers.applyAggregates(tenantId, [{ customerId: c.customerId, update: { $unset: { 'rfm.churn.awaitingTask': '' } } }]);
    }

    const lost = await this.m.customers.lostContactsUnmarked(tenantId);
    await this.m.customers.applyAggregates(
      tenantId,
      lost.map((c) => ({
        customerId: String(c._id),
        update: { $set: { 'rfm.churn.state': 'lost', 'rfm.churn.lostBecause': 'wecom', 'rfm.churn.since': now } },
      })),
    );
    return { atRisk: fresh.length, lost: gone + lost.length, tasks: picked.length };
  }

  /** The nightly job: every tenant rescored, then swept for churn. */
  async nightly(): Promise<void> {
    const tenants = await this.m.customers.tenantIds();
    for (const tenantId of tenants) {
      await this.recomputeTenant(tenantId);
      await this.sweepChurn(tenantId);
    }
  }

  async runs(tenantId: string, limit = 30) {
    return RfmRunModel.find({ tenantId }).sort({ day: -1 }).limit(limit).lean();
  }

  async history(tenantId: string, customerId: string) {
    return RfmHistoryModel.find({ tenantId, customerId }).sort({ day: -1 }).limit(100).lean();
  }
}
