import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { conflict, notFound } from '../../shared/app-error.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { SegmentService } from '../segments/segment.service.js';
import type { CreateCampaignInput } from './broadcast.schemas.js';
import { BroadcastErrorCode, checkPlaceholders } from './broadcast.service.js';
import { CampaignModel, type CampaignDoc } from './broadcast.model.js';
import type { BroadcastDispatcher, CouponPort } from './broadcast-dispatch.service.js';
import type { FrequencyCapService } from './frequency-cap.service.js';
import { pickArm } from './ab-split.js';
import { GROUP_CHANNELS, type BroadcastContent, type ChannelName, type ChannelProvider, type GroupChannel } from './channels/channel.provider.js';
import { personalise, type LoyaltyFactsPort } from './recipient-content.js';
import { COUPON_PLACEHOLDERS, contentPlaceholders, render } from './placeholders.js';

/** How many a campaign would reach if it were sent at `at`, and how many would be skipped, by reason. */
export interface Reach {
  /** Customers for a one-to-one campaign, chats (customer groups, bot rooms) for a group campaign. */
  unit: 'customers' | 'groups';
  total: number;
  willReceive: number;
  holdout: number;
  skipped: Record<string, number>;
  /** A campaign not yet created has no id to draw its A/B and holdout arms from: those splits are a fair draw, not the final one. */
  estimate: boolean;
  at: Date;
}

/** Sample code shown in a preview for `{coupon}`: each recipient's real code exists only once it is issued at the send. */
export const SAMPLE_COUPON_CODE = 'CPN-SAMPLE';
const PAGE = 1000;

/**
 * The reach before a send and the preview of a recipient's text. Neither has rules of its own: the
 * reach judges the audience through the dispatcher's own judge (profile, opt-out, consent, the
 * channel's address, placeholders) and reads the frequency-cap slots the send would claim; the
 * preview fills placeholders through the same reader and renderer as the send.
 */
export class BroadcastReach {
  constructor(
    private readonly deps: Deps,
    private readonly m: {
      segments: SegmentService;
      customers: CustomerService;
      dispatcher: BroadcastDispatcher;
      caps: FrequencyCapService;
      provider: (name: ChannelName) => ChannelProvider;
      groupChannels: Map<ChannelName, GroupChannel>;
      coupons?: CouponPort;
      loyalty?: LoyaltyFactsPort;
    },
  ) {}

  /** The reach of a campaign as it would be created from this input (nothing is stored). */
  async ofInput(tenantId: string, input: CreateCampaignInput): Promise<Reach> {
    if (input.segmentId) await this.m.segments.get(tenantId, input.segmentId);
    const variants = input.variants ?? [{ key: 'A', weight: 100, content: input.content! }];
    variants.forEach((v, i) => checkPlaceholders(input.channel, v.content, input.variants ? `variants.${i}.content` : 'content'));
    const c = {
      _id: new Types.ObjectId(),
      tenantId,
      occurrence: 1,
      channel: input.channel,
      segmentId: input.segmentId,
      chatIds: input.chatIds,
      roomIds: input.roomIds,
      variants,
      holdoutPercent: input.holdoutPercent,
    };
    const at = input.schedule.kind === 'now' ? this.deps.now() : input.schedule.at;
    return this.count(c, at, variants.length > 1 || input.holdoutPercent > 0);
  }

  /** The reach of a created campaign whose audience is not yet frozen: exact, arms included. */
  async ofCampaign(tenantId: string, id: string): Promise<Reach> {
    const c = await CampaignModel.findOne({ tenantId, _id: id }).lean<CampaignDoc>();
    if (!c) throw notFound('Campaign');
    if (!['draft', 'scheduled'].includes(c.status))
      throw conflict(BroadcastErrorCode.BAD_STATE, `A ${c.status} campaign has started: its progress shows who got it and who was skipped`, {
        status: c.status,
      });
    return this.count(c, c.startAt ?? this.deps.now(), false);
  }

