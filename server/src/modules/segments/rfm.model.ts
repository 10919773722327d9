import mongoose, { Schema } from 'mongoose';

/**
 * RFM history for trends. A customer's row is written on the day their scores change (one row per
 * customer per UTC day, unique, so a re-run overwrites rather than duplicates); a tenant's run row
 * keeps that night's cut points and class distribution.
 */
const historySchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  day: { type: String, required: true },
  r: Number,
  f: Number,
  m: Number,
  class: String,
  at: { type: Date, required: true },
});
historySchema.index({ tenantId: 1, customerId: 1, day: 1 }, { unique: true });
export const RfmHistoryModel = mongoose.model('RfmHistory', historySchema, 'rfm_history');

const runSchema = new Schema({
  tenantId: { type: String, required: true },
  day: { type: String, required: true },
  cuts: { r: [Number], f: [Number], m: [Number] },
  source: { type: String, enum: ['quintile', 'configured'] },
  distribution: { type: Schema.Types.Mixed, default: {} },
  scored: Number,
  at: { type: Date, required: true },
});
runSchema.index({ tenantId: 1, day: 1 }, { unique: true });
export const RfmRunModel = mongoose.model('RfmRun', runSchema, 'rfm_runs');

/** Per-tenant thresholds an admin configured; absent means quintiles of the tenant's buyers. */
const settingsSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    cuts: { r: [Number], f: [Number], m: [Number] },
  },
  { timestamps: true },
);
settingsSchema.index({ tenantId: 1 }, { unique: true });
export const RfmSettingsModel = mongoose.model('RfmSettings', settingsSchema, 'rfm_settings');
