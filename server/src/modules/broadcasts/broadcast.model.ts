import mongoose, { Schema, type Types } from 'mongoose';
import type { LeanDoc } from '../../shared/db.js';

/**
 * A campaign: who (a segment), how (channel), what (content variants), when (schedule, send window).
 * `occurrence` counts runs of a recurring campaign; each run has its own delivery rows.
 */
const campaignSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    segmentId: { type: Schema.Types.ObjectId },
    /** Group campaigns (wecom_group_chat): the customer groups, instead of a segment. */
    chatIds: { type: [String], default: undefined },
    /** Bot room campaigns (bot_room): the rooms by id. */
    roomIds: { type: [String], default: undefined },
    channel: { type: String, required: true },
    variants: { type: [{ _id: false, key: String, weight: Number, content: Schema.Types.Mixed }], required: true },
    holdoutPercent: { type: Number, default: 0 },
    attributionDays: { type: Number, default: 7 },
    schedule: { kind: { type: String, enum: ['now', 'at', 'recurring'] }, at: Date, everyDays: Number },
    window: { start: String, end: String, timezone: String },
    status: { type: String, enum: ['draft', 'scheduled', 'snapshotting', 'sending', 'paused', 'completed', 'cancelled'], default: 'draft' },
    occurrence: { type: Number, default: 1 },
    startAt: { type: Date },
    nextDispatchAt: { type: Date },
    snapshotAfter: { type: Schema.Types.ObjectId },
    startedAt: { type: Date },
    completedAt: { type: Date },
    deferredReason: { type: String },
    /** Set at snapshot when the audience selects on behaviour: recipients then need profiling consent too. */
    personalised: { type: Boolean },
    /** Recovery reads (asking the channel about rows of unknown outcome) failed in a row; sets the backoff. */
    recoveryFailures: { type: Number },
    /** When WeCom's send results were last pulled back into the delivery rows. */
    resultsSyncedAt: { type: Date },
    createdBy: { type: String },
  },
  { timestamps: true, minimize: false },
);
campaignSchema.index({ tenantId: 1, createdAt: -1 });
campaignSchema.index({ status: 1, startAt: 1 });
campaignSchema.index({ status: 1, nextDispatchAt: 1 });
export const CampaignModel = mongoose.model('BroadcastCampaign', campaignSchema, 'broadcast_campaigns');
/**
 * A campaign as `.lean<CampaignDoc>()` reads it. Written out rather than inferred: mongoose types the
 * lean `variants` as a DocumentArray, which two queries of the same model do not even agree on.
 */
