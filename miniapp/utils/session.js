const { request, ApiError } = require('./http.js');

/**
 * The shopper's session: a token from POST /auth/miniapp (wx.login code → our server → WeChat's
 * jscode2session), kept in storage. Calls that meet a 401 (expired or revoked token) sign in again once.
 */
const KEY = 'scrm.shopper.token';
/** @type {Promise<string> | null} */
let signingIn = null;

function token() {
  return wx.getStorageSync(KEY) || null;
}

/** @returns {Promise<string>} a wx.login code */
function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (r) => (r.code ? resolve(r.code) : reject(new ApiError(0, 'WX_LOGIN', '微信登录失败，请重试'))),
      fail: (e) => reject(new ApiError(0, 'WX_LOGIN', `微信登录失败：${(e && e.errMsg) || ''}`)),
    });
  });
}

/** @returns {Promise<string>} */
function signIn() {
  // One sign-in at a time: pages loading together share it (a wx.login code is single-use).
  signingIn =
    signingIn ||
    wxLogin()
      .then((code) => request('POST', '/auth/miniapp', { body: { code } }))
      .then((res) => {
        wx.setStorageSync(KEY, res.token);
        return /** @type {string} */ (res.token);
      })
      .finally(() => {
        signingIn = null;
      });
  return signingIn;
}

/** @returns {Promise<string>} */
function ensureSignedIn() {
  const t = token();
  return t ? Promise.resolve(t) : signIn();
}

/** Replaces the token (phone binding may merge profiles and hands back a fresh one). */
function setToken(/** @type {string} */ t) {
  wx.setStorageSync(KEY, t);
}

function signOut() {
  wx.removeStorageSync(KEY);
}

/**
 * An authenticated call; on 401 the session is renewed with a fresh wx.login and the call retried once.
 * @param {'GET'|'POST'|'PUT'|'DELETE'} method @param {string} path @param {{ body?: object, query?: Record<string, any> }} [opts]
 */
async function api(method, path, opts = {}) {
  const t = await ensureSignedIn();
  try {
    return await request(method, path, { ...opts, token: t });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    signOut();
    return request(method, path, { ...opts, token: await signIn() });
  }
}

module.exports = { api, token, ensureSignedIn, signIn, setToken, signOut };
