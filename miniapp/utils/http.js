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
 * English, for integrators); anything else keeps the server's words. The words are the H5 pages' own,
 * generated from their locale file (./words.js, scripts/miniapp/gen-locale.ts).
 */
const WORDS = require('./words.js');

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
  if (err instanceof ApiError) {
    const details = /** @type {Record<string, unknown>} */ (err.details);
    // A code with several causes names one in details.reason, worded on its own where it has words.
    const words = WORDS[`error.${err.code}.${String(details.reason)}`] || WORDS[`error.${err.code}`];
    if (words) return words.replace(/\{(\w+)\}/g, (_, k) => String(k === 'message' ? err.message : (details[k] ?? '')));
  }
  return err instanceof Error ? err.message : String(err);
}

module.exports = { ApiError, request, errorMessage };
