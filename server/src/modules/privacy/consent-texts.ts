import type { ConsentPurpose } from './privacy.model.js';

/**
 * What a shopper is asked to agree to, per purpose, in plain Chinese (PIPL art. 14 and 17: consent is
 * informed, specific and given by a clear act; art. 29 for sensitive uses). The member center shows
 * these words; every consent row records the version that was shown, so what a person agreed to can
 * be answered later. Change the words → change the version.
 */
export const CONSENT_TEXT_VERSION = '2026-12-01';

export const CONSENT_TEXTS: Record<ConsentPurpose, { title: string; purpose: string; withdraw: string }> = {
  marketing: {
    title: '接收营销消息',
    purpose: '同意后，我们会通过企业微信、客服消息、短信或小程序订阅消息，向你发送会员活动、优惠券和新品通知。不同意不影响购物、积分和会员权益。',
    withdraw: '你可以随时在这里关闭，或在聊天中回复「TD」退订；关闭后立即不再发送。',
  },
  profiling: {
    title: '个性化推荐',
    purpose:
      '同意后，我们会根据你的购买和浏览记录为你分层（如消费价值、流失风险），并据此为你挑选活动和推荐。不同意时，营销消息不会根据你的购买和浏览记录挑选。',
    withdraw: '你可以随时在这里关闭；关闭后，已计算的分层和流失预测会被删除，也不再计算。',
  },
};
