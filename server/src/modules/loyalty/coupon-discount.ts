/**
 * What a coupon takes off an order, in fen, so the shop platform and the till charge the same:
 * - amount: `amountOff`, never more than the order;
 * - percent: the order × (100 − discountTenths)% rounded DOWN to the fen, capped at `maxOff` (0 = no cap);
 * - shipping: the order's shipping fee (0 when none is given);
 * - gift: nothing off the price; the gift is named.
 * Integer arithmetic only: 8.5折 on ¥99.99 takes off ¥14.99 (1499 fen), never a rounded-up 1500.
 */
export interface DiscountTemplate {
  kind: 'amount' | 'percent' | 'shipping' | 'gift' | string;
  amountOff?: number | null;
  discountTenths?: number | null;
  maxOff?: number | null;
  giftName?: string | null;
}

export interface Discount {
  /** Fen taken off the order (goods or shipping). */
  discount: number;
  freeShipping: boolean;
  gift: string | null;
}

export function couponDiscount(t: DiscountTemplate, orderAmount = 0, shippingFee = 0): Discount {
  switch (t.kind) {
    case 'amount':
      return { discount: Math.min(t.amountOff ?? 0, Math.max(0, orderAmount)), freeShipping: false, gift: null };
    case 'percent': {
      const off = Math.floor((Math.max(0, orderAmount) * (100 - (t.discountTenths ?? 100))) / 100);
      const cap = t.maxOff ?? 0;
      return { discount: cap > 0 ? Math.min(off, cap) : off, freeShipping: false, gift: null };
    }
    case 'shipping':
      return { discount: Math.max(0, shippingFee), freeShipping: true, gift: null };
    default:
      return { discount: 0, freeShipping: false, gift: t.giftName ?? null };
  }
}