  private async count(
    c: Pick<CampaignDoc, '_id' | 'tenantId' | 'occurrence' | 'channel' | 'variants' | 'holdoutPercent' | 'chatIds' | 'roomIds'> & { segmentId?: unknown },
    at: Date,
    estimate: boolean,
  ): Promise<Reach> {
    const skipped: Record<string, number> = {};
    const skip = (reason: string, n = 1) => void (skipped[reason] = (skipped[reason] ?? 0) + n);
    const channel = c.channel as ChannelName;
    if (GROUP_CHANNELS.includes(channel)) {
      const verdicts = await this.m.groupChannels.get(channel)!.judge(c);
      for (const v of verdicts.values()) if (!v.ok) skip(v.reason);
      const total = verdicts.size;
      return { unit: 'groups', total, willReceive: total - sum(skipped), holdout: 0, skipped, estimate: false, at };
    }
    const provider = this.m.provider(channel);
    const campaign = { ...c, personalised: await this.m.dispatcher.personalised(c) };
    const pager = await this.m.segments.pager(c.tenantId, String(c.segmentId));
    const campaignKey = `${c._id}:${c.occurrence}`;
    let total = 0;
    let holdout = 0;
    let willReceive = 0;
    for (let after: Types.ObjectId | null = null; ;) {
      const ids = await pager(after, PAGE);
      if (!ids.length) break;
      after = ids[ids.length - 1];
      total += ids.length;
      // The rows the snapshot would write (holdout rows are never judged nor sent), keyed by customer.
      const rows = [];
      for (const customerId of ids) {
        const arm = pickArm(c, String(customerId));
        if (arm === 'holdout') holdout++;
        else rows.push({ _id: customerId, customerId, variant: arm });
      }
      const verdicts = await this.m.dispatcher.batches.judge(campaign, rows, provider);
      const sendable: string[] = [];
      for (const [id, v] of verdicts) {
        if (v.ok) sendable.push(id);
        else skip(v.reason);
      }
      const capped = await this.m.caps.refusedAt(c.tenantId, sendable, campaignKey, at);
      skip('frequency_cap', capped.size);
      willReceive += sendable.length - capped.size;
    }
    if (!skipped.frequency_cap) delete skipped.frequency_cap;
    return { unit: 'customers', total, willReceive, holdout, skipped, estimate, at };
  }

  /**
   * One content as a sample recipient reads it: the given customer, or the first of the segment. A
   * placeholder that cannot be filled for them comes back as the reason the send would skip them.
   */
  async preview(tenantId: string, input: { channel: ChannelName; content: BroadcastContent; segmentId?: string; customerId?: string }) {
    checkPlaceholders(input.channel, input.content, 'content');
    let customerId = input.customerId;
    if (!customerId && input.segmentId && !GROUP_CHANNELS.includes(input.channel))
      customerId = (await (await this.m.segments.pager(tenantId, input.segmentId))(null, 1)).map(String)[0];
    if (!customerId || !contentPlaceholders(input.content).length) {
      return { customer: customerId ? await this.sample(tenantId, customerId) : null, content: input.content, unfilled: null };
    }
    const c = { tenantId, variants: [{ key: 'A', weight: 100, content: input.content }] };
    const row = { _id: customerId, customerId, variant: 'A' };
    const p = (await personalise(tenantId, c, [row], { customers: this.m.customers, loyalty: this.m.loyalty })).get(customerId);
    const customer = await this.sample(tenantId, customerId);
    if (!p || 'reason' in p) return { customer, content: input.content, unfilled: p && 'reason' in p ? p.reason : null };
    const usesCoupon = contentPlaceholders(input.content).some((x) => COUPON_PLACEHOLDERS.includes(x.name as never));
    const template = usesCoupon && input.content.couponTemplateId ? await this.m.coupons?.template(tenantId, input.content.couponTemplateId) : undefined;
    const filled = render(input.content, { ...p.facts, ...(template ? { coupon: { code: SAMPLE_COUPON_CODE, name: template.name } } : {}) });
    return filled.ok ? { customer, content: filled.content, unfilled: null } : { customer, content: input.content, unfilled: filled.reason };
  }

  private async sample(tenantId: string, customerId: string) {
    const [x] = await this.m.customers.recipientFacts(tenantId, [new Types.ObjectId(customerId)]);
    return x ? { id: customerId, name: (x.name as string | undefined) ?? null } : null;
  }
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
