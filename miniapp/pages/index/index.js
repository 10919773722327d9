const session = require('../../utils/session.js');
const { ApiError, errorMessage } = require('../../utils/http.js');
const fmt = require('../../utils/format.js');

/**
 * Member home: card with its 5-minute scan code, points and check-in, tier progress, phone binding
 * (getPhoneNumber, only after the consent tick), and the expiry-reminder opt-in. Built with Component
 * so the page's lifecycle methods are plain methods (WeChat supports pages as components).
 */
Component({
  data: {
    loading: true,
    error: '',
    name: '',
    memberNo: '',
    tierName: '',
    balanceText: '0',
    cardCode: '',
    cardQr: '',
    perks: [],
    cardExpiresText: '',
    growthText: '0',
    progress: 0,
    nextText: '',
    /** "2 张可用" beside 我的优惠券; empty when there are none. */
    couponsText: '',
    phone: '',
    consent: false,
    checkingIn: false,
    canRemind: false,
    /** @type {string[]} */
    templateIds: [],
  },
  methods: {
    onLoad() {
      return this.load();
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },
    async load() {
      this.setData({ error: '' });
      try {
        const [me, card, cfg, available] = await Promise.all([
          session.api('GET', '/me'),
          session.api('GET', '/miniapp/card'),
          session.api('GET', '/miniapp/config'),
          session.api('GET', '/me/coupons', { query: { state: 'available' } }),
        ]);
        const next = card.nextTier;
        /** @type {string[]} */
        const templateIds = Object.values(cfg.subscribeTemplates || {}).filter((id) => typeof id === 'string' && id);
        this.setData({
          loading: false,
          name: me.name || '',
          phone: me.phone || '',
          memberNo: card.memberNo,
          tierName: card.tier.name,
          balanceText: fmt.number(card.balance),
          cardCode: card.card.payload,
          cardQr: card.card.qr,
          perks: card.tier.perks || [],
          cardExpiresText: new Date(card.card.expiresAt).toTimeString().slice(0, 5),
          growthText: fmt.yuan(card.growth.value),
          progress: next ? Math.min(100, Math.round((card.growth.value / next.threshold) * 100)) : 100,
          nextText: next ? `再消费 ¥${fmt.yuan(next.needed)} 升级为${next.name}` : '已是最高等级',
          couponsText: available.items.length ? `${available.items.length} 张可用` : '',
          canRemind: templateIds.length > 0,
          templateIds,
        });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },
    async checkIn() {
      this.setData({ checkingIn: true });
      try {
        const r = await session.api('POST', '/me/check-in');
        wx.showToast({ title: `签到成功 +${r.points} 积分`, icon: 'none' });
        this.setData({ balanceText: fmt.number(r.balance) });
      } catch (err) {
        wx.showToast({ title: err instanceof ApiError && err.status === 409 ? '今天已经签到过了' : errorMessage(err), icon: 'none' });
      } finally {
        this.setData({ checkingIn: false });
      }
    },
    /** @param {{ currentTarget: { dataset: { url: string } } }} e */
    go(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url });
    },
    /** @param {{ detail: boolean }} e */
    toggleConsent(e) {
      this.setData({ consent: !!e.detail });
    },
    /** The getPhoneNumber button's event: `detail.code` is present only when the user chose a number. */
    async bindPhone(/** @type {{ detail: { code?: string, errMsg?: string } }} */ e) {
      if (!this.data.consent) return wx.showToast({ title: '请先勾选同意', icon: 'none' });
      if (!e.detail || !e.detail.code) return wx.showToast({ title: '未获得手机号授权', icon: 'none' });
      try {
        const r = await session.api('POST', '/miniapp/phone', { body: { code: e.detail.code, consent: true } });
        session.setToken(r.token);
        wx.showToast({ title: '手机号已绑定', icon: 'success' });
        await this.load();
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' });
      }
    },
    /**
     * One accept in requestSubscribeMessage lets the server send one reminder of that kind. WeChat only
     * shows the sheet from a tap, so it is called first, with the template ids fetched at load.
     */
    async subscribe() {
      const tmplIds = this.data.templateIds;
      try {
        /** @type {Record<string, string>} */
        const res = await new Promise((resolve, reject) =>
          wx.requestSubscribeMessage({ tmplIds, success: (r) => resolve(/** @type {any} */ (r)), fail: reject }),
        );
        /** @type {Record<string, string>} */
        const results = {};
        for (const id of tmplIds) if (typeof res[id] === 'string') results[id] = res[id];
        const r = await session.api('POST', '/miniapp/subscriptions', { body: { idempotencyKey: fmt.newKey(), results } });
        const n = (r.coupon_expiry || 0) + (r.points_expiry || 0);
        wx.showToast({ title: n ? `已开启 ${n} 次到期提醒` : '未开启提醒', icon: 'none' });
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' });
      }
    },
  },
});
