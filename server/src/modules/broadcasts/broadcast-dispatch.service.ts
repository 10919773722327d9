import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CustomerModel } from '../customers/customer.model.js';
import type { SegmentService } from '../segments/segment.service.js';
import { CampaignModel, DeliveryModel, OptOutModel } from './broadcast.model.js';
import type { FrequencyCapService } from './frequency-cap.service.js';
import { inWindow, nextWindowStart, type SendWindow } from './send-window.js';
import { pickArm } from './ab-split.js';
import { GROUP_CHANNELS, type Address, type BroadcastContent, type ChannelName, type ChannelProvider, type GroupChannel, type OutgoingRow } from './channels/channel.provider.js';

/** Issues a coupon once per key (the loyalty module's coupon service satisfies this). */
export interface CouponPort {
  issue(tenantId: string, input: { templateId: string; customerId: string; channel: 'campaign'; issueKey: string }): Promise<unknown>;
}

const MAX_ATTEMPTS = 3;
/** KEYS[1] = the sender's minute counter; ARGV = wanted, limit, ttl seconds. Grants what is left, up to wanted. */
const TAKE_BUDGET = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - used)
if grant <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], grant)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return grant`;

/**
 * Executes campaigns: first the audience is frozen into delivery rows, then rows are claimed in
 * batches with a lease and sent. Every decision is recorded on the row, so a worker killed at any
 * point leaves rows another worker can finish: pending rows are claimed again, and rows left
 * "sending" are checked against the channel before anything is resent.
 */
export class BroadcastDispatcher {
  constructor(
    private readonly deps: Deps,
    private readonly m: { segments: SegmentService; caps: FrequencyCapService; providers: Map<ChannelName, ChannelProvider>; coupons?: () => CouponPort | undefined; groupChannels?: Map<ChannelName, GroupChannel> },
  ) {}

  /** Recurring tick: starts due campaigns, then advances sending ones, each within a time budget. */
  async tick(budgetMs = 20_000): Promise<void> {
    const now = this.deps.now();
    const due = await CampaignModel.find({ status: { $in: ['scheduled', 'snapshotting'] }, startAt: { $lte: now } }).select({ _id: 1 }).limit(20).lean();
    for (const c of due) await this.guard(String(c._id), 'startAt', () => this.snapshot(String(c._id)));
    const sending = await CampaignModel.find({ status: 'sending', nextDispatchAt: { $lte: now } }).select({ _id: 1 }).limit(20).lean();
    const deadline = Date.now() + budgetMs;
    for (const c of sending) if (Date.now() < deadline) await this.guard(String(c._id), 'nextDispatchAt', () => this.dispatch(String(c._id), deadline));
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
      await CampaignModel.updateOne({ _id: campaignId }, { $set: { [field]: new Date(this.deps.now().getTime() + 60_000), deferredReason: `error: ${message}`.slice(0, 300) } });
    }
  }

  /** Freezes the audience into delivery rows; resumable from the last page written. */
  async snapshot(campaignId: string): Promise<void> {
    const c = await CampaignModel.findOneAndUpdate({ _id: campaignId, status: { $in: ['scheduled', 'snapshotting'] } }, { $set: { status: 'snapshotting' } }, { returnDocument: 'after' }).lean();
    if (!c) return;
    const groupChannel = GROUP_CHANNELS.includes(c.channel as ChannelName);
    if (groupChannel) await this.m.groupChannels?.get(c.channel as ChannelName)?.snapshot(c);
    const pager = groupChannel ? async () => [] : await this.m.segments.pager(c.tenantId, String(c.segmentId));
    let after = (c.snapshotAfter as Types.ObjectId | undefined) ?? null;
    for (;;) {
      const ids = await pager(after, 1000);
      if (!ids.length) break;
      const rows = ids.map((customerId) => {
        const arm = pickArm(c as any, String(customerId));
        return { _id: new Types.ObjectId(), tenantId: c.tenantId, campaignId: c._id, occurrence: c.occurrence, customerId, variant: arm === 'holdout' ? undefined : arm, state: arm === 'holdout' ? 'holdout' : 'pending', attempts: 0 };
      });
      try {
        await DeliveryModel.collection.insertMany(rows, { ordered: false });
      } catch (err) {
        if (!isDuplicateKeyError(err) && !(err as any)?.writeErrors) throw err;
      }
      after = ids[ids.length - 1];
      await CampaignModel.updateOne({ _id: c._id }, { $set: { snapshotAfter: after } });
    }
    const now = this.deps.now();
    await CampaignModel.updateOne({ _id: c._id, status: 'snapshotting' }, { $set: { status: 'sending', startedAt: now, nextDispatchAt: now }, $unset: { snapshotAfter: 1, deferredReason: 1 } });
  }

  /** Sends pending rows until done, paused, deferred to the next window, or out of time. */
  async dispatch(campaignId: string, deadline = Date.now() + 20_000): Promise<'completed' | 'deferred' | 'stopped' | 'budget'> {
    const c = await CampaignModel.findOne({ _id: campaignId }).lean();
    if (!c || c.status !== 'sending') return 'stopped';
    const groups = this.m.groupChannels?.get(c.channel as ChannelName);
    if (groups) return this.dispatchGroups(c, groups);
    const provider = this.m.providers.get(c.channel as ChannelName);
    if (!provider) {
      await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: new Date(this.deps.now().getTime() + 60_000), deferredReason: `channel ${c.channel} is not available on this server` } });
      return 'deferred';
    }
    await this.recoverStale(c, provider);
    const batch = this.deps.config.BROADCAST_BATCH_SIZE;
    while (Date.now() < deadline) {
      const fresh = await CampaignModel.findOne({ _id: c._id }).select({ status: 1 }).lean();
      if (fresh?.status !== 'sending') return 'stopped';
      const now = this.deps.now();
      const window = c.window as SendWindow | undefined;
      if (window?.start && !inWindow(now, window)) {
        await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: nextWindowStart(now, window), deferredReason: 'quiet_hours' } });
        return 'deferred';
      }
      const rows = await this.claim(c, batch, now);
      if (!rows.length) {
        const inFlight = await DeliveryModel.findOne({ campaignId: c._id, occurrence: c.occurrence, state: 'sending' }).sort({ leaseUntil: 1 }).lean();
        if (inFlight) {
          await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: inFlight.leaseUntil } });
          return 'budget';
        }
        await this.complete(c, now);
        return 'completed';
      }
      const limited = await this.process(c, rows, provider);
      if (limited) {
        await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: limited, deferredReason: 'rate_limited' } });
        return 'deferred';
      }
    }
    await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: this.deps.now() }, $unset: { deferredReason: 1 } });
    return 'budget';
  }

  /** A group campaign: the same window and completion rules, sent by the channel's group sender. */
  private async dispatchGroups(c: any, groups: GroupChannel): Promise<'completed' | 'deferred' | 'budget'> {
    const now = this.deps.now();
    const window = c.window as SendWindow | undefined;
    if (window?.start && !inWindow(now, window)) {
      await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: nextWindowStart(now, window), deferredReason: 'quiet_hours' } });
      return 'deferred';
    }
    if ((await groups.sendPending(c, this.content(c, {}), this.deps.config.BROADCAST_BATCH_SIZE)) === 'in_flight') {
      await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { nextDispatchAt: (await groups.nextLease(c)) ?? now } });
      return 'budget';
    }
    await this.complete(c, now);
    return 'completed';
  }

  private async claim(c: any, n: number, now: Date) {
    const token = randomUUID();
    const ids = (await DeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'pending' }).sort({ _id: 1 }).limit(n).select({ _id: 1 }).lean()).map((r) => r._id);
    if (!ids.length) return [];
    await DeliveryModel.updateMany(
      { _id: { $in: ids }, state: 'pending' },
      { $set: { state: 'sending', claim: token, leaseUntil: new Date(now.getTime() + this.deps.config.BROADCAST_LEASE_MS), sendingSince: now }, $inc: { attempts: 1 } },
    );
    return DeliveryModel.find({ campaignId: c._id, claim: token, state: 'sending' }).lean();
  }

  /**
   * Judges and sends claimed rows. Returns a time to come back when a sender's rate limit was hit
   * (the rows not sent go back to pending), else undefined. Rows with the same outcome are written
   * with one update, so a batch costs a handful of writes whatever its size.
   */
  private async process(c: any, rows: any[], provider: ChannelProvider): Promise<Date | undefined> {
    const tenantId: string = c.tenantId;
    const claim: string = rows[0].claim;
    const addresses = await this.addresses(tenantId, rows.map((r) => r.customerId), provider);
    const skipped = new Map<string, Types.ObjectId[]>();
    const ready: Array<OutgoingRow & { row: any }> = [];
    const campaignKey = `${c._id}:${c.occurrence}`;
    for (const row of rows) {
      const cid = String(row.customerId);
      const a = addresses.get(cid)!;
      let reason: string | undefined;
      if (!a.ok) reason = a.reason;
      else if (!(await this.m.caps.claim(tenantId, cid, campaignKey))) reason = 'frequency_cap';
      if (reason) skipped.set(reason, [...(skipped.get(reason) ?? []), row._id]);
      else if (a.ok) ready.push({ row, deliveryId: String(row._id), customerId: cid, address: { sender: a.sender, to: a.to }, content: this.content(c, row) });
    }
    for (const [reason, ids] of skipped) await DeliveryModel.updateMany({ _id: { $in: ids }, claim }, { $set: { state: 'skipped', reason, leaseUntil: null } });

    const groups = new Map<string, typeof ready>();
    for (const r of ready) {
      const key = `${r.address.sender}\u0000${r.row.variant ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    // A chunk never exceeds the per-staff minute budget; a sender whose budget runs out mid-chunk
    // sends what it was granted, and only that sender waits for the next minute.
    const perMinute = Math.min(provider.perMinute ?? Infinity, this.deps.config.BROADCAST_STAFF_PER_MINUTE);
    const size = Math.min(provider.batchSize, perMinute);
    const spent = new Set<string>();
    for (const group of groups.values()) {
      const sender = group[0].address.sender;
      for (let i = 0; i < group.length; i += size) {
        const chunk = group.slice(i, i + size);
        const granted = spent.has(sender) ? 0 : await this.takeStaffBudget(tenantId, sender, chunk.length, perMinute);
        if (granted < chunk.length) spent.add(sender);
        if (granted) await this.sendChunk(c, provider, chunk.slice(0, granted), claim);
        const rest = chunk.slice(granted);
        if (rest.length) await DeliveryModel.updateMany({ _id: { $in: rest.map((r) => r.row._id) }, claim }, { $set: { state: 'pending', claim: null, leaseUntil: null }, $inc: { attempts: -1 } });
      }
    }
    // Budgets are per clock minute: come back when the next one starts.
    return spent.size ? new Date((Math.floor(this.deps.now().getTime() / 60_000) + 1) * 60_000) : undefined;
  }

  private content(c: any, row: any): BroadcastContent {
    return (c.variants.find((v: any) => v.key === row.variant) ?? c.variants[0]).content as BroadcastContent;
  }

  /** Where each customer is reached now, or why not (gone, opted out, no WeCom contact...). */
  private async addresses(tenantId: string, ids: Types.ObjectId[], provider: ChannelProvider) {
    const [customers, optOuts] = await Promise.all([
      CustomerModel.find({ tenantId, _id: { $in: ids } }).select({ status: 1, ownerStaffId: 1, identities: 1, wecom: 1, consents: 1 }).lean(),
      OptOutModel.find({ tenantId, customerId: { $in: ids } }).select({ customerId: 1 }).lean(),
    ]);
    const opted = new Set(optOuts.map((o) => String(o.customerId)));
    const out = new Map<string, Address>();
    const live = customers.filter((x) => x.status === 'active');
    for (const x of live) if (opted.has(String(x._id)) || (x.consents as any)?.marketing === false) out.set(String(x._id), { ok: false, reason: 'opted_out' });
    const reachable = live.filter((x) => !out.has(String(x._id)));
    const addr = await provider.address(
      tenantId,
      reachable.map((x) => ({ customerId: String(x._id), ownerStaffId: x.ownerStaffId, identities: x.identities as any, wecomRelation: x.wecom?.relation })),
    );
    for (const [k, v] of addr) out.set(k, v);
    for (const id of ids) if (!out.has(String(id))) out.set(String(id), { ok: false, reason: 'profile_gone' });
    return out;
  }

  private async sendChunk(c: any, provider: ChannelProvider, chunk: Array<OutgoingRow & { row: any }>, claim: string) {
    const tenantId: string = c.tenantId;
    const failed = new Map<string, Types.ObjectId[]>();
    const fail = (reason: string, id: Types.ObjectId) => failed.set(reason, [...(failed.get(reason) ?? []), id]);
    const templateId = chunk[0].content.couponTemplateId;
    let sendable = chunk;
    if (templateId) {
      const coupons = this.m.coupons?.();
      const bad = new Set<string>();
      for (const r of chunk) {
        if (!coupons) {
          fail('coupons_unavailable', r.row._id);
          bad.add(r.deliveryId);
        } else {
          await coupons.issue(tenantId, { templateId, customerId: r.customerId, channel: 'campaign', issueKey: `broadcast:${r.deliveryId}` }).catch((err: Error) => {
            fail(`coupon: ${err.message}`.slice(0, 200), r.row._id);
            bad.add(r.deliveryId);
          });
        }
      }
      sendable = chunk.filter((r) => !bad.has(r.deliveryId));
    }
    let outcomes: Awaited<ReturnType<ChannelProvider['send']>> = [];
    try {
      if (sendable.length) outcomes = await provider.send(tenantId, sendable);
    } catch (err) {
      // Unknown whether the channel accepted it: leave the rows "sending"; when the lease runs out the
      // channel is asked before anything is resent.
      this.deps.log.warn({ campaignId: String(c._id), err: (err as Error).message }, 'broadcast send failed; will reconcile');
      outcomes = [];
    }
    const now = this.deps.now();
    const byId = new Map(chunk.map((r) => [r.deliveryId, r.row._id as Types.ObjectId]));
    const sent = new Map<string, Types.ObjectId[]>();
    for (const o of outcomes) {
      if (o.ok) sent.set(o.providerRef ?? '', [...(sent.get(o.providerRef ?? '') ?? []), byId.get(o.deliveryId)!]);
      else fail(o.error ?? 'failed', byId.get(o.deliveryId)!);
    }
    for (const [ref, ids] of sent) await DeliveryModel.updateMany({ _id: { $in: ids }, claim }, { $set: { state: 'sent', sentAt: now, providerRef: ref || undefined, leaseUntil: null } });
    for (const [reason, ids] of failed) await DeliveryModel.updateMany({ _id: { $in: ids }, claim }, { $set: { state: 'failed', reason, leaseUntil: null } });
  }

  /** Rows a dead worker left "sending": those the channel has are marked sent, the rest retried. */
  private async recoverStale(c: any, provider: ChannelProvider) {
    const now = this.deps.now();
    const stale = await DeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'sending', leaseUntil: { $lt: now } }).limit(5000).lean();
    if (!stale.length) return;
    const addresses = await this.addresses(c.tenantId, stale.map((r) => r.customerId), provider);
    const asked: OutgoingRow[] = [];
    for (const r of stale) {
      const a = addresses.get(String(r.customerId));
      if (a?.ok) asked.push({ deliveryId: String(r._id), customerId: String(r.customerId), address: { sender: a.sender, to: a.to }, content: this.content(c, r) });
    }
    const since = new Date(Math.min(...stale.map((r) => +(r.sendingSince ?? now))));
    const found = asked.length ? await provider.alreadySent(c.tenantId, asked, since) : new Map<string, string>();
    const writes = stale.map((r) => {
      const ref = found.get(String(r._id));
      const filter = { _id: r._id, state: 'sending', claim: r.claim };
      if (ref) return { updateOne: { filter, update: { $set: { state: 'sent', sentAt: r.sendingSince ?? now, providerRef: ref, reason: 'confirmed_after_restart', leaseUntil: null } } } };
      if ((r.attempts ?? 0) >= MAX_ATTEMPTS) return { updateOne: { filter, update: { $set: { state: 'failed', reason: 'gave_up_after_retries', leaseUntil: null } } } };
      return { updateOne: { filter, update: { $set: { state: 'pending', claim: null, leaseUntil: null } } } };
    });
    await DeliveryModel.bulkWrite(writes as any[], { ordered: false });
  }

  /**
   * Takes up to `want` sends from the sender's budget for the current minute, in one atomic step, and
   * returns how many were granted (0 once it is spent). Without Redis nothing is granted: sends cost
   * the brand's reputation, so we hold back rather than risk a flood.
   */
  private async takeStaffBudget(tenantId: string, sender: string, want: number, perMinute: number): Promise<number> {
    const minute = Math.floor(this.deps.now().getTime() / 60_000);
    try {
      return Number(await this.deps.redis.eval(TAKE_BUDGET, 1, `bc:rate:${tenantId}:${sender}:${minute}`, want, perMinute, 120));
    } catch {
      return 0;
    }
  }

  private async complete(c: any, now: Date) {
    const recurring = c.schedule?.kind === 'recurring' && c.schedule.everyDays;
    if (recurring) {
      // The next slot after now: a worker that was down for weeks runs once, not once per missed period.
      const period = c.schedule.everyDays * 86_400_000;
      const first = (c.startAt ?? now).getTime() + period;
      const next = new Date(first + Math.max(0, Math.ceil((now.getTime() - first + 1) / period)) * period);
      await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { status: 'scheduled', startAt: next, completedAt: now }, $inc: { occurrence: 1 }, $unset: { deferredReason: 1 } });
    } else {
      await CampaignModel.updateOne({ _id: c._id, status: 'sending' }, { $set: { status: 'completed', completedAt: now }, $unset: { deferredReason: 1 } });
    }
  }
}