/** A row the send judges: a delivery row, or the one the reach count would write. */
export type JudgedRow = { _id: unknown; customerId: Types.ObjectId; variant?: string | null };
export interface CampaignDoc {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  segmentId?: Types.ObjectId | null;
  chatIds?: string[] | null;
  roomIds?: string[] | null;
  channel: string;
  /** Validated whole by createCampaignSchema before it is stored. */
  variants: Array<{ key: string; weight: number; content: unknown }>;
  holdoutPercent: number;
  attributionDays: number;
  schedule?: { kind?: 'now' | 'at' | 'recurring' | null; at?: Date | null; everyDays?: number | null } | null;
  window?: { start?: string | null; end?: string | null; timezone?: string | null } | null;
  status: 'draft' | 'scheduled' | 'snapshotting' | 'sending' | 'paused' | 'completed' | 'cancelled';
  occurrence: number;
  startAt?: Date | null;
  nextDispatchAt?: Date | null;
  snapshotAfter?: Types.ObjectId | null;
  startedAt?: Date | null;
  completedAt?: Date | null;
  deferredReason?: string | null;
  personalised?: boolean | null;
  recoveryFailures?: number | null;
  resultsSyncedAt?: Date | null;
  createdBy?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One row per recipient per run: the unique (campaign, occurrence, customer) key is what makes a
 * resumed or duplicated snapshot add nobody twice. A row moves pending → sending (leased to one
 * worker) → sent | failed | skipped(reason); holdout rows are never sent and measure conversion.
 */
const deliverySchema = new Schema({
  tenantId: { type: String, required: true },
  campaignId: { type: Schema.Types.ObjectId, required: true },
  occurrence: { type: Number, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  variant: { type: String },
  state: { type: String, enum: ['pending', 'sending', 'sent', 'failed', 'skipped', 'holdout'], default: 'pending' },
  reason: { type: String },
  claim: { type: String },
  leaseUntil: { type: Date },
  sendingSince: { type: Date },
  attempts: { type: Number, default: 0 },
  address: { type: Schema.Types.Mixed },
  providerRef: { type: String },
  /** After sent: awaiting_confirmation | delivered | not_a_contact | recipient_limit (from the channel's results). */
  providerStatus: { type: String },
  sentAt: { type: Date },
  /** The text this recipient was sent when the content had placeholders (placeholders.ts), written before the send. */
  personal: { text: { type: String }, title: { type: String }, desc: { type: String } },
});
deliverySchema.index({ campaignId: 1, occurrence: 1, customerId: 1 }, { unique: true });
deliverySchema.index({ campaignId: 1, state: 1, leaseUntil: 1 });
deliverySchema.index({ tenantId: 1, customerId: 1, sentAt: -1 });
export const DeliveryModel = mongoose.model('BroadcastDelivery', deliverySchema, 'broadcast_deliveries');
export type DeliveryDoc = LeanDoc<typeof DeliveryModel>;

/**
 * Frequency-cap slots: a customer has `cap` slots per day and per month. A send claims one slot of
 * each by inserting a row; the unique indexes make two campaigns unable to take the same slot, and a
 * campaign unable to take two.
 */
const touchSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  period: { type: String, required: true },
  slot: { type: Number, required: true },
  campaignKey: { type: String, required: true },
  at: { type: Date, required: true },
});
touchSchema.index({ tenantId: 1, customerId: 1, period: 1, slot: 1 }, { unique: true });
touchSchema.index({ tenantId: 1, customerId: 1, period: 1, campaignKey: 1 }, { unique: true });
export const TouchModel = mongoose.model('BroadcastTouch', touchSchema, 'broadcast_touches');

/**
 * One row per customer group per run of a group campaign (wecom_group_chat; bot_room, where chatId is
 * the room id and sender the bot account), with the same states as
 * a delivery row; the unique (campaign, occurrence, chat) key keeps a resumed snapshot from adding a
 * group twice. `sender` is the group's owner, who sends (and confirms) the message in WeCom.
 */
const groupDeliverySchema = new Schema({
  tenantId: { type: String, required: true },
  campaignId: { type: Schema.Types.ObjectId, required: true },
  occurrence: { type: Number, required: true },
  chatId: { type: String, required: true },
  sender: { type: String },
  state: { type: String, enum: ['pending', 'sending', 'sent', 'failed', 'skipped'], default: 'pending' },
  reason: { type: String },
  claim: { type: String },
  leaseUntil: { type: Date },
  sendingSince: { type: Date },
  attempts: { type: Number, default: 0 },
  providerRef: { type: String },
  providerStatus: { type: String },
  sentAt: { type: Date },
});
groupDeliverySchema.index({ campaignId: 1, occurrence: 1, chatId: 1 }, { unique: true });
groupDeliverySchema.index({ campaignId: 1, state: 1, leaseUntil: 1 });
export const GroupDeliveryModel = mongoose.model('BroadcastGroupDelivery', groupDeliverySchema, 'broadcast_group_deliveries');
export type GroupDeliveryDoc = LeanDoc<typeof GroupDeliveryModel>;

/** Customers who asked for no marketing (replied TD, unsubscribed, told staff). */
const optOutSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  source: { type: String, required: true },
  at: { type: Date, required: true },
});
optOutSchema.index({ tenantId: 1, customerId: 1 }, { unique: true });
export const OptOutModel = mongoose.model('BroadcastOptOut', optOutSchema, 'broadcast_opt_outs');
