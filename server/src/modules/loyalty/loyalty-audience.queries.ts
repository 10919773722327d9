import type { Types } from 'mongoose';
import { MemberModel } from './member.model.js';
import { CouponModel } from './coupon.model.js';

/**
 * The loyalty questions an audience asks (segments' loyalty conditions), as customer-id sets. Read
 * only; the collections stay this module's.
 */
export class LoyaltyAudienceQueries {
  /** Active members, optionally only those in `tiers` or with a balance within `balance` (inclusive). */
  async activeMemberIds(tenantId: string, only: { tiers?: string[]; balance?: { min?: number; max?: number } } = {}): Promise<Types.ObjectId[]> {
    const filter: Record<string, unknown> = { tenantId, status: 'active' };
    if (only.tiers) filter.tier = { $in: only.tiers };
    if (only.balance) {
      const balance: Record<string, number> = {};
      if (only.balance.min !== undefined) balance.$gte = only.balance.min;
      if (only.balance.max !== undefined) balance.$lte = only.balance.max;
      filter.balance = balance;
    }
    return (await MemberModel.distinct('customerId', filter)) as Types.ObjectId[];
  }

  /** Customers holding a coupon they can still use at `now`. */
  async couponHolderIds(tenantId: string, now: Date): Promise<Types.ObjectId[]> {
    return (await CouponModel.distinct('customerId', { tenantId, state: 'available', validTo: { $gt: now } })) as Types.ObjectId[];
  }
}
