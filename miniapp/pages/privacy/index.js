const session = require('../../utils/session.js');
const { errorMessage } = require('../../utils/http.js');

/** @typedef {{ method: 'GET'|'POST'|'PUT'|'DELETE', path: string }} Route */

const UNAVAILABLE = '暂未开放，敬请期待';

/**
 * My data & privacy. The server says which privacy actions exist (/miniapp/config): consents per
 * purpose, export and erasure when the privacy module provides them; otherwise the marketing opt-out
 * and an honest "not available yet" for the rest.
 */
Component({
  data: {
    error: '',
    consentsAvailable: false,
    // Opt-in: off until the shopper agrees (the server says what they chose).
    marketing: false,
    profiling: false,
    /** The purpose of each consent in the server's plain Chinese, and the text version agreed to. */
    marketingLabel: '活动、优惠通知',
    profilingLabel: '根据购买记录推荐',
    textVersion: '',
    marketingText: '可随时选择不再接收',
    exportAvailable: false,
    exportText: UNAVAILABLE,
    erasureAvailable: false,
    erasureText: UNAVAILABLE,
    erased: false,
    /** @type {{ consents: Route|null, export: Route|null, erasure: Route|null }} */
    routes: { consents: null, export: null, erasure: null },
  },
  methods: {
    async onLoad() {
      try {
        const cfg = await session.api('GET', '/miniapp/config');
        /** @type {{ consents: Route|null, export: Route|null, erasure: Route|null }} */
        const p = cfg.privacy || { consents: null, export: null, erasure: null };
        this.setData({
          routes: p,
          consentsAvailable: !!p.consents,
          exportAvailable: !!p.export,
          exportText: p.export ? '个人资料、积分、优惠券、订单记录（JSON）' : UNAVAILABLE,
          erasureAvailable: !!p.erasure,
          erasureText: p.erasure ? '不可恢复；积分总数匿名保留' : UNAVAILABLE,
        });
        if (p.consents) {
          const mine = await session.api('GET', '/me/privacy');
          const texts = mine.texts;
          this.setData({
            marketing: !!mine.consents.marketing.granted,
            profiling: !!mine.consents.profiling.granted,
            ...(texts
              ? { marketingLabel: texts.purposes.marketing.purpose, profilingLabel: texts.purposes.profiling.purpose, textVersion: texts.version }
              : {}),
          });
        }
      } catch (err) {
        this.setData({ error: errorMessage(err) });
      }
    },
    /** @param {{ detail: boolean, currentTarget: { dataset: { purpose: 'marketing'|'profiling' } } }} e */
    async setConsent(e) {
      const purpose = e.currentTarget.dataset.purpose;
      const route = this.data.routes.consents;
      if (!route) return;
      try {
        const body = { [purpose]: !!e.detail, channel: 'miniapp', ...(this.data.textVersion ? { version: this.data.textVersion } : {}) };
        const r = await session.api(route.method, route.path, { body });
        this.setData({ marketing: !!r.consents.marketing.granted, profiling: !!r.consents.profiling.granted });
        wx.showToast({ title: e.detail ? '已同意' : '已撤回', icon: 'none' });
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' });
      }
    },
    async optOut() {
      try {
        await session.api('POST', '/broadcasts/me/opt-out', { body: {} });
        this.setData({ marketingText: '已选择不再接收营销消息' });
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' });
      }
    },
    async optIn() {
      try {
        await session.api('DELETE', '/broadcasts/me/opt-out');
        this.setData({ marketingText: '已重新接收营销消息' });
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' });
      }
    },
    /** A mini-program cannot save a file for the user, so the JSON goes to the clipboard. */
    async exportData() {
      const route = this.data.routes.export;
      if (!route) return;
      try {
        const doc = await session.api(route.method, route.path);
        const text = JSON.stringify(doc, null, 2);
        wx.setClipboardData({ data: text });
        this.setData({ exportText: `已导出 ${Math.ceil(text.length / 1024)} KB，已复制到剪贴板` });
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' });
      }
    },
    async erase() {
      const ok = await new Promise((resolve) =>
        wx.showModal({
          title: '删除我的数据',
          content: '删除后无法恢复，会员资格与优惠券将失效。确定删除？',
          confirmColor: '#ee0a24',
          success: (r) => resolve(!!r.confirm),
          fail: () => resolve(false),
        }),
      );
      const route = this.data.routes.erasure;
      if (!ok || !route) return;
      try {
        await session.api(route.method, route.path, { body: { confirm: true } });
        session.signOut();
        this.setData({ erased: true });
      } catch (err) {
        wx.showToast({ title: errorMessage(err), icon: 'none' });
      }
    },
  },
});
