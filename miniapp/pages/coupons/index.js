const session = require('../../utils/session.js');
const { errorMessage } = require('../../utils/http.js');
const fmt = require('../../utils/format.js');

const EMPTY = { available: '暂无可用优惠券，去积分兑换看看', used: '还没有用过优惠券', expired: '没有过期的优惠券' };

/** My coupons in three tabs (available / used / expired), the amounts formatted from fen here. */
Component({
  data: { state: 'available', loading: true, error: '', coupons: [], emptyText: EMPTY.available },
  methods: {
    onLoad(/** @type {{ state?: 'available'|'used'|'expired' }} */ query) {
      return this.show((query && query.state) || 'available');
    },
    /** @param {{ detail: { name: 'available'|'used'|'expired' } }} e */
    onTab(e) {
      return this.show(e.detail.name);
    },
    async show(/** @type {'available'|'used'|'expired'} */ state) {
      this.setData({ state, loading: true, error: '', emptyText: EMPTY[state] || '' });
      try {
        const { items } = await session.api('GET', '/me/coupons', { query: { state } });
        if (this.data.state !== state) return; // the shopper switched tabs meanwhile
        const coupons = items.map((/** @type {any} */ c) => {
          const face = fmt.couponFace(c);
          const validText = c.state === 'used' && c.usedAt ? `${fmt.day(c.usedAt)} 已使用` : `有效期至 ${fmt.day(c.validTo)}`;
          return { id: c.id, code: c.code, name: c.name, value: face.value, rule: face.rule, validText };
        });
        this.setData({ coupons, loading: false });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },
  },
});
