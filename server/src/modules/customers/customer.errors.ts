/** Refusals of the customers module the pages word in Chinese (h5/src/modules/messages.ts). */
export const CustomerErrorCode = {
  /** A manual merge of two ids that already name one profile. */
  ALREADY_ONE: 'CUSTOMER_ALREADY_ONE',
  /** A chat binding link that is unknown, used by someone else, or past its time. */
  BIND_LINK_INVALID: 'CUSTOMER_BIND_LINK_INVALID',
  /** A chat contact already joined to a member (by phone, unionid or an earlier binding). */
  CHAT_ALREADY_BOUND: 'CUSTOMER_CHAT_ALREADY_BOUND',
} as const;
