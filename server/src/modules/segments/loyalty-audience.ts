import type { Types } from 'mongoose';
import type { LoyaltyAudienceQueries } from '../loyalty/loyalty-audience.queries.js';
import { loyaltyKey, type LoyaltyCondition } from './audience.schema.js';

/**
 * Resolves loyalty conditions to customer-id sets through the loyalty module's audience queries (it
 * stays the only reader and writer of its collections). Each distinct part is resolved once per compile.
 */
export async function resolveLoyalty(
  loyalty: LoyaltyAudienceQueries,
  tenantId: string,
  conditions: LoyaltyCondition[],
  now: Date,
  into: Map<string, Types.ObjectId[]>,
): Promise<void> {
  for (const c of conditions) {
    if (c.member !== undefined && !into.has(loyaltyKey(c, 'member'))) {
      into.set(loyaltyKey(c, 'member'), await loyalty.activeMemberIds(tenantId));
    }
    if (c.tiers && !into.has(loyaltyKey(c, 'tiers'))) {
      into.set(loyaltyKey(c, 'tiers'), await loyalty.activeMemberIds(tenantId, { tiers: c.tiers }));
    }
    if (c.points && !into.has(loyaltyKey(c, 'points'))) {
      into.set(loyaltyKey(c, 'points'), await loyalty.activeMemberIds(tenantId, { balance: c.points }));
    }
    if (c.coupon && !into.has(loyaltyKey(c, 'coupon'))) {
      into.set(loyaltyKey(c, 'coupon'), await loyalty.couponHolderIds(tenantId, now));
    }
  }
}
