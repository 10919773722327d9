import type { RuntimePlugin } from '../../runtime.js';

/** Delivers agent replies and desk notices to 微信客服 customers, in processes that run the worker. */
export function wechatKfPlugin(): RuntimePlugin {
  return {
    name: 'wechat-kf',
    async start(s) {
      if (!s.wechatKf.enabled || !s.deps.config.ROLES.includes('worker')) return async () => undefined;
      return s.wechatKf.delivery.startRelay();
    },
  };
}
