import type { CouponDoc, CouponTemplateDoc } from './coupon.model.js';

/** The JSON shapes of templates and coupons. Money in fen, discounts in tenths of 折; pages format them. */
export const templateView = (t: CouponTemplateDoc) => ({
  id: String(t._id),
  name: t.name,
  description: t.description ?? '',
  kind: t.kind as 'amount' | 'percent' | 'shipping' | 'gift',
  amountOff: t.amountOff ?? 0,
  threshold: t.threshold ?? 0,
  discountTenths: t.discountTenths ?? 0,
  maxOff: t.maxOff ?? 0,
  giftName: t.giftName ?? undefined,
  validity: { kind: t.validity?.kind, from: t.validity?.from ?? undefined, to: t.validity?.to ?? undefined, days: t.validity?.days ?? undefined },
  stock: t.stock,
  issued: t.issued,
  remaining: Math.max(0, t.stock - t.issued),
  perCustomerLimit: t.perCustomerLimit,
  channels: t.channels ?? [],
  pointsCost: t.pointsCost ?? 0,
  minTier: t.minTier ?? undefined,
  allowUnredeem: !!t.allowUnredeem,
  active: !!t.active,
});

export const couponView = (c: CouponDoc, t?: CouponTemplateDoc, now?: Date) => ({
  id: String(c._id),
  code: c.code,
  templateId: String(c.templateId),
  customerId: String(c.customerId),
  // An available coupon past its end reads as expired even before the expiry job marks it.
  state: (c.state === 'available' && now && c.validTo <= now ? 'expired' : c.state) as 'available' | 'used' | 'expired' | 'revoked' | 'pending',
  channel: c.channel,
  validFrom: c.validFrom,
  validTo: c.validTo,
  issuedAt: c.issuedAt,
  usedAt: c.usedAt ?? undefined,
  orderId: c.orderId ?? undefined,
  pointsCost: c.pointsCost ?? 0,
  ...(t
    ? {
        name: t.name,
        kind: t.kind,
        amountOff: t.amountOff ?? 0,
        threshold: t.threshold ?? 0,
        discountTenths: t.discountTenths ?? 0,
        maxOff: t.maxOff ?? 0,
        giftName: t.giftName ?? undefined,
      }
    : {}),
});
