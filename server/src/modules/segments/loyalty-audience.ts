import { Types } from 'mongoose';
import { MemberModel } from '../loyalty/member.model.js';
import { CouponModel } from '../loyalty/coupon.model.js';
import { loyaltyKey, type LoyaltyCondition } from './audience.schema.js';

/**
 * Resolves loyalty conditions to customer-id sets. Read-only on the loyalty collections (the loyalty
 * module stays the only writer), the same way segments read `customers`: an audience is a query, and
 * a port per question would only add a layer. Each distinct part is resolved once per compile.
 */
export async function resolveLoyalty(tenantId: string, conditions: LoyaltyCondition[], now: Date, into: Map<string, Types.ObjectId[]>): Promise<void> {
  const ids = async (filter: Record<string, unknown>) => (await MemberModel.distinct('customerId', filter)) as Types.ObjectId[];
  for (const c of conditions) {
    const members: Record<string, unknown> = { tenantId, status: 'active' };
    if (c.member !== undefined && !into.has(loyaltyKey(c, 'member'))) {
      into.set(loyaltyKey(c, 'member'), await ids(members));
    }
    if (c.tiers && !into.has(loyaltyKey(c, 'tiers'))) {
      into.set(loyaltyKey(c, 'tiers'), await ids({ ...members, tier: { $in: c.tiers } }));
    }
    if (c.points && !into.has(loyaltyKey(c, 'points'))) {
      const balance: Record<string, number> = {};
      if (c.points.min !== undefined) balance.$gte = c.points.min;
      if (c.points.max !== undefined) balance.$lte = c.points.max;
      into.set(loyaltyKey(c, 'points'), await ids({ ...members, balance }));
    }
    if (c.coupon && !into.has(loyaltyKey(c, 'coupon'))) {
      const holders = await CouponModel.distinct('customerId', { tenantId, state: 'available', validTo: { $gt: now } });
      into.set(loyaltyKey(c, 'coupon'), holders as Types.ObjectId[]);
    }
  }
}
