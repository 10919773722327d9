import { AppError } from '../shared/app-error.js';

export const WechatErrorCode = {
  API: 'WECHAT_API_ERROR',
  UNREACHABLE: 'WECHAT_UNREACHABLE',
  NOT_CONFIGURED: 'WECHAT_NOT_CONFIGURED',
  CODE_REJECTED: 'WECHAT_CODE_REJECTED',
} as const;

/** WeChat (api.weixin.qq.com) errcodes we act on by number. */
export const WechatErrcode = {
  SYSTEM_BUSY: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_CODE: 40029,
  CODE_BEEN_USED: 40163,
  ACCESS_TOKEN_EXPIRED: 42001,
  INVALID_ACCESS_TOKEN: 40014,
  FREQ_LIMIT: 45011,
  /** Subscribe message: the user has no quota left for this template (refused, or already used). */
  USER_REFUSED: 43101,
} as const;

/** A non-zero errcode from WeChat, kept as numbers so callers can branch on them. */
export class WechatApiError extends AppError {
  constructor(
    readonly path: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(WechatErrorCode.API, `WeChat ${path} failed with errcode ${errcode}: ${errmsg}`, { status: 502, expose: true, details: { errcode, errmsg, path } });
    this.name = 'WechatApiError';
  }
}

export const wechatUnreachable = (path: string, cause: unknown) =>
  new AppError(WechatErrorCode.UNREACHABLE, `WeChat could not be reached for ${path}; try again shortly`, { status: 503, expose: true, cause });

export const wechatNotConfigured = () =>
  new AppError(WechatErrorCode.NOT_CONFIGURED, 'The WeChat mini-app is not configured: set WECHAT_MINIAPP_APPID and WECHAT_MINIAPP_SECRET', { status: 503 });

export const isWechatErrcode = (err: unknown, ...codes: number[]): err is WechatApiError => err instanceof WechatApiError && codes.includes(err.errcode);
