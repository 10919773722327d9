const config = require('../config.js');

/**
 * @typedef {{ status: number, code: string, message: string }} ApiErrorShape
 * The one way pages talk to the server: JSON over wx.request with the shopper's bearer token, the same
 * API the H5 member center uses (/api/v1/me/...). A non-2xx answer rejects with an ApiError carrying
 * the server's `{ error: { code, message } }`, so pages show the server's actionable message.
 */
class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {Record<string, unknown>} [details] */
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

/**
 * The everyday refusals in the shopper's language, by the server's error code (its own message is
 * English, for integrators); anything else keeps the server's words. Same wording as the H5 pages.
 * @type {Record<string, string>}
 */
const SAID = {
  LOYALTY_INSUFFICIENT_POINTS: '积分不足：需要 {needed} 积分',
  LOYALTY_NOT_A_MEMBER: '还不是会员：请先加入会员',
  LOYALTY_COUPON_OUT_OF_STOCK: '这张券已经领完了',
  LOYALTY_COUPON_LIMIT_REACHED: '已达到这张券的领取上限',
  LOYALTY_COUPON_UNAVAILABLE: '这张券当前不可用（已使用、已过期或已作废）',
  LOYALTY_TEMPLATE_INACTIVE: '这张券已停止发放',
  LOYALTY_TIER_REQUIRED: '这张券仅限更高等级的会员',
  LOYALTY_ALREADY_CHECKED_IN: '今天已经签到过了',
  LOYALTY_BIRTHDAY_ALREADY_SET: '生日已登记，如需修改请联系客服',
  RATE_LIMITED: '操作太频繁，请稍后再试',
  SERVICE_UNAVAILABLE: '服务暂时不可用，请稍后再试',
  INTERNAL_ERROR: '出了点问题，请稍后再试',
  WECHAT_CODE_REJECTED: '微信登录凭证已失效，请重试',
  WECHAT_UNREACHABLE: '暂时无法连接微信，请稍后再试',
  WECHAT_NOT_CONFIGURED: '小程序尚未配置，请联系管理员',
  MINIAPP_SIGN_IN_REQUIRED: '请先在小程序中登录',
};

/**
 * @param {'GET'|'POST'|'PUT'|'DELETE'} method
 * @param {string} path  under /api/v1, e.g. '/me/points'
 * @param {{ body?: object, query?: Record<string, string|number|undefined>, token?: string|null }} [opts]
 * @returns {Promise<any>}
 */
function request(method, path, opts = {}) {
  const query = Object.entries(opts.query || {})
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  // Chinese only: the server words validation refusals in Chinese too.
  /** @type {Record<string, string>} */
  const header = { accept: 'application/json', 'accept-language': 'zh-CN' };
  if (opts.token) header.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) header['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.apiBase}${path}${query ? `?${query}` : ''}`,
      method,
      header,
      data: opts.body,
      dataType: 'json',
      success(res) {
        const data = /** @type {any} */ (res.data);
        if (res.statusCode >= 200 && res.statusCode < 300) return resolve(data);
        const err = (data && data.error) || {};
        reject(new ApiError(res.statusCode, err.code || 'HTTP', err.message || `HTTP ${res.statusCode}`, err.details));
      },
      fail(e) {
        reject(new ApiError(0, 'NETWORK', `网络不可用，请稍后重试 (${(e && e.errMsg) || 'request:fail'})`));
      },
    });
  });
}

/** @param {unknown} err */
function errorMessage(err) {
  if (err instanceof ApiError && SAID[err.code]) {
    const details = /** @type {Record<string, unknown>} */ (err.details);
    return SAID[err.code].replace(/\{(\w+)\}/g, (_, k) => String(details[k] ?? ''));
  }
  return err instanceof Error ? err.message : String(err);
}

module.exports = { ApiError, request, errorMessage };
