import mongoose, { Schema } from 'mongoose';

/**
 * What a shopper agreed to inside the mini-app, one row per (customer, kind), kept with when and under
 * which policy text, so a later audit can show the consent behind a bound phone number.
 */
const consentSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  kind: { type: String, enum: ['phone'], required: true },
  policyVersion: { type: String, required: true },
  consentedAt: { type: Date, required: true },
});
consentSchema.index({ tenantId: 1, customerId: 1, kind: 1 }, { unique: true });
export const MiniappConsentModel = mongoose.model('MiniappConsent', consentSchema, 'miniapp_consents');

export const REMINDER_KINDS = ['coupon_expiry', 'points_expiry'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/**
 * One accepted `wx.requestSubscribeMessage` = one message WeChat lets us send (a one-time
 * subscription). `grantKey` makes a retried report of the same acceptance count once. A reminder job
 * claims an available row for one thing to remind about (`remindKey`, unique per customer, so the same
 * coupon or expiry date is never announced twice), then sends and records the outcome.
 */
const subscriptionSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  openId: { type: String, required: true },
  kind: { type: String, enum: REMINDER_KINDS, required: true },
  templateId: { type: String, required: true },
  grantKey: { type: String, required: true },
  state: { type: String, enum: ['available', 'sending', 'sent', 'refused', 'failed'], default: 'available' },
  grantedAt: { type: Date, required: true },
  remindKey: { type: String },
  leaseUntil: { type: Date },
  sentAt: { type: Date },
  msgid: { type: String },
  error: { type: String },
});
subscriptionSchema.index({ tenantId: 1, grantKey: 1 }, { unique: true });
subscriptionSchema.index({ tenantId: 1, customerId: 1, remindKey: 1 }, { unique: true, partialFilterExpression: { remindKey: { $type: 'string' } } });
subscriptionSchema.index({ state: 1, kind: 1 });
export const MiniappSubscriptionModel = mongoose.model('MiniappSubscription', subscriptionSchema, 'miniapp_subscriptions');
