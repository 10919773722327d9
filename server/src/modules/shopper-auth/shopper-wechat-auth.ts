import { AppError } from '../../shared/app-error.js';
import type { Config } from '../../config/env.js';

/**
 * WeChat Official Account web OAuth (snsapi_base) for the H5 member center, the real protocol:
 * 1. the page goes to open.weixin.qq.com/connect/oauth2/authorize?appid&redirect_uri&response_type=code
 *    &scope=snsapi_base&state#wechat_redirect; inside WeChat it comes straight back with ?code&state;
 * 2. the server swaps the code at api.weixin.qq.com/sns/oauth2/access_token for the openid (and the
 *    unionid when the account is bound to an Open Platform). A code works once, for five minutes.
 * Both addresses come from config, so tests and local runs use a stand-in.
 */
export const ShopperAuthErrorCode = {
  OAUTH_OFF: 'SHOPPER_WECHAT_OAUTH_OFF',
  BAD_CODE: 'SHOPPER_WECHAT_CODE_INVALID',
  WECHAT_DOWN: 'SHOPPER_WECHAT_UNAVAILABLE',
} as const;

export function wechatOAuthEnabled(config: Config): boolean {
  return !!config.WECHAT_MP_APPID && !!config.WECHAT_MP_SECRET;
}

export function authorizeUrl(config: Config, redirectUri: string, state: string): string {
  const q = new URLSearchParams({ appid: config.WECHAT_MP_APPID, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state });
  return `${config.WECHAT_OAUTH_AUTHORIZE_URL}?${q.toString()}#wechat_redirect`;
}

export async function exchangeCode(config: Config, code: string): Promise<{ openid: string; unionid?: string }> {
  const url = new URL('sns/oauth2/access_token', config.WECHAT_API_BASE);
  url.search = new URLSearchParams({ appid: config.WECHAT_MP_APPID, secret: config.WECHAT_MP_SECRET, code, grant_type: 'authorization_code' }).toString();
  // sns/oauth2/access_token answers { openid, unionid?, ... } or { errcode, errmsg }.
  let body: { errcode?: unknown; openid?: unknown; unionid?: unknown } | null;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(8000) });
    body = (await res.json()) as typeof body;
  } catch {
    throw new AppError(ShopperAuthErrorCode.WECHAT_DOWN, 'WeChat did not answer the sign-in; please try again in a moment', { status: 503 });
  }
  if (body?.errcode || typeof body?.openid !== 'string') {
    // 40029 invalid code, 40163 code already used: the shopper should simply open the page again.
    throw new AppError(ShopperAuthErrorCode.BAD_CODE, 'This WeChat sign-in has expired or was already used; open the member center again from WeChat', {
      status: 401,
      details: { errcode: body?.errcode },
    });
  }
  return { openid: body.openid, unionid: typeof body.unionid === 'string' ? body.unionid : undefined };
}
