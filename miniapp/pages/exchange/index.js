const session = require('../../utils/session.js');
const { errorMessage } = require('../../utils/http.js');
const fmt = require('../../utils/format.js');

/** @param {any} item */
function blockedReason(item) {
  if (item.soldOut) return '已兑完';
  if (!item.tierAllowed) return '会员等级不足';
  if (!item.affordable) return '积分不足';
  return '';
}

/**
 * Points → coupon: catalogue, confirm (wx.showModal), result. The idempotency key is made when the
 * shopper confirms one item, so a double tap or a retried request yields the same one coupon.
 */
Component({
  data: {
    loading: true,
    error: '',
    balanceText: '0',
    items: [],
    busyId: '',
    result: /** @type {null | { ok: boolean, name?: string, code?: string, error?: string }} */ (null),
  },
  methods: {
    onLoad() {
      return this.load();
    },
    async load() {
      try {
        const [catalogue, points] = await Promise.all([session.api('GET', '/me/exchange'), session.api('GET', '/me/points')]);
        const items = catalogue.items.map((/** @type {any} */ i) => {
          const face = fmt.couponFace(i);
          const blocked = blockedReason(i);
          return {
            id: i.id,
            name: i.name,
            pointsCost: i.pointsCost,
            value: face.value,
            rule: face.rule,
            blocked,
            note: blocked || `${fmt.number(i.pointsCost)} 积分`,
          };
        });
        this.setData({ items, balanceText: fmt.number(points.balance), loading: false, error: '' });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },
    /** @param {{ currentTarget: { dataset: { id: string } } }} e */
    async exchange(e) {
      const item = /** @type {any} */ (this.data.items).find((/** @type {any} */ i) => i.id === e.currentTarget.dataset.id);
      if (!item || item.blocked || this.data.busyId) return;
      const confirmed = await new Promise((resolve) =>
        wx.showModal({
          title: '确认兑换',
          content: `使用 ${fmt.number(item.pointsCost)} 积分兑换「${item.name}」？`,
          success: (r) => resolve(!!r.confirm),
          fail: () => resolve(false),
        }),
      );
      if (!confirmed) return;
      const idempotencyKey = fmt.newKey();
      this.setData({ busyId: item.id });
      try {
        const coupon = await session.api('POST', '/me/exchange', { body: { templateId: item.id, idempotencyKey } });
        this.setData({ result: { ok: true, name: coupon.name || item.name, code: coupon.code } });
      } catch (err) {
        this.setData({ result: { ok: false, error: errorMessage(err) } });
      } finally {
        this.setData({ busyId: '' });
        await this.load();
      }
    },
    back() {
      this.setData({ result: null });
    },
    /** @param {{ currentTarget: { dataset: { url: string } } }} e */
    go(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url });
    },
  },
});
