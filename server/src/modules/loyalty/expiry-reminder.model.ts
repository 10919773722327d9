import mongoose, { Schema } from 'mongoose';

/**
 * One "your points expire soon" reminder per member per lot date (unique), so the hourly job announces
 * each expiring lot once. `state` pending → sent: a crash between saving and announcing leaves a
 * pending row that the next run announces (at least once; hook handlers are idempotent).
 */
const reminderSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  /** The lot's expiry instant (UTC) and the shopper's local date shown to them. */
  expiresAt: { type: Date, required: true },
  date: { type: String, required: true },
  points: { type: Number, required: true },
  state: { type: String, enum: ['pending', 'sent'], default: 'pending' },
  createdAt: { type: Date, required: true },
});
reminderSchema.index({ tenantId: 1, customerId: 1, expiresAt: 1 }, { unique: true });
reminderSchema.index({ state: 1, createdAt: 1 });
export const ExpiryReminderModel = mongoose.model('LoyaltyExpiryReminder', reminderSchema, 'loyalty_expiry_reminders');
