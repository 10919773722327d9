import type { Deps } from '../../shared/deps.js';
import { notFound } from '../../shared/app-error.js';
import type { ShopperCache } from '../../shared/cache/shopper-cache.js';
import { CouponModel, CouponTemplateModel } from './coupon.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import { couponView } from './coupon.view.js';
import { couponDiscount } from './coupon-discount.js';

/** A coupon by its code, and the ways it stops being available: redeemed (核销), given back, revoked. */
export class CouponRedeemService {
  constructor(
    private readonly deps: Deps,
    private readonly cache: ShopperCache,
  ) {}

  async getByCode(tenantId: string, code: string) {
    const c = await CouponModel.findOne({ tenantId, code: code.trim().toUpperCase() }).lean();
    if (!c || c.state === 'pending') throw notFound('Coupon');
    return c;
  }

  /**
   * Redeems (核销) a coupon once: a conditional update from `available` to `used`. Redeeming again for
   * the same order answers with the same coupon (the shop platform retries); otherwise 409.
   */
  async redeem(tenantId: string, code: string, by: { orderId?: string; orderAmount?: number; shippingFee?: number; redeemedBy: string; customerId?: string }) {
    const c = await this.redeemOnce(tenantId, code, by);
    // What the coupon takes off this order, so the till and the shop platform charge the same.
    const t = await CouponTemplateModel.findOne({ tenantId, _id: c.templateId }).lean();
    return { ...c, ...(t ? couponDiscount(t, by.orderAmount ?? 0, by.shippingFee ?? 0) : { discount: 0, freeShipping: false, gift: null }) };
  }

  private async redeemOnce(tenantId: string, code: string, by: { orderId?: string; orderAmount?: number; redeemedBy: string; customerId?: string }) {
    const c = await this.getByCode(tenantId, code);
    const t = await CouponTemplateModel.findOne({ tenantId, _id: c.templateId }).lean();
    const now = this.deps.now();
    if (c.state === 'used' && by.orderId && c.orderId === by.orderId) return couponView(c, t ?? undefined, now);
    if (by.customerId && String(c.customerId) !== by.customerId)
      throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, 'This coupon belongs to another customer');
    if (t && by.orderAmount !== undefined && t.threshold > by.orderAmount) {
      throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, `This coupon needs an order of at least ${t.threshold} fen`);
    }
    const used = await CouponModel.findOneAndUpdate(
      { tenantId, _id: c._id, state: 'available', validFrom: { $lte: now }, validTo: { $gt: now } },
      { $set: { state: 'used', usedAt: now, orderId: by.orderId, redeemedBy: by.redeemedBy } },
      { returnDocument: 'after' },
    ).lean();
    if (used) {
      await this.cache.changed(tenantId, String(used.customerId));
      return couponView(used, t ?? undefined, now);
    }
    const fresh = (await CouponModel.findById(c._id).lean())!;
    if (fresh.state === 'used' && by.orderId && fresh.orderId === by.orderId) return couponView(fresh, t ?? undefined, now);
    const why =
      fresh.state === 'available'
        ? fresh.validFrom > now
          ? 'is not valid yet'
          : 'has expired'
        : fresh.state === 'used'
          ? 'was already used'
          : `is ${fresh.state}`;
    throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, `This coupon ${why}`, { state: fresh.state });
  }

  /** Gives coupons used on a refunded order back, where their template allows it. */
  async unredeemForOrder(tenantId: string, orderId: string): Promise<number> {
    const used = await CouponModel.find({ tenantId, orderId, state: 'used' }).lean();
    let n = 0;
    for (const c of used) {
      const t = await CouponTemplateModel.findOne({ tenantId, _id: c.templateId }).lean();
      if (!t?.allowUnredeem) continue;
      const res = await CouponModel.updateOne(
        { _id: c._id, state: 'used', orderId },
        { $set: { state: 'available' }, $unset: { usedAt: 1, orderId: 1, redeemedBy: 1 } },
      );
      if (res.modifiedCount) await this.cache.changed(tenantId, String(c.customerId));
      n += res.modifiedCount;
    }
    return n;
  }

  async revoke(tenantId: string, code: string, by: string) {
    const c = await this.getByCode(tenantId, code);
    const res = await CouponModel.findOneAndUpdate(
      { _id: c._id, state: 'available' },
      { $set: { state: 'revoked', revokedAt: this.deps.now(), redeemedBy: by } },
      { returnDocument: 'after' },
    ).lean();
    if (!res) throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, `Only an available coupon can be revoked; this one is ${c.state}`);
    await this.cache.changed(tenantId, String(res.customerId));
    return couponView(res);
  }
}
