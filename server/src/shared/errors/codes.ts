/**
 * Every error code the API can answer with (`{ error: { code, message, details? } }`), with the HTTP
 * status(es) it comes with. AppError and the conflict helpers take only these codes, so a new code
 * is added here first; the pages import this list (h5/src/modules/refusals.ts), and
 * tests/unit/error-messages.test.ts holds it to the locale files: every code has Chinese words
 * (`error.CODE` in h5/src/locales/zh-CN.json) unless `unsaid` says why a page never shows it, and no
 * words are kept for a code not listed. Modules keep their own named tables (LoyaltyErrorCode…), whose
 * values must be codes from here.
 */
export interface ErrorCodeEntry {
  status: readonly number[];
  /** Why no page words this code (it never reaches a page, or a page says it by its status). */
  unsaid?: string;
}

export const ERROR_CODES = {
  BROADCAST_BAD_STATE: { status: [409] },
  BROADCAST_NOTHING_TO_REMIND: { status: [409] },
  BROADCAST_NOT_WECOM: { status: [400] },
  BROADCAST_PLACEHOLDER: { status: [400] },
  BROADCAST_REMIND_LIMIT: { status: [409] },
  BROADCAST_SCHEDULE_IN_PAST: { status: [400] },
  CONVERSATION_AGENT_UNAVAILABLE: { status: [409] },
  CONVERSATION_ATTACHMENT_TOO_LARGE: { status: [413] },
  CONVERSATION_ATTACHMENT_TYPE: { status: [400, 415] },
  CONVERSATION_BAD_PATTERN: { status: [400] },
  CONVERSATION_BAD_SNOOZE: { status: [400] },
  CONVERSATION_CANNED_TITLE_TAKEN: { status: [409] },
  CONVERSATION_COMMAND_LOCKED: { status: [409] },
  CONVERSATION_COMMAND_WORD_TAKEN: { status: [409] },
  CONVERSATION_MENTION_NOT_COLLEAGUE: { status: [422] },
  CONVERSATION_MESSAGE_NOT_FAILED: { status: [409] },
  CONVERSATION_NOT_YOURS: { status: [409] },
  CONVERSATION_WRONG_STATE: { status: [409] },
  CUSTOMER_ALREADY_ONE: { status: [409] },
  CUSTOMER_BIND_LINK_INVALID: { status: [410] },
  CUSTOMER_CHAT_ALREADY_BOUND: { status: [409] },
  CUSTOMER_CSV_NO_IDENTITY_COLUMN: { status: [400] },
  CUSTOMER_CSV_TOO_MANY_ROWS: { status: [400] },
  CUSTOMER_CSV_UNREADABLE: { status: [400] },
  DESK_BAD_HOURS: { status: [400] },
  DESK_ROUTING_TEAM_UNKNOWN: { status: [400] },
  DESK_TEAM_IN_USE: { status: [409] },
  DESK_TEAM_MEMBER_UNKNOWN: { status: [400] },
  DESK_TEAM_NAME_TAKEN: { status: [409] },
  FORBIDDEN: { status: [403], unsaid: 'shown as 无权访问 by its status (403)' },
  INTERNAL_ERROR: { status: [500] },
  JOURNEY_EDITED_ELSEWHERE: { status: [409] },
  JOURNEY_NAME_TAKEN: { status: [409] },
  JOURNEY_PREVIEW_STALE: { status: [409] },
  JOURNEY_TEMPLATE_NEEDS_COUPON: { status: [400] },
  JOURNEY_TEMPLATE_UNKNOWN: { status: [400] },
  LOYALTY_ALREADY_CHECKED_IN: { status: [409] },
  LOYALTY_BAD_CARD: { status: [400] },
  LOYALTY_BIRTHDAY_ALREADY_SET: { status: [409] },
  LOYALTY_CHANNEL_NOT_ALLOWED: { status: [409] },
  LOYALTY_COUPON_LIMIT_REACHED: { status: [409] },
  LOYALTY_COUPON_OUT_OF_STOCK: { status: [409] },
  LOYALTY_COUPON_UNAVAILABLE: { status: [409] },
  LOYALTY_IDEMPOTENCY_KEY_REUSED: { status: [409] },
  LOYALTY_INSUFFICIENT_POINTS: { status: [409] },
  LOYALTY_INVALID_CONFIG: { status: [400, 409] },
  LOYALTY_NOT_A_MEMBER: { status: [404] },
  LOYALTY_TEMPLATE_INACTIVE: { status: [409] },
  LOYALTY_TIER_REQUIRED: { status: [403] },
  MINIAPP_SIGN_IN_REQUIRED: { status: [409] },
  NOT_FOUND: { status: [404], unsaid: 'shown as 内容不存在或无权查看 by its status (404)' },
  PAYLOAD_TOO_LARGE: { status: [413] },
  PRIVACY_CONSENT_TEXT_CHANGED: { status: [409] },
  RATE_LIMITED: { status: [429] },
  SEGMENT_IN_USE: { status: [409] },
  SEGMENT_NAME_TAKEN: { status: [409] },
  SEGMENT_SNAPSHOT_FROZEN: { status: [409] },
  SEGMENT_SNAPSHOT_INCOMPLETE: { status: [409] },
  SERVICE_UNAVAILABLE: { status: [503] },
  SHOPPER_WECHAT_CODE_INVALID: { status: [401] },
  SHOPPER_WECHAT_OAUTH_OFF: { status: [404] },
  SHOPPER_WECHAT_UNAVAILABLE: { status: [503] },
  STAFF_BAD_CREDENTIALS: { status: [401] },
  STAFF_USERNAME_TAKEN: { status: [409] },
  STAFF_WEAK_PASSWORD: { status: [400] },
  TAG_EXISTS: { status: [409] },
  UNAUTHENTICATED: { status: [401] },
  VALIDATION_FAILED: { status: [400] },
  WECHAT_API_ERROR: { status: [502] },
  WECHAT_CODE_REJECTED: { status: [400, 401] },
  WECHAT_KF_ANSWER_IN_WECOM: { status: [409] },
  WECHAT_KF_SEND_LIMIT: { status: [409] },
  WECHAT_KF_WINDOW_CLOSED: { status: [409] },
  WECHAT_NOT_CONFIGURED: { status: [503] },
  WECHAT_UNREACHABLE: { status: [503] },
  WECOM_API_ERROR: { status: [502] },
  WECOM_BAD_OAUTH_CODE: { status: [401], unsaid: 'the sidebar signs in again on its own' },
  WECOM_CALLBACK_REFUSED: { status: [401], unsaid: 'answered to WeCom’s servers only, never to a page' },
  WECOM_CUSTOMER_NOT_YOURS: { status: [404] },
  WECOM_NOTHING_TO_TRANSFER: { status: [409] },
  WECOM_NOT_CONFIGURED: { status: [503] },
  WECOM_NO_STAFF_FOR_USER: { status: [403] },
  WECOM_RATE_LIMITED: { status: [429] },
  WECOM_TRANSFER_INVALID: { status: [400, 409] },
  WECOM_UNREACHABLE: { status: [502, 503] },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);
