import mongoose, { Schema } from 'mongoose';

/**
 * A shopper states their birthday once (the birthday gift must not be re-triggered by editing it):
 * unique per customer, written before the profile, so a repeat or a race keeps the first answer and a
 * crash in between is finished by the next call.
 */
const claimSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  month: { type: Number, required: true },
  day: { type: Number, required: true },
  at: { type: Date, required: true },
});
claimSchema.index({ tenantId: 1, customerId: 1 }, { unique: true });
export const BirthdayClaimModel = mongoose.model('LoyaltyBirthdayClaim', claimSchema, 'loyalty_birthday_claims');
