import mongoose, { Schema } from 'mongoose';
import type { LeanDoc } from '../../shared/db.js';

export const IDENTITY_TYPES = ['externalUserId', 'unionId', 'openId', 'phone', 'shopMemberId', 'wechatyContactId'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/** What callers may set on a profile; identities are set through identify(), not here. */
export interface CustomerAttributes {
  name?: string;
  gender?: 'male' | 'female' | 'unknown';
  birthday?: { month: number; day: number; year?: number };
  city?: string;
  remark?: string;
  avatar?: string;
  sourceChannel?: string;
  ownerStaffId?: string;
}

const noteSchema = new Schema(
  { staffId: String, staffName: String, text: { type: String, required: true }, at: { type: Date, required: true } },
  { _id: true },
);

const customerSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    status: { type: String, enum: ['active', 'merged', 'erased'], default: 'active' },
    mergedInto: { type: Schema.Types.ObjectId },
    /** Bumped when the shopper signs out or is erased: tokens carrying an older version are refused. */
    sessionVersion: { type: Number, default: 0 },
    name: { type: String },
    gender: { type: String, enum: ['male', 'female', 'unknown'], default: 'unknown' },
    birthday: { month: Number, day: Number, year: Number },
    city: { type: String },
    phone: { type: String },
    remark: { type: String },
    avatar: { type: String },
    sourceChannel: { type: String, default: 'unknown' },
    ownerStaffId: { type: String },
    followerStaffIds: { type: [String], default: [] },
    tags: { type: [String], default: [] },
    identities: { type: [{ _id: false, type: { type: String }, value: String, appId: String }], default: [] },
    notes: { type: [noteSchema], default: [] },
    /** RFM inputs, updated atomically by the events module; money in fen. */
    aggregates: {
      firstOrderAt: Date,
      lastOrderAt: Date,
      orderCount: { type: Number, default: 0 },
      totalPaid: { type: Number, default: 0 },
      refundCount: { type: Number, default: 0 },
      refundedAmount: { type: Number, default: 0 },
      lastActiveAt: Date,
    },
    /** Relation with WeCom (maintained by the WeCom adapter). */
    wecom: { relation: { type: String, enum: ['none', 'active', 'lost'], default: 'none' }, addedAt: Date, lostAt: Date },
    rfm: { type: Schema.Types.Mixed },
    consents: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, minimize: false },
);
// The 客户 table's sorts (customer.service.ts CUSTOMER_SORTS, ties broken by _id so pages never
// overlap): each an index that hands the first page in order, so MongoDB never sorts a million
// profiles in memory to show twenty. Read backwards, each serves the ascending sort too.
customerSchema.index({ tenantId: 1, status: 1, updatedAt: -1, _id: -1 });
customerSchema.index({ tenantId: 1, status: 1, createdAt: -1, _id: -1 });
customerSchema.index({ tenantId: 1, status: 1, 'aggregates.lastOrderAt': -1, _id: -1 });
customerSchema.index({ tenantId: 1, status: 1, 'aggregates.totalPaid': -1, _id: -1 });
customerSchema.index({ tenantId: 1, status: 1, 'aggregates.orderCount': -1, _id: -1 });
customerSchema.index({ tenantId: 1, tags: 1 });
customerSchema.index({ tenantId: 1, ownerStaffId: 1 });
customerSchema.index({ tenantId: 1, phone: 1 });
customerSchema.index({ tenantId: 1, name: 1 });
customerSchema.index({ tenantId: 1, 'aggregates.lastOrderAt': -1 });
// Audience conditions (segments module) and the birthday/churn journeys select on these.
customerSchema.index({ tenantId: 1, 'rfm.class': 1 });
// The 客户 table opened from a cell of the R×F heatmap.
customerSchema.index({ tenantId: 1, 'rfm.r': 1, 'rfm.f': 1 });
customerSchema.index({ tenantId: 1, 'rfm.churn.state': 1, 'rfm.churn.dueAt': 1 });
customerSchema.index({ tenantId: 1, 'birthday.month': 1, 'birthday.day': 1 });
customerSchema.index({ tenantId: 1, 'wecom.relation': 1 });
customerSchema.index({ tenantId: 1, 'aggregates.totalPaid': -1 });

export const CustomerModel = mongoose.model('Customer', customerSchema, 'customers');
export type CustomerDoc = LeanDoc<typeof CustomerModel>;

/** One row per identity; the unique index is what makes "one person, one profile" hold under races. */
const identitySchema = new Schema(
  {
    tenantId: { type: String, required: true },
    type: { type: String, enum: IDENTITY_TYPES, required: true },
    key: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true },
);
identitySchema.index({ tenantId: 1, type: 1, key: 1 }, { unique: true });
identitySchema.index({ tenantId: 1, key: 1 });
identitySchema.index({ customerId: 1 });
export const IdentityModel = mongoose.model('CustomerIdentity', identitySchema, 'customer_identities');

/** The record of two profiles found to be one person: what was merged into what, and why. */
const mergeSchema = new Schema({
  tenantId: { type: String, required: true },
  fromId: { type: Schema.Types.ObjectId, required: true },
  toId: { type: Schema.Types.ObjectId, required: true },
  reason: { type: String, required: true },
  at: { type: Date, required: true },
  snapshot: { type: Schema.Types.Mixed },
});
mergeSchema.index({ tenantId: 1, fromId: 1 }, { unique: true });
mergeSchema.index({ tenantId: 1, toId: 1 });
export const MergeModel = mongoose.model('CustomerMerge', mergeSchema, 'customer_merges');
