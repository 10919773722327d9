import mongoose, { Schema } from 'mongoose';

/** How many entry ids `recent` keeps: far more than a member moves in the minute before repair runs. */
export const RECENT_KEEP = 200;

/**
 * A loyalty member: one per customer (unique). `balance` is changed only by the points ledger, in the
 * same atomic update that lists the entry id in `recent` (how a crashed half-write is recognised),
 * and bumps `ver` (so expiry can detect a concurrent change). `earnedTotal` is the sum of all credits.
 */
const tierChangeSchema = new Schema(
  { from: String, to: { type: String, required: true }, at: { type: Date, required: true }, reason: String, growth: Number },
  { _id: false },
);

const memberSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    memberNo: { type: String, required: true },
    joinedAt: { type: Date, required: true },
    joinSource: { type: String, default: 'shopper' },
    consentAt: { type: Date },
    balance: { type: Number, default: 0 },
    earnedTotal: { type: Number, default: 0 },
    ver: { type: Number, default: 0 },
    recent: { type: [Schema.Types.ObjectId], default: [] },
    /** The earliest expiry among this member's lots that may still hold points (the expiry job's index). */
    nextExpiryAt: { type: Date },
    tier: { type: String, required: true },
    tierSince: { type: Date, required: true },
    /** When the growth value first fell below the current tier; the downgrade waits a grace period. */
    belowSince: { type: Date },
    tierHistory: { type: [tierChangeSchema], default: [] },
    status: { type: String, enum: ['active', 'merged'], default: 'active' },
  },
  { timestamps: true, minimize: false },
);
memberSchema.index({ tenantId: 1, customerId: 1 }, { unique: true });
memberSchema.index({ tenantId: 1, memberNo: 1 }, { unique: true });
memberSchema.index({ tenantId: 1, tier: 1 });
memberSchema.index({ nextExpiryAt: 1 }, { partialFilterExpression: { nextExpiryAt: { $exists: true } } });
export const MemberModel = mongoose.model('LoyaltyMember', memberSchema, 'loyalty_members');

/** Sequence counters (member numbers). */
const counterSchema = new Schema({ tenantId: { type: String, required: true }, name: { type: String, required: true }, seq: { type: Number, default: 0 } });
counterSchema.index({ tenantId: 1, name: 1 }, { unique: true });
export const LoyaltyCounterModel = mongoose.model('LoyaltyCounter', counterSchema, 'loyalty_counters');

/**
 * Growth value movements: + paid amount on order.paid, − refunded amount on order.refunded, keyed by
 * the event (unique), so a re-run hook counts once. Tier = sum over the rolling window.
 */
const growthSchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  key: { type: String, required: true },
  orderId: { type: String },
  amount: { type: Number, required: true },
  at: { type: Date, required: true },
});
growthSchema.index({ tenantId: 1, key: 1 }, { unique: true });
growthSchema.index({ tenantId: 1, customerId: 1, at: -1 });
growthSchema.index({ tenantId: 1, orderId: 1 });
export const GrowthModel = mongoose.model('LoyaltyGrowth', growthSchema, 'loyalty_growth');

/** Per customer per local day: points granted from orders, for the daily cap; `grants` makes it idempotent. */
const earnDaySchema = new Schema({
  tenantId: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  day: { type: String, required: true },
  points: { type: Number, default: 0 },
  grants: { type: [{ _id: false, key: String, points: Number }], default: [] },
});
earnDaySchema.index({ tenantId: 1, customerId: 1, day: 1 }, { unique: true });
export const EarnDayModel = mongoose.model('LoyaltyEarnDay', earnDaySchema, 'loyalty_earn_days');
