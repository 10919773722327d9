/** Money arrives in fen and points as integers; they are formatted only here, at render time. */

/** @param {number} fen */
function yuan(fen) {
  const v = (fen || 0) / 100;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** @param {number} n */
function number(n) {
  return String(n || 0).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** @param {string|Date} d → YYYY-MM-DD in China time */
function day(d) {
  const t = new Date(new Date(d).getTime() + 8 * 3600 * 1000);
  return t.toISOString().slice(0, 10);
}

/**
 * What a coupon gives, in words: ¥10 off over ¥100, 8.5折, free shipping, a gift.
 * @param {{ kind: string, amountOff?: number, threshold?: number, discountTenths?: number, maxOff?: number, giftName?: string }} c
 */
function couponFace(c) {
  const over = c.threshold ? `满${yuan(c.threshold)}元可用` : '无门槛';
  if (c.kind === 'amount') return { value: `¥${yuan(c.amountOff || 0)}`, rule: over };
  if (c.kind === 'percent') return { value: `${(c.discountTenths || 0) / 10}折`, rule: c.maxOff ? `${over}，最多减${yuan(c.maxOff)}元` : over };
  if (c.kind === 'shipping') return { value: '包邮', rule: over };
  return { value: '赠品', rule: c.giftName || over };
}

/** A fresh idempotency key for one intended action (an exchange, a subscription report). */
function newKey() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

module.exports = { yuan, number, day, couponFace, newKey };
