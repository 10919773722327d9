import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { AppError, conflict, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import type { SegmentService } from '../segments/segment.service.js';
import type { EventService } from '../events/event.service.js';
import { CampaignModel, DeliveryModel, GroupDeliveryModel, OptOutModel, type CampaignDoc } from './broadcast.model.js';
import type { CreateCampaignInput } from './broadcast.schemas.js';
import { GROUP_CHANNELS, type BroadcastContent, type ChannelName } from './channels/channel.provider.js';
import { COUPON_PLACEHOLDERS, PLACEHOLDERS, contentPlaceholders, isKnown } from './placeholders.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

export const BroadcastErrorCode = {
  BAD_STATE: 'BROADCAST_BAD_STATE',
  SCHEDULE_IN_PAST: 'BROADCAST_SCHEDULE_IN_PAST',
  PLACEHOLDER: 'BROADCAST_PLACEHOLDER',
  NOTHING_TO_REMIND: 'BROADCAST_NOTHING_TO_REMIND',
  REMIND_LIMIT: 'BROADCAST_REMIND_LIMIT',
  NOT_WECOM: 'BROADCAST_NOT_WECOM',
} as const satisfies Record<string, ErrorCode>;

const DAY_MS = 86_400_000;
/** A campaign in one of these is not over: its segment must stay. */
const OPEN_STATES = ['draft', 'scheduled', 'snapshotting', 'sending', 'paused'] as const;

/** Group campaigns keep one row per customer group; every other campaign one per customer. */
const rowsOf = (c: { channel?: string | null }): typeof DeliveryModel =>
  GROUP_CHANNELS.includes(c.channel as ChannelName) ? (GroupDeliveryModel as unknown as typeof DeliveryModel) : DeliveryModel;

/**
 * Refuses, before anything is stored, a placeholder no recipient could have filled: one the renderer
 * does not know, any on a group campaign (a group has no name, points or coupon), and a coupon one on
 * a campaign that issues no coupon.
 */
export function checkPlaceholders(channel: ChannelName, content: BroadcastContent, at: string): void {
  for (const { field, name } of contentPlaceholders(content)) {
    const placeholder = `{${name}}`;
    const refuse = (reason: string, message: string) => {
      throw new AppError(BroadcastErrorCode.PLACEHOLDER, message, { status: 400, details: { field: `${at}.${field}`, placeholder, reason } });
    };
    if (!isKnown(name)) refuse('unknown', `${at}.${field}: unknown placeholder ${placeholder}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
    if (GROUP_CHANNELS.includes(channel))
      refuse('group_channel', `${at}.${field}: ${placeholder} is filled per customer, and a ${channel} campaign is sent to groups; remove it`);
    if (COUPON_PLACEHOLDERS.includes(name as never) && !content.couponTemplateId)
      refuse('no_coupon', `${at}.${field}: ${placeholder} needs a coupon: choose couponTemplateId or remove it`);
  }
}

/** Campaigns as the console sees them: create, control (pause / resume / cancel), progress, results. */
export class BroadcastService {
  constructor(
    private readonly deps: Deps,
    private readonly m: { segments: SegmentService; events: EventService },
  ) {}

  /** Campaigns not yet over (draft, scheduled, sending, paused) that send to a segment: it must stay. */
  async openCampaignsUsing(tenantId: string, segmentId: string): Promise<Array<{ id: string; name: string; status: string }>> {
    const open = await CampaignModel.find({ tenantId, segmentId: new Types.ObjectId(segmentId), status: { $in: [...OPEN_STATES] } }, { name: 1, status: 1 })
      .limit(20)
      .lean();
    return open.map((c) => ({ id: String(c._id), name: c.name, status: c.status }));
  }

  /** For the segments list: per segment, how many campaigns send to it and which of them are not yet over. */
  async campaignsUsingSegments(
    tenantId: string,
    segmentIds: string[],
  ): Promise<Map<string, { campaigns: number; open: Array<{ id: string; name: string; status: string }> }>> {
    const segmentId = { $in: segmentIds.map((id) => new Types.ObjectId(id)) };
    const [counts, open] = await Promise.all([
      CampaignModel.aggregate<{ _id: Types.ObjectId; n: number }>([{ $match: { tenantId, segmentId } }, { $group: { _id: '$segmentId', n: { $sum: 1 } } }]),
      CampaignModel.find({ tenantId, segmentId, status: { $in: [...OPEN_STATES] } }, { name: 1, status: 1, segmentId: 1 })
        .sort({ createdAt: -1 })
        .limit(1000)
        .lean(),
    ]);
    const out = new Map(counts.map((c) => [String(c._id), { campaigns: c.n, open: [] as Array<{ id: string; name: string; status: string }> }]));
    for (const c of open) out.get(String(c.segmentId))?.open.push({ id: String(c._id), name: c.name, status: c.status });
    return out;
  }

  async create(tenantId: string, input: CreateCampaignInput, createdBy?: string) {
    if (input.segmentId) await this.m.segments.get(tenantId, input.segmentId);
    const now = this.deps.now();
    const startAt = input.schedule.kind === 'now' ? now : input.schedule.at;
    if (startAt.getTime() < now.getTime() - 60_000)
      throw new AppError(BroadcastErrorCode.SCHEDULE_IN_PAST, 'The scheduled time has passed; pick a time in the future or send now', { status: 400 });
    const variants = input.variants ?? [{ key: 'A', weight: 100, content: input.content! }];
    variants.forEach((v, i) => checkPlaceholders(input.channel, v.content, input.variants ? `variants.${i}.content` : 'content'));
    const doc = await CampaignModel.create({
      tenantId,
      name: input.name,
      segmentId: input.segmentId ? new Types.ObjectId(input.segmentId) : undefined,
      chatIds: input.chatIds,
      roomIds: input.roomIds,
      channel: input.channel,
      variants,
      holdoutPercent: input.holdoutPercent,
      attributionDays: input.attributionDays,
      schedule: input.schedule,
      window: input.window ? { ...input.window, timezone: input.window.timezone ?? this.deps.config.BROADCAST_TIMEZONE } : undefined,
      status: 'scheduled',
      startAt,
      createdBy,
    });
    return doc.toObject<CampaignDoc>();
  }

  /** A page of campaigns, newest first, with the total for the pager. */
  async list(tenantId: string, q: { page: number; pageSize: number; status?: CampaignDoc['status']; channel?: string } = { page: 1, pageSize: 100 }) {
    const filter = { tenantId, ...(q.status ? { status: q.status } : {}), ...(q.channel ? { channel: q.channel } : {}) };
    const [items, total] = await Promise.all([
      CampaignModel.find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .skip((q.page - 1) * q.pageSize)
        .limit(q.pageSize)
        .lean<CampaignDoc[]>(),
      CampaignModel.countDocuments(filter),
    ]);
    return { items, total };
  }

  /** Sent / failed / skipped / holdout of each campaign's current run, for a list page (one read per row kind). */
  async listCounts(campaigns: Array<{ _id: unknown; occurrence: number; channel: string }>): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    for (const group of [true, false]) {
      const some = campaigns.filter((c) => GROUP_CHANNELS.includes(c.channel as ChannelName) === group);
      if (!some.length) continue;
      const rows = await (group ? GroupDeliveryModel : DeliveryModel).aggregate([
        { $match: { $or: some.map((c) => ({ campaignId: c._id, occurrence: c.occurrence })) } },
        { $group: { _id: { campaignId: '$campaignId', state: '$state' }, n: { $sum: 1 } } },
      ]);
      for (const r of rows) {
        const counts = out.get(String(r._id.campaignId)) ?? { total: 0, sent: 0, failed: 0, skipped: 0, holdout: 0 };
        counts.total += r.n;
        if (r._id.state in counts) counts[r._id.state] += r.n;
        out.set(String(r._id.campaignId), counts);
      }
    }
    return out;
  }

  async get(tenantId: string, id: string) {
    const doc = Types.ObjectId.isValid(id) ? await CampaignModel.findOne({ tenantId, _id: id }).lean<CampaignDoc>() : null;
    if (!doc) throw notFound('Campaign');
    return doc;
  }

  private async transition(tenantId: string, id: string, from: Array<CampaignDoc['status']>, $set: Record<string, unknown>, verb: string) {
    const doc = await CampaignModel.findOneAndUpdate({ tenantId, _id: id, status: { $in: from } }, { $set }, { returnDocument: 'after' }).lean<CampaignDoc>();
    if (doc) return doc;
    const current = await this.get(tenantId, id);
    throw conflict(BroadcastErrorCode.BAD_STATE, `A ${current.status} campaign cannot be ${verb}`, { status: current.status });
  }

  pause(tenantId: string, id: string) {
    return this.transition(tenantId, id, ['sending', 'scheduled'], { status: 'paused' }, 'paused');
  }

  async resume(tenantId: string, id: string) {
    const c = await this.get(tenantId, id);
    // A campaign paused before its audience was frozen goes back to the schedule.
    const started = await rowsOf(c).exists({ campaignId: c._id, occurrence: c.occurrence });
    return this.transition(tenantId, id, ['paused'], started ? { status: 'sending', nextDispatchAt: this.deps.now() } : { status: 'scheduled' }, 'resumed');
  }

  async cancel(tenantId: string, id: string) {
    const doc = await this.transition(
      tenantId,
      id,
      ['scheduled', 'snapshotting', 'sending', 'paused'],
      { status: 'cancelled', completedAt: this.deps.now() },
      'cancelled',
    );
    await rowsOf(doc).updateMany({ campaignId: doc._id, state: 'pending' }, { $set: { state: 'skipped', reason: 'cancelled' } });
    return doc;
  }

  /** Live counts of the current run: queued / sending / sent / failed / skipped by reason / holdout. */
  async progress(tenantId: string, id: string) {
    const c = await this.get(tenantId, id);
    const rows = await rowsOf(c).aggregate([
      { $match: { campaignId: c._id, occurrence: c.occurrence } },
      { $group: { _id: { state: '$state', reason: '$reason', providerStatus: '$providerStatus' }, n: { $sum: 1 } } },
    ]);
    // What became of the sent ones, as far as WeCom has told us (see BroadcastResultsService).
    const delivery = { delivered: 0, awaitingConfirmation: 0, notAContact: 0, recipientLimit: 0, undelivered: 0, unknown: 0 };
    const deliveryKey: Record<string, keyof typeof delivery> = {
      delivered: 'delivered',
      awaiting_confirmation: 'awaitingConfirmation',
      not_a_contact: 'notAContact',
      recipient_limit: 'recipientLimit',
      undelivered: 'undelivered',
    };
    const counts = { total: 0, queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0, holdout: 0 };
    const skipped: Record<string, number> = {};
    const failed: Record<string, number> = {};
    for (const r of rows) {
      const state = r._id.state as string;
      counts.total += r.n;
      if (state === 'pending') counts.queued += r.n;
      else counts[state as keyof typeof counts] += r.n;
      if (state === 'sent') delivery[deliveryKey[r._id.providerStatus ?? ''] ?? 'unknown'] += r.n;
      if (state === 'skipped') skipped[r._id.reason ?? 'unknown'] = (skipped[r._id.reason ?? 'unknown'] ?? 0) + r.n;
      if (state === 'failed') failed[r._id.reason ?? 'unknown'] = (failed[r._id.reason ?? 'unknown'] ?? 0) + r.n;
    }
    return {
      status: c.status,
      occurrence: c.occurrence,
      deferredReason: c.deferredReason,
      nextDispatchAt: c.nextDispatchAt,
      counts,
      skipped,
      failed,
      delivery: { ...delivery, checkedAt: c.resultsSyncedAt ?? null },
    };
  }

  /** Every run of a (recurring) campaign with its own counts, newest first. */
  async runs(tenantId: string, id: string) {
    const c = await this.get(tenantId, id);
    const rows = await rowsOf(c).aggregate([
      { $match: { campaignId: c._id } },
      { $group: { _id: { occurrence: '$occurrence', state: '$state', providerStatus: '$providerStatus' }, n: { $sum: 1 } } },
    ]);
    const byRun = new Map<number, Record<string, number>>();
    for (const r of rows) {
      const run = byRun.get(r._id.occurrence) ?? { total: 0, queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0, holdout: 0, delivered: 0 };
      run.total += r.n;
      run[r._id.state === 'pending' ? 'queued' : r._id.state] += r.n;
      if (r._id.state === 'sent' && r._id.providerStatus === 'delivered') run.delivered += r.n;
      byRun.set(r._id.occurrence, run);
    }
    return [...byRun].sort((a, b) => b[0] - a[0]).map(([occurrence, counts]) => ({ occurrence, counts }));
  }

  /**
   * Conversions: recipients (per variant) and the holdout who paid an order within the attribution
   * window after the campaign started. The lift is the variant's rate minus the holdout's.
   */
  async results(tenantId: string, id: string) {
    const c = await this.get(tenantId, id);
    const since = c.startedAt ?? c.startAt ?? c.createdAt;
    const until = new Date(since.getTime() + c.attributionDays * DAY_MS);
    const buyers = new Set((await this.m.events.customersWithEvent(tenantId, 'order.paid', { since, until })).map(String));
    const paid = await this.m.events.paidByCustomer(tenantId, since, until);
    const rows = await DeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: { $in: ['sent', 'holdout'] } })
      .select({ customerId: 1, state: 1, variant: 1 })
      .lean();
    // revenue: fen paid within the window by the arm's customers (each order once).
    const arms: Record<string, { recipients: number; converted: number; rate: number; revenue: number }> = {};
    for (const r of rows) {
      const arm = r.state === 'holdout' ? 'holdout' : (r.variant ?? 'A');
      arms[arm] ??= { recipients: 0, converted: 0, rate: 0, revenue: 0 };
      arms[arm].recipients++;
      if (buyers.has(String(r.customerId))) arms[arm].converted++;
      arms[arm].revenue += paid.get(String(r.customerId)) ?? 0;
    }
    for (const a of Object.values(arms)) a.rate = a.recipients ? Math.round((a.converted / a.recipients) * 10_000) / 10_000 : 0;
    return { window: { since, until }, arms, note: until > this.deps.now() ? 'the attribution window is still open' : undefined };
  }

  /** Records that a customer wants no marketing (TD reply, unsubscribe, told staff); idempotent. */
  async optOut(tenantId: string, customerId: string, source: string) {
    try {
      await OptOutModel.create({ tenantId, customerId: new Types.ObjectId(customerId), source, at: this.deps.now() });
      return { optedOut: true, already: false };
    } catch (err) {
      if (isDuplicateKeyError(err)) return { optedOut: true, already: true };
      throw err;
    }
  }

  /**
   * A merged-away profile's opt-out moves to the surviving profile (a shopper who unsubscribed in the
   * member center and is later linked to their older WeCom profile stays unsubscribed). Safe to repeat.
   */
  async moveOptOut(tenantId: string, fromId: string, toId: string): Promise<void> {
    const from = await OptOutModel.findOne({ tenantId, customerId: new Types.ObjectId(fromId) }).lean();
    if (!from) return;
    try {
      await OptOutModel.create({ tenantId, customerId: new Types.ObjectId(toId), source: from.source, at: from.at });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    await OptOutModel.deleteOne({ tenantId, customerId: new Types.ObjectId(fromId) });
  }

  async isOptedOut(tenantId: string, customerId: string): Promise<boolean> {
    return Boolean(await OptOutModel.exists({ tenantId, customerId: new Types.ObjectId(customerId) }));
  }

  async optIn(tenantId: string, customerId: string) {
    await OptOutModel.deleteOne({ tenantId, customerId: new Types.ObjectId(customerId) });
    return { optedOut: false };
  }
}
