import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { hasWriteErrors, isDuplicateKeyError } from '../../shared/db.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { SegmentService } from '../segments/segment.service.js';
import { audienceUsesProfiling } from '../privacy/consent-policy.js';
import { CampaignModel, DeliveryModel, type CampaignDoc } from './broadcast.model.js';
import type { FrequencyCapService } from './frequency-cap.service.js';
import { inWindow, nextWindowStart, type SendWindow } from './send-window.js';
import { pickArm, variantContent } from './ab-split.js';
import { GROUP_CHANNELS, type ChannelName, type ChannelProvider, type GroupChannel } from './channels/channel.provider.js';
import { DeliveryBatchSender, type CouponPort, type InServicePort } from './delivery-batch.service.js';
import { StaffSendBudget } from './staff-send-budget.service.js';
import type { LoyaltyFactsPort } from './recipient-content.js';

export type { CouponPort } from './delivery-batch.service.js';

/**
 * Executes campaigns: first the audience is frozen into delivery rows, then rows are claimed in
 * batches with a lease and sent. Every decision is recorded on the row, so a worker killed at any
 * point leaves rows another worker can finish: pending rows are claimed again, and rows left
 * "sending" are checked against the channel before anything is resent.
 */
export class BroadcastDispatcher {
  /** Judges and sends one-to-one rows; the reach judges through it too (broadcast-reach.ts). */
  readonly batches: DeliveryBatchSender;

  constructor(
    private readonly deps: Deps,
    private readonly m: {
      segments: SegmentService;
      customers: CustomerService;
      caps: FrequencyCapService;
      providers: Map<ChannelName, ChannelProvider>;
      coupons?: CouponPort;
      loyalty?: LoyaltyFactsPort;
      groupChannels?: Map<ChannelName, GroupChannel>;
      inService?: InServicePort;
    },
  ) {
    this.batches = new DeliveryBatchSender(deps, {
      customers: m.customers,
      caps: m.caps,
      coupons: m.coupons,
      loyalty: m.loyalty,
      budget: new StaffSendBudget(deps),
      inService: m.inService,
    });
  }

  /** Recurring tick: starts due campaigns, then advances sending ones, each within a time budget. */
  async tick(budgetMs = 20_000): Promise<void> {
    const now = this.deps.now();
    const due = await CampaignModel.find({ status: { $in: ['scheduled', 'snapshotting'] }, startAt: { $lte: now } })
      .select({ _id: 1 })
      .limit(20)
      .lean();
    for (const c of due) await this.guard(String(c._id), 'startAt', () => this.snapshot(String(c._id)));
    const sending = await CampaignModel.find({ status: 'sending', nextDispatchAt: { $lte: now } })
      .select({ _id: 1 })
      .limit(20)
      .lean();
    const deadline = performance.now() + budgetMs;
    for (const c of sending) if (performance.now() < deadline) await this.guard(String(c._id), 'nextDispatchAt', () => this.dispatch(String(c._id), deadline));
  }

