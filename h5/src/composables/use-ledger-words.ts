import type { LedgerEntry } from '../api/member';
import { t } from './use-i18n';
import { formatNumber } from './use-format';

/**
 * A points entry in the shopper's words, from its structured fields (source, type, couponName,
 * shortfall): "兑换优惠券「满100减10」", "每日签到", "订单支付奖励" — never an order id or the stored
 * reason, which is written for staff and machines. A staff adjustment shows the reason staff gave
 * for the member to read.
 */
export function ledgerTitle(e: LedgerEntry): string {
  const short = e.shortfall ? t('member.ledger.shortfall', { n: formatNumber(e.shortfall) }) : '';
  switch (e.source) {
    case 'order':
      return t('member.ledger.order');
    case 'refund':
      return t('member.ledger.refund') + short;
    case 'check-in':
      return t('member.ledger.checkIn');
    case 'exchange':
      return e.couponName ? t('member.ledger.exchangeNamed', { name: e.couponName }) : t('member.ledger.exchange');
    case 'birthday':
      return t('member.ledger.birthday');
    case 'expiry':
      return t('member.ledger.expire');
    case 'merge':
      return t('member.ledger.merge');
    case 'manual':
      return e.reason || t(`member.ledger.${e.type}`);
    default:
      return t(`member.ledger.${e.type}`) + short;
  }
}
