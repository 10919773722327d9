import mongoose, { Schema } from 'mongoose';

/**
 * A tenant's loyalty programme: tiers, earn rules, expiry and tier-window settings. One document per
 * tenant (unique), created with defaults the first time the tenant touches loyalty.
 */
const tierSchema = new Schema(
  {
    code: { type: String, required: true },
    name: { type: String, required: true },
    /** Growth value (fen paid minus refunded in the rolling window) needed to hold this tier. */
    threshold: { type: Number, required: true },
    /** Points multiplier in per-mille: 1000 = ×1.0, 1500 = ×1.5. */
    multiplierPermille: { type: Number, required: true },
    birthdayPoints: { type: Number, default: 0 },
    birthdayTemplateId: { type: String },
    perks: { type: [String], default: [] },
  },
  { _id: false },
);

const settingsSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    tiers: { type: [tierSchema], default: [] },
    earn: {
      pointsPerYuan: { type: Number, default: 1 },
      dailyCap: { type: Number, default: 0 },
      checkInPoints: { type: Number, default: 5 },
    },
    expiry: {
      kind: { type: String, enum: ['year-end', 'days'], default: 'year-end' },
      yearsAfter: { type: Number, default: 1 },
      days: { type: Number, default: 365 },
      remindDays: { type: Number, default: 30 },
    },
    growth: {
      windowDays: { type: Number, default: 365 },
      downgradeGraceDays: { type: Number, default: 30 },
    },
    /** The shoppers' local day boundary, minutes east of UTC (China: 480). */
    utcOffsetMinutes: { type: Number, default: 480 },
  },
  { timestamps: true, minimize: false },
);
settingsSchema.index({ tenantId: 1 }, { unique: true });

export const LoyaltySettingsModel = mongoose.model('LoyaltySettings', settingsSchema, 'loyalty_settings');
