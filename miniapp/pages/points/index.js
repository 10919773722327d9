const session = require('../../utils/session.js');
const { errorMessage } = require('../../utils/http.js');
const fmt = require('../../utils/format.js');

const TYPE = { earn: '获得积分', spend: '使用积分', expire: '积分过期', reverse: '积分冲回' };
const SOURCE = { order: '订单支付奖励', refund: '订单退款扣回', 'check-in': '每日签到', birthday: '生日礼遇', expiry: '积分过期', merge: '账户合并转入' };

/**
 * An entry in the shopper's words, from its structured fields (as the H5 points page words it):
 * never an order id or the stored reason, which is written for staff; a staff adjustment shows the
 * reason staff gave for the member to read.
 * @param {{ type: 'earn'|'spend'|'expire'|'reverse', source?: string, reason?: string, couponName?: string, shortfall?: number }} e
 */
function title(e) {
  if (e.source === 'exchange') return e.couponName ? `兑换优惠券「${e.couponName}」` : '兑换优惠券';
  if (e.source === 'manual') return e.reason || TYPE[e.type];
  const short = e.source === 'refund' && e.shortfall ? `（积分不足，少扣 ${e.shortfall}）` : '';
  return ((e.source && SOURCE[/** @type {keyof typeof SOURCE} */ (e.source)]) || TYPE[e.type] || e.type) + short;
}

/** @param {{ id: string, type: 'earn'|'spend'|'expire'|'reverse', points: number, source?: string, reason?: string, couponName?: string, shortfall?: number, createdAt: string }} e */
function row(e) {
  return { id: e.id, title: title(e), when: fmt.day(e.createdAt), change: `${e.points > 0 ? '+' : ''}${e.points}` };
}

/** Balance, what expires when, and the ledger newest first, 20 at a time (cursor paging). */
Component({
  data: { loading: true, error: '', balanceText: '0', expiring: [], entries: [], nextCursor: null },
  methods: {
    async onLoad() {
      try {
        const [points, page] = await Promise.all([session.api('GET', '/me/points'), session.api('GET', '/me/points/ledger', { query: { limit: 20 } })]);
        this.setData({
          balanceText: fmt.number(points.balance),
          expiring: points.expiring,
          entries: page.items.map(row),
          nextCursor: page.nextCursor,
          loading: false,
        });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },
    async more() {
      if (!this.data.nextCursor) return;
      this.setData({ loading: true });
      try {
        const page = await session.api('GET', '/me/points/ledger', { query: { limit: 20, cursor: this.data.nextCursor } });
        this.setData({ entries: this.data.entries.concat(page.items.map(row)), nextCursor: page.nextCursor, loading: false });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },
  },
});
