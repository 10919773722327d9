import { AppError } from '../../shared/app-error.js';

/**
 * What the desk needs from loyalty: the bot's `积分`/`签到`/`优惠券` commands and the `{points}`
 * canned-reply variable. Kept narrow so the bot does not depend on the loyalty module's internals.
 */
export interface LoyaltyPort {
  /** Null when the customer is not a member yet. */
  balance(tenantId: string, customerId: string): Promise<{ points: number; tier: string; tierCode: string } | null>;
  /** Once per day; `already` when today's check-in was done before. */
  checkIn(tenantId: string, customerId: string): Promise<{ already: boolean; points: number; balance: number }>;
  availableCoupons(tenantId: string, customerId: string): Promise<Array<{ name: string; validTo?: Date; code?: string }>>;
}

/** The loyalty module's service shape this port relies on (structural, so either side can move). */
export interface LoyaltyLike {
  summary(tenantId: string, customerId: string): Promise<{ balance?: number | null; tier: { code: string; name: string } }>;
  checkIn(tenantId: string, customerId: string): Promise<{ points: number; balance?: number | null }>;
  coupons: { listForCustomer(tenantId: string, customerId: string, state: 'available'): Promise<Array<{ name?: string; validTo?: Date; code?: string }>> };
}

export function loyaltyPort(loyalty: LoyaltyLike): LoyaltyPort {
  return {
    async balance(tenantId, customerId) {
      try {
        const s = await loyalty.summary(tenantId, customerId);
        return { points: s.balance ?? 0, tier: s.tier.name, tierCode: s.tier.code };
      } catch (err) {
        if (err instanceof AppError && err.status === 404) return null;
        throw err;
      }
    },
    async checkIn(tenantId, customerId) {
      try {
        const r = await loyalty.checkIn(tenantId, customerId);
        return { already: false, points: r.points, balance: r.balance ?? 0 };
      } catch (err) {
        if (!(err instanceof AppError) || err.status !== 409) throw err;
        const s = await loyalty.summary(tenantId, customerId);
        return { already: true, points: 0, balance: s.balance ?? 0 };
      }
    },
    async availableCoupons(tenantId, customerId) {
      const rows = await loyalty.coupons.listForCustomer(tenantId, customerId, 'available');
      return rows.map((r) => ({ name: r.name ?? '优惠券', validTo: r.validTo, code: r.code }));
    },
  };
}
