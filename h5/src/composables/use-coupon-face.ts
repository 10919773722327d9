import { formatFen } from './use-format';
import { lang } from './use-i18n';
import type { CouponFace } from '../api/member';

/** What a coupon is worth, in words: amounts from fen, discounts from tenths of 折. */
export function couponValue(c: CouponFace): string {
  const en = lang.value === 'en';
  switch (c.kind) {
    case 'amount':
      return formatFen(c.amountOff);
    case 'percent':
      return en ? `${100 - c.discountTenths}% off` : `${c.discountTenths / 10}折`;
    case 'shipping':
      return en ? 'Free shipping' : '免运费';
    default:
      return c.giftName ?? (en ? 'Gift' : '赠品');
  }
}

export function couponCondition(c: CouponFace): string {
  const en = lang.value === 'en';
  const parts: string[] = [];
  parts.push(c.threshold > 0 ? (en ? `Orders over ${formatFen(c.threshold)}` : `满${formatFen(c.threshold)}可用`) : en ? 'No minimum' : '无门槛');
  if (c.kind === 'percent' && c.maxOff > 0) parts.push(en ? `up to ${formatFen(c.maxOff)}` : `最多减${formatFen(c.maxOff)}`);
  return parts.join(' · ');
}
