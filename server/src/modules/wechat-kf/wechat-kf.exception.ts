import { AppError } from '../../shared/app-error.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

export const WechatKfErrorCode = {
  /** The 5 messages WeCom allows after the customer's last message are used up. */
  SEND_LIMIT: 'WECHAT_KF_SEND_LIMIT',
  /** 48 hours have passed since the customer's last message (or they never wrote). */
  WINDOW_CLOSED: 'WECHAT_KF_WINDOW_CLOSED',
  /** Agents answer taken-over chats in the WeCom app (WECOM_KF_AGENTS_ANSWER_IN=wecom). */
  ANSWER_IN_WECOM: 'WECHAT_KF_ANSWER_IN_WECOM',
} as const satisfies Record<string, ErrorCode>;

export const sendLimitReached = (lastCustomerAt: Date, limit: number) =>
  new AppError(
    WechatKfErrorCode.SEND_LIMIT,
    `WeChat Customer Service allows ${limit} messages after the customer's last message and they are used up; wait until the customer writes again`,
    {
      status: 409,
      details: { lastCustomerAt, limit },
    },
  );

export const windowClosed = (lastCustomerAt: Date | undefined, hours: number) =>
  new AppError(
    WechatKfErrorCode.WINDOW_CLOSED,
    `WeChat Customer Service allows messages only within ${hours} hours of the customer's last message; wait until the customer writes again`,
    {
      status: 409,
      details: { lastCustomerAt, hours },
    },
  );

export const answerInWecom = () =>
  new AppError(WechatKfErrorCode.ANSWER_IN_WECOM, 'This WeChat Customer Service chat is served in the WeCom app (人工接待); answer the customer there', {
    status: 409,
  });