  /**
   * One campaign's failure (WeCom down, a snapshot segment still being taken) must not hold up the
   * others: it is retried a minute later, with the reason shown in its progress.
   */
  private async guard(campaignId: string, field: 'startAt' | 'nextDispatchAt', work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      const message = (err as Error).message;
      this.deps.log.warn({ campaignId, err: message }, 'broadcast step failed; retrying in a minute');
      await CampaignModel.updateOne(
        { _id: campaignId },
        { $set: { [field]: new Date(this.deps.now().getTime() + 60_000), deferredReason: `error: ${message}`.slice(0, 300) } },
      );
    }
  }

  /** Freezes the audience into delivery rows; resumable from the last page written. */
  async snapshot(campaignId: string): Promise<void> {
    const c = await CampaignModel.findOneAndUpdate(
      { _id: campaignId, status: { $in: ['scheduled', 'snapshotting'] } },
      { $set: { status: 'snapshotting' } },
      { returnDocument: 'after' },
    ).lean<CampaignDoc>();
    if (!c) return;
    const groupChannel = GROUP_CHANNELS.includes(c.channel as ChannelName);
    if (groupChannel) await this.m.groupChannels?.get(c.channel as ChannelName)?.snapshot(c);
    const pager = groupChannel ? async () => [] : await this.m.segments.pager(c.tenantId, String(c.segmentId));
    if (!groupChannel && !c.personalised && (await this.personalised(c))) {
      await CampaignModel.updateOne({ _id: c._id }, { $set: { personalised: true } });
    }
    let after = (c.snapshotAfter as Types.ObjectId | undefined) ?? null;
    for (;;) {
      const ids = await pager(after, 1000);
      if (!ids.length) break;
      const rows = ids.map((customerId) => {
        const arm = pickArm(c, String(customerId));
        return {
          _id: new Types.ObjectId(),
          tenantId: c.tenantId,
          campaignId: c._id,
          occurrence: c.occurrence,
          customerId,
          variant: arm === 'holdout' ? undefined : arm,
          state: arm === 'holdout' ? 'holdout' : 'pending',
          attempts: 0,
        };
      });
      try {
        await DeliveryModel.collection.insertMany(rows, { ordered: false });
      } catch (err) {
        if (!isDuplicateKeyError(err) && !hasWriteErrors(err)) throw err;
      }
      after = ids[ids.length - 1];
      await CampaignModel.updateOne({ _id: c._id }, { $set: { snapshotAfter: after } });
    }
    const now = this.deps.now();
    await CampaignModel.updateOne(
      { _id: c._id, status: 'snapshotting' },
      { $set: { status: 'sending', startedAt: now, nextDispatchAt: now }, $unset: { snapshotAfter: 1, deferredReason: 1 } },
    );
  }

  /**
   * A campaign picked by behaviour (RFM, churn, orders, browsing) is personalised marketing: its
   * recipients need profiling consent too (privacy/consent-policy.ts).
   */
  async personalised(c: { tenantId: string; segmentId?: unknown }): Promise<boolean> {
    return audienceUsesProfiling((await this.m.segments.get(c.tenantId, String(c.segmentId))).audience);
  }

  /** Sends pending rows until done, paused, deferred to the next window, or out of time. */
  async dispatch(campaignId: string, deadline = performance.now() + 20_000): Promise<'completed' | 'deferred' | 'stopped' | 'budget'> {
    const c = await CampaignModel.findOne({ _id: campaignId }).lean<CampaignDoc>();
    if (!c || c.status !== 'sending') return 'stopped';
    const groups = this.m.groupChannels?.get(c.channel as ChannelName);
    if (groups) return this.dispatchGroups(c, groups);
    const provider = this.m.providers.get(c.channel as ChannelName);
    if (!provider) {
      await CampaignModel.updateOne(
        { _id: c._id, status: 'sending' },
        { $set: { nextDispatchAt: new Date(this.deps.now().getTime() + 60_000), deferredReason: `channel ${c.channel} is not available on this server` } },
      );
      return 'deferred';
    }
    // A failed recovery read holds back only the rows it is about: the rest still send, and the read
    // is retried with a backoff (1 s, 2 s, 4 s … at most a minute) instead of deferring the campaign.
    let retryRecoveryAt: Date | undefined;
    try {
      await this.batches.recoverStale(c, provider);
      if (c.recoveryFailures) await CampaignModel.updateOne({ _id: c._id }, { $unset: { recoveryFailures: 1, deferredReason: 1 } });
    } catch (err) {
      const failures = (c.recoveryFailures ?? 0) + 1;
      const message = (err as Error).message;
      this.deps.log.warn({ campaignId: String(c._id), err: message, failures }, 'broadcast recovery read failed; retrying with backoff');
      retryRecoveryAt = new Date(this.deps.now().getTime() + Math.min(1000 * 2 ** (failures - 1), 60_000));
      await CampaignModel.updateOne({ _id: c._id }, { $set: { recoveryFailures: failures, deferredReason: `error: ${message}`.slice(0, 300) } });
    }
    const batch = Math.max(provider.claimSize ?? 0, this.deps.config.BROADCAST_BATCH_SIZE);
    while (performance.now() < deadline) {
      const fresh = await CampaignModel.findOne({ _id: c._id }).select({ status: 1 }).lean();
      if (fresh?.status !== 'sending') return 'stopped';
      const now = this.deps.now();
      const window = c.window as SendWindow | undefined;
      if (window?.start && !inWindow(now, window)) {
        await CampaignModel.updateOne(
          { _id: c._id, status: 'sending' },
          { $set: { nextDispatchAt: nextWindowStart(now, window), deferredReason: 'quiet_hours' } },
        );
        return 'deferred';
      }
      const rows = await this.batches.claim(c, batch, now);
      if (!rows.length) {
        const inFlight = await DeliveryModel.findOne({ campaignId: c._id, occurrence: c.occurrence, state: 'sending' }).sort({ leaseUntil: 1 }).lean();
        if (inFlight) {
          const lease = inFlight.leaseUntil ?? now;
          const next = retryRecoveryAt && lease <= now ? retryRecoveryAt : lease;
          await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: next } });
          return 'budget';
        }
        await this.complete(c, now);
        return 'completed';
      }
      const limited = await this.batches.process(c, rows, provider);
      if (limited) {
        await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: limited.until, deferredReason: limited.reason } });
        return 'deferred';
      }
    }
    await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: this.deps.now() }, $unset: { deferredReason: 1 } });
    return 'budget';
  }

  /** A group campaign: the same window and completion rules, sent by the channel's group sender. */
  private async dispatchGroups(c: CampaignDoc, groups: GroupChannel): Promise<'completed' | 'deferred' | 'budget'> {
    const now = this.deps.now();
    const window = c.window as SendWindow | undefined;
    if (window?.start && !inWindow(now, window)) {
      await CampaignModel.updateOne(
        { _id: c._id, status: 'sending' },
        { $set: { nextDispatchAt: nextWindowStart(now, window), deferredReason: 'quiet_hours' } },
      );
      return 'deferred';
    }
    if ((await groups.sendPending(c, variantContent(c, {}), this.deps.config.BROADCAST_BATCH_SIZE)) === 'in_flight') {
      await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: (await groups.nextLease(c)) ?? now } });
      return 'budget';
    }
    await this.complete(c, now);
    return 'completed';
  }

  private async complete(c: CampaignDoc, now: Date) {
    const recurring = c.schedule?.kind === 'recurring' && c.schedule.everyDays;
    if (recurring) {
      // The next slot after now: a worker that was down for weeks runs once, not once per missed period.
      const period = recurring * 86_400_000;
      const first = (c.startAt ?? now).getTime() + period;
      const next = new Date(first + Math.max(0, Math.ceil((now.getTime() - first + 1) / period)) * period);
      await CampaignModel.updateOne(
        { _id: c._id, status: 'sending' },
        { $set: { status: 'scheduled', startAt: next, completedAt: now }, $inc: { occurrence: 1 }, $unset: { deferredReason: 1 } },
      );
    } else {
      await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { status: 'completed', completedAt: now }, $unset: { deferredReason: 1 } });
    }
  }
}
