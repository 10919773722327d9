import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { EventService } from '../events/event.service.js';
import { RfmHistoryModel, RfmRunModel, RfmSettingsModel } from './rfm.model.js';
import { churnDueAt, quintileCuts, scoreCustomer, type RfmCuts } from './rfm.scoring.js';

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
  ) {
    // Once per batch: a score depends only on the profile's aggregates (already moved for the whole
    // batch) and its orders, so rescoring after each of a customer's events gave the same answer N times.
    hooks.on('event.batch_accepted', async ({ tenantId, events }) => {
      const ids = events.filter(({ event }) => event.type === 'order.paid' || event.type === 'order.refunded').map((e) => e.customerId);
      await this.scoreMany(tenantId, [...new Set(ids)]);
    });
  }

  private get churnOptions() {
    const c = this.deps.config;
    return { multiplier: c.RFM_CHURN_MULTIPLIER, minDays: c.RFM_CHURN_MIN_DAYS, defaultGapDays: c.RFM_CHURN_DEFAULT_GAP_DAYS };
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
      const prev = (c.rfm ?? {}) as Record<string, any>;
      const sameDormancy = prev.churn?.basedOn && +new Date(prev.churn.basedOn) === +lastOrderAt;
      const $set: Record<string, unknown> = {
        'rfm.r': score.r,
        'rfm.f': score.f,
        'rfm.m': score.m,
        'rfm.class': score.class,
        'rfm.recencyDays': recencyDays,
        'rfm.scoredAt': now,
        'rfm.churn.dueAt': churn.dueAt,
        'rfm.churn.gapDays': churn.gapDays,
        'rfm.churn.basedOn': lastOrderAt,
      };
      // A new order ends a dormancy; a refund alone does not.
      if (!sameDormancy && prev.churn?.state !== 'lost') $set['rfm.churn.state'] = 'ok';
      updates.push({ customerId, update: { $set } });
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
      : { r: quintileCuts(inputs.map((i) => i.recencyDays)), f: quintileCuts(inputs.map((i) => i.orderCount)), m: quintileCuts(inputs.map((i) => i.totalPaid)) };
    const distribution: Record<string, number> = {};
    const changed: Array<{ customerId: string; r: number; f: number; m: number; class: string }> = [];
    for (let i = 0; i < inputs.length; i += CHUNK) {
      const chunk = inputs.slice(i, i + CHUNK);
      const updates = chunk.map(({ c, ...input }) => {
        const s = scoreCustomer(input, cuts);
        distribution[s.class] = (distribution[s.class] ?? 0) + 1;
        const prev = (c.rfm ?? {}) as Record<string, any>;
        if (prev.class !== s.class || prev.r !== s.r || prev.f !== s.f || prev.m !== s.m) changed.push({ customerId: String(c._id), ...s });
        return { customerId: String(c._id), update: { $set: { 'rfm.r': s.r, 'rfm.f': s.f, 'rfm.m': s.m, 'rfm.class': s.class, 'rfm.recencyDays': input.recencyDays, 'rfm.scoredAt': now } } };
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
   * Buyers past their own cadence become "at risk" and their owner gets a follow-up; customers who
   * removed us on WeCom become "lost". The follow-up's dedupeKey names the dormancy (the last order
   * it follows), so a rerun or a crash between the two writes never raises a second task.
   */
  async sweepChurn(tenantId: string): Promise<{ atRisk: number; lost: number }> {
    const now = this.deps.now();
    // Buyers whose churn clock was never started (imported history) get one first.
    const unclocked = await this.m.customers.unclockedBuyers(tenantId);
    if (unclocked.length) await this.scoreMany(tenantId, unclocked.map((c) => String(c._id)));
    const due = await this.m.customers.churnDue(tenantId, now);
    for (const c of due) {
      const churn = (c.rfm as any).churn;
      const days = Math.floor((now.getTime() - new Date(churn.basedOn).getTime()) / DAY_MS);
      await this.m.followUps.create(tenantId, {
        customerId: String(c._id),
        assigneeId: c.ownerStaffId ?? undefined,
        title: `流失预警：${c.name ?? '客户'} 已 ${days} 天未下单（平时约 ${churn.gapDays} 天一单），请跟进`,
        dueAt: new Date(now.getTime() + DAY_MS),
        source: 'churn_warning',
        dedupeKey: `churn:${c._id}:${new Date(churn.basedOn).getTime()}`,
      });
      // Announced before the state is written, so a crash in between re-announces on the next sweep;
      // listeners (churn-warning journeys) key on `basedOn`, which makes the repeat a no-op.
      await this.hooks.emit('customer.at_risk', { tenantId, customerId: String(c._id), basedOn: new Date(churn.basedOn) });
      await this.m.customers.applyAggregates(tenantId, [{ customerId: String(c._id), update: { $set: { 'rfm.churn.state': 'at_risk', 'rfm.churn.since': now } } }]);
    }
    const lost = await this.m.customers.lostContactsUnmarked(tenantId);
    await this.m.customers.applyAggregates(
      tenantId,
      lost.map((c) => ({ customerId: String(c._id), update: { $set: { 'rfm.churn.state': 'lost', 'rfm.churn.since': now } } })),
    );
    return { atRisk: due.length, lost: lost.length };
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
