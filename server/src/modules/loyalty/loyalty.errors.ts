import { AppError } from '../../shared/app-error.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

/** Error codes the loyalty API answers with; messages tell the caller what to do next. */
export const LoyaltyErrorCode = {
  INSUFFICIENT_POINTS: 'LOYALTY_INSUFFICIENT_POINTS',
  NOT_A_MEMBER: 'LOYALTY_NOT_A_MEMBER',
  OUT_OF_STOCK: 'LOYALTY_COUPON_OUT_OF_STOCK',
  LIMIT_REACHED: 'LOYALTY_COUPON_LIMIT_REACHED',
  COUPON_UNAVAILABLE: 'LOYALTY_COUPON_UNAVAILABLE',
  TEMPLATE_INACTIVE: 'LOYALTY_TEMPLATE_INACTIVE',
  CHANNEL_NOT_ALLOWED: 'LOYALTY_CHANNEL_NOT_ALLOWED',
  TIER_REQUIRED: 'LOYALTY_TIER_REQUIRED',
  ALREADY_CHECKED_IN: 'LOYALTY_ALREADY_CHECKED_IN',
  KEY_REUSED: 'LOYALTY_IDEMPOTENCY_KEY_REUSED',
  BAD_CARD: 'LOYALTY_BAD_CARD',
  INVALID_CONFIG: 'LOYALTY_INVALID_CONFIG',
  BIRTHDAY_SET: 'LOYALTY_BIRTHDAY_ALREADY_SET',
} as const satisfies Record<string, ErrorCode>;

export const loyaltyConflict = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, message, { status: 409, details });
