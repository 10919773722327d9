import mongoose, { Schema } from 'mongoose';
import type { LeanDoc } from '../../shared/db.js';

export const ENTRY_TYPES = ['earn', 'spend', 'expire', 'reverse'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/**
 * The points ledger: append-only. `key` is the idempotency key (unique per tenant). `points` is the
 * signed change actually applied to the balance; `requested` what was asked for and `shortfall` what
 * could not be taken (a reversal larger than the balance). Credits carry `expiresAt` (their lot).
 * `state` moves pending → applied (or void) exactly once; see points-ledger.service.ts.
 */
const entrySchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  key: { type: String, required: true },
  type: { type: String, enum: ENTRY_TYPES, required: true },
  points: { type: Number, required: true },
  requested: { type: Number, required: true },
  shortfall: { type: Number, default: 0 },
  state: { type: String, enum: ['pending', 'applied', 'void'], default: 'pending' },
  reason: { type: String, required: true },
  source: { type: String, required: true },
  operator: { type: String },
  orderId: { type: String },
  /** The coupon an exchange paid for, by the name the shopper chose it by (pages word the entry from it). */
  couponName: { type: String },
  balanceAfter: { type: Number },
  expiresAt: { type: Date },
  createdAt: { type: Date, required: true },
});
entrySchema.index({ tenantId: 1, key: 1 }, { unique: true });
entrySchema.index({ tenantId: 1, customerId: 1, createdAt: -1, _id: -1 });
entrySchema.index({ tenantId: 1, customerId: 1, type: 1, expiresAt: 1 });
entrySchema.index({ tenantId: 1, orderId: 1 });
entrySchema.index({ state: 1, createdAt: 1 }, { partialFilterExpression: { state: 'pending' } });
export const PointsEntryModel = mongoose.model('PointsEntry', entrySchema, 'loyalty_points_entries');
export type PointsEntryDoc = LeanDoc<typeof PointsEntryModel>;
