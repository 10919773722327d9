import mongoose, { Schema } from 'mongoose';

export const CONSENT_PURPOSES = ['marketing', 'profiling'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
export const CONSENT_CHANNELS = ['h5', 'miniapp', 'wecom', 'bot', 'store', 'staff', 'import'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/**
 * A customer's current choice per purpose (PIPL art. 14: consent is specific and can be withdrawn),
 * with when and through which channel it was given. One row per customer and purpose; every change
 * is also appended to `history`, so what was agreed at any time can be shown.
 */
const consentSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  purpose: { type: String, enum: CONSENT_PURPOSES, required: true },
  granted: { type: Boolean, required: true },
  at: { type: Date, required: true },
  channel: { type: String, enum: CONSENT_CHANNELS, required: true },
  actor: { type: String, required: true },
  /** The version of the consent text (consent-texts.ts) the person was shown when choosing. */
  version: { type: String },
  history: { type: [{ _id: false, granted: Boolean, at: Date, channel: String, actor: String, version: String }], default: [] },
});
consentSchema.index({ tenantId: 1, customerId: 1, purpose: 1 }, { unique: true });
export const ConsentModel = mongoose.model('PrivacyConsent', consentSchema, 'privacy_consents');

/**
 * One row per erased customer: the idempotency key of an erasure (a repeated request answers with the
 * same row) and the proof that it happened. It holds only opaque ids and counts, never the erased values.
 */
const erasureSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  status: { type: String, enum: ['running', 'done'], required: true },
  requestedBy: { type: String, required: true },
  requestedAt: { type: Date, required: true },
  doneAt: { type: Date },
  profiles: { type: Number, default: 0 },
  /** Every profile erased with it (those merged into it), so a request naming any of them is answered. */
  profileIds: { type: [Schema.Types.ObjectId], default: [] },
  counts: { type: Schema.Types.Mixed, default: {} },
  /**
   * The WeCom part (corp tags off the contact, remark cleared): how many relations were done, and the
   * ones WeCom did not take yet — with the external_userid they need, deleted once done (erasure-wecom.service.ts).
   */
  wecom: { type: Schema.Types.Mixed, default: undefined },
  /** How many WeCom relations are still to erase; the retry job looks for > 0. */
  wecomPending: { type: Number, default: 0 },
});
erasureSchema.index({ tenantId: 1, customerId: 1 }, { unique: true });
erasureSchema.index({ wecomPending: 1 });
erasureSchema.index({ tenantId: 1, profileIds: 1 });
export const ErasureModel = mongoose.model('PrivacyErasure', erasureSchema, 'privacy_erasures');
