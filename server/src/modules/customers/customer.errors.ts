import type { ErrorCode } from '../../shared/errors/codes.js';
/** Refusals of the customers module the pages word in Chinese (h5/src/locales/zh-CN.json). */
export const CustomerErrorCode = {
  /** A manual merge of two ids that already name one profile. */
  ALREADY_ONE: 'CUSTOMER_ALREADY_ONE',
  /** A chat binding link that is unknown, used by someone else, or past its time. */
  BIND_LINK_INVALID: 'CUSTOMER_BIND_LINK_INVALID',
  /** A chat contact already joined to a member (by phone, unionid or an earlier binding). */
  CHAT_ALREADY_BOUND: 'CUSTOMER_CHAT_ALREADY_BOUND',
  /** An import file csv-parse cannot read (an unclosed quote). */
  CSV_UNREADABLE: 'CUSTOMER_CSV_UNREADABLE',
  /** An import file whose first row names none of the identity columns. */
  CSV_NO_IDENTITY_COLUMN: 'CUSTOMER_CSV_NO_IDENTITY_COLUMN',
  /** More rows in one import request than one batch takes. */
  CSV_TOO_MANY_ROWS: 'CUSTOMER_CSV_TOO_MANY_ROWS',
} as const satisfies Record<string, ErrorCode>;
