import { AppError } from '../shared/app-error.js';

export const WecomErrorCode = {
  API: 'WECOM_API_ERROR',
  UNREACHABLE: 'WECOM_UNREACHABLE',
  NOT_CONFIGURED: 'WECOM_NOT_CONFIGURED',
  RATE_LIMITED: 'WECOM_RATE_LIMITED',
  CALLBACK_REFUSED: 'WECOM_CALLBACK_REFUSED',
  NO_STAFF_FOR_USER: 'WECOM_NO_STAFF_FOR_USER',
  TRANSFER_INVALID: 'WECOM_TRANSFER_INVALID',
  NOTHING_TO_TRANSFER: 'WECOM_NOTHING_TO_TRANSFER',
  /** The sidebar's contact belongs to another sales member's book (404: the profile stays closed). */
  CUSTOMER_NOT_YOURS: 'WECOM_CUSTOMER_NOT_YOURS',
} as const;

/** WeCom errcodes we act on by number. */
export const Errcode = {
  SYSTEM_BUSY: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_ACCESS_TOKEN: 40014,
  ACCESS_TOKEN_EXPIRED: 42001,
  FREQ_OUT_OF_LIMIT: 45009,
  INVALID_CODE: 40029,
  /** An invalid or expired welcome_code (doc 92137). */
  INVALID_WELCOME_CODE: 41050,
  WELCOME_ALREADY_SENT: 41051,
  /** 群发消息正在被派发中: the group message is still being dispatched; ask again later. */
  GROUPMSG_DISPATCHING: 41063,
  // customer transfer, per customer in transfer_customer's `customer` array
  INVALID_EXTERNAL_USERID: 40096,
  HANDOVER_NOT_RESIGNED: 40097,
  TAKEOVER_NOT_VERIFIED: 40098,
  TAKEOVER_AT_LIMIT: 40099,
  ALREADY_IN_TRANSFER: 40100,
  TRANSFERRED_TOO_OFTEN: 40128,
  TRANSFER_IN_PROGRESS: 40129,
  TRANSFER_TO_SELF: 40130,
  NOT_HANDOVER_CUSTOMER: 40131,
  NOT_EXTERNAL_CONTACT: 84061,
} as const;

/** A non-zero errcode from WeCom, kept as numbers so callers can branch on them. */
export class WecomApiError extends AppError {
  constructor(
    readonly path: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(WecomErrorCode.API, `WeCom ${path} failed with errcode ${errcode}: ${errmsg}`, {
      status: 502,
      expose: true,
      details: { errcode, errmsg, path },
    });
    this.name = 'WecomApiError';
  }
}

export const wecomUnreachable = (path: string, cause: unknown) =>
  new AppError(WecomErrorCode.UNREACHABLE, `WeCom could not be reached for ${path}; try again shortly`, { status: 503, cause });

export const wecomNotConfigured = () =>
  new AppError(WecomErrorCode.NOT_CONFIGURED, 'WeCom is not configured: set WECOM_CORP_ID and WECOM_SECRET', { status: 503 });

export const isWecomErrcode = (err: unknown, ...codes: number[]): err is WecomApiError => err instanceof WecomApiError && codes.includes(err.errcode);
