import mongoose, { Schema } from 'mongoose';
import type { LeanDoc } from '../../shared/db.js';

export const COUPON_KINDS = ['amount', 'percent', 'shipping', 'gift'] as const;
export const COUPON_CHANNELS = ['exchange', 'campaign', 'staff', 'welcome'] as const;
export const COUPON_STATES = ['pending', 'available', 'used', 'expired', 'revoked'] as const;

/**
 * A coupon template. `issued` counts coupons handed out and only moves by a conditional `$inc`
 * (`issued < stock`), so stock is never oversold; a failed issue gives its unit back.
 */
const templateSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    kind: { type: String, enum: COUPON_KINDS, required: true },
    /** amount: fen off; threshold: minimum order in fen (0 = none). */
    amountOff: { type: Number, default: 0 },
    threshold: { type: Number, default: 0 },
    /** percent: the price paid in tenths of 折, e.g. 85 = 8.5折 (15% off); capped at `maxOff` fen (0 = no cap). */
    discountTenths: { type: Number, default: 0 },
    maxOff: { type: Number, default: 0 },
    giftName: { type: String },
    validity: {
      kind: { type: String, enum: ['fixed', 'relative'], required: true },
      from: Date,
      to: Date,
      days: Number,
    },
    stock: { type: Number, required: true },
    issued: { type: Number, default: 0 },
    perCustomerLimit: { type: Number, default: 1 },
    channels: { type: [String], default: [] },
    /** Exchange catalogue price in points (channel 'exchange'). */
    pointsCost: { type: Number, default: 0 },
    /** Lowest tier code that may claim it (tier-exclusive coupons); unset = everyone. */
    minTier: { type: String },
    allowUnredeem: { type: Boolean, default: true },
    active: { type: Boolean, default: true },
  },
  { timestamps: true },
);
templateSchema.index({ tenantId: 1, active: 1, channels: 1 });
export const CouponTemplateModel = mongoose.model('CouponTemplate', templateSchema, 'loyalty_coupon_templates');
export type CouponTemplateDoc = LeanDoc<typeof CouponTemplateModel>;

/**
 * An issued coupon. `issueKey` makes issuing idempotent; `(templateId, customerId, seq)` unique with
 * `seq <= perCustomerLimit` makes the per-customer limit hold under concurrent claims.
 */
const couponSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    templateId: { type: Schema.Types.ObjectId, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    code: { type: String, required: true },
    issueKey: { type: String, required: true },
    channel: { type: String, enum: COUPON_CHANNELS, required: true },
    state: { type: String, enum: COUPON_STATES, default: 'pending' },
    validFrom: { type: Date, required: true },
    validTo: { type: Date, required: true },
    issuedAt: { type: Date, required: true },
    issuedBy: { type: String },
    batchId: { type: Schema.Types.ObjectId },
    pointsCost: { type: Number, default: 0 },
    usedAt: { type: Date },
    orderId: { type: String },
    redeemedBy: { type: String },
    revokedAt: { type: Date },
  },
  { timestamps: true },
);
couponSchema.index({ tenantId: 1, code: 1 }, { unique: true });
couponSchema.index({ tenantId: 1, issueKey: 1 }, { unique: true });
couponSchema.index({ tenantId: 1, templateId: 1, customerId: 1, seq: 1 }, { unique: true });
couponSchema.index({ tenantId: 1, customerId: 1, state: 1, validTo: 1 });
couponSchema.index({ tenantId: 1, orderId: 1 });
couponSchema.index({ tenantId: 1, batchId: 1 });
couponSchema.index({ state: 1, validTo: 1 });
export const CouponModel = mongoose.model('Coupon', couponSchema, 'loyalty_coupons');
export type CouponDoc = LeanDoc<typeof CouponModel>;

/** A bulk issue to many customers, run by a job; `cursor` is how far it got, so a restart resumes. */
const batchSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    templateId: { type: Schema.Types.ObjectId, required: true },
    /** The segment the recipients came from, when issued to a segment (its members as of the request). */
    segmentId: { type: Schema.Types.ObjectId },
    customerIds: { type: [String], default: [] },
    total: { type: Number },
    cursor: { type: Number, default: 0 },
    state: { type: String, enum: ['queued', 'running', 'done'], default: 'queued' },
    issued: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    failures: { type: [{ _id: false, customerId: String, reason: String }], default: [] },
    createdBy: { type: String },
  },
  { timestamps: true },
);
batchSchema.index({ tenantId: 1, createdAt: -1 });
export const CouponBatchModel = mongoose.model('CouponBatch', batchSchema, 'loyalty_coupon_batches');
export type CouponBatchDoc = LeanDoc<typeof CouponBatchModel>;
