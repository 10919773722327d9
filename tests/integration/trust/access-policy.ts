/**
 * The reviewed access policy: for every API route, who may call it. The authorisation matrix test
 * compares this with what the server does for every route × role, and fails on any route of the
 * route table that has no entry here, so a new route cannot ship without someone deciding who may
 * call it. Admin is listed explicitly wherever admin gets through (admins may do what any staff role
 * may do, never what only shoppers or integrations do).
 */
export type Who = 'admin' | 'community_manager' | 'sales' | 'agent' | 'shopper' | 'integration' | 'anonymous';
export const ROLES: readonly Who[] = ['admin', 'community_manager', 'sales', 'agent', 'shopper', 'integration', 'anonymous'];

const STAFF: Who[] = ['admin', 'community_manager', 'sales', 'agent'];
const MANAGERS: Who[] = ['admin', 'community_manager'];
const CM: Who[] = ['admin', 'community_manager'];
const ADMIN: Who[] = ['admin'];
const SHOPPER: Who[] = ['shopper'];
const DESK: Who[] = ['admin', 'agent', 'community_manager', 'sales'];
const AGENT: Who[] = ['admin', 'agent'];
const PUBLIC: Who[] = [...ROLES];

export const ACCESS_POLICY: Record<string, Who[]> = {
  'post /api/v1/auth/login': PUBLIC,
  'get /api/v1/auth/me': STAFF,
  'post /api/v1/auth/logout': STAFF,
  'get /api/v1/staff': STAFF,
  'post /api/v1/staff': ADMIN,
  'patch /api/v1/staff/:id': ADMIN,
  'post /api/v1/api-keys': ADMIN,
  'get /api/v1/api-keys': ADMIN,
  'post /api/v1/api-keys/:id/revoke': ADMIN,
  'post /api/v1/api-keys/:id/rotate': ADMIN,
  'get /api/v1/audit': ADMIN,
  'get /api/v1/audit/actions': ADMIN,

  'get /api/v1/customers/': STAFF,
  'post /api/v1/customers/import': ADMIN,
  'get /api/v1/customers/export': ADMIN,
  'get /api/v1/customers/export.csv': ADMIN,
  'get /api/v1/customers/:id': STAFF,
  'patch /api/v1/customers/:id': ['admin', 'sales', 'agent'],
  'post /api/v1/customers/:id/notes': ['admin', 'sales', 'agent'],
  'post /api/v1/customers/:id/tags': STAFF,
  // The console table's bulk actions reach customers beyond any one book: managers only.
  'post /api/v1/customers/bulk/tags': ['admin', 'community_manager'],
  'post /api/v1/customers/bulk/owner': ['admin', 'community_manager'],
  'post /api/v1/customers/:id/follow-ups': STAFF,
  // Merging two profiles is identity work: admins, desk agents (chat contacts), sales on their own book.
  'post /api/v1/customers/:id/merge': ['admin', 'agent', 'sales'],
  'get /api/v1/follow-ups/': STAFF,
  'patch /api/v1/follow-ups/:id': STAFF,
  'get /api/v1/customers/:id/events': STAFF,

  'get /api/v1/tags/': STAFF,
  'post /api/v1/tags/': MANAGERS,
  'patch /api/v1/tags/:id': MANAGERS,
  'get /api/v1/tags/overview': MANAGERS,
  'delete /api/v1/tags/:id': MANAGERS,
  'delete /api/v1/tags/groups/:name': MANAGERS,
  'post /api/v1/events': ['integration', 'admin'],

  'get /api/v1/loyalty/settings': STAFF,
  'put /api/v1/loyalty/settings': ADMIN,
  'get /api/v1/loyalty/members/:customerId': STAFF,
  'get /api/v1/loyalty/members/:customerId/ledger': STAFF,
  'post /api/v1/loyalty/members/:customerId/points': ['admin', 'sales'],
  'get /api/v1/loyalty/members/:customerId/coupons': STAFF,
  'post /api/v1/loyalty/members/:customerId/coupons': STAFF,
  'post /api/v1/loyalty/scan': STAFF,
  'get /api/v1/loyalty/templates': STAFF,
  'post /api/v1/loyalty/templates': MANAGERS,
  'patch /api/v1/loyalty/templates/:id': MANAGERS,
  'get /api/v1/loyalty/coupons/:code': STAFF,
  'post /api/v1/loyalty/coupons/redeem': ['admin', 'sales', 'agent', 'integration'],
  'post /api/v1/loyalty/coupons/:code/revoke': MANAGERS,
  'post /api/v1/loyalty/batches': MANAGERS,
  'get /api/v1/loyalty/batches/:id': MANAGERS,
  'get /api/v1/loyalty/batches': MANAGERS,
  'get /api/v1/loyalty/report': MANAGERS,
  'get /api/v1/loyalty/reconcile': ADMIN,
  'post /api/v1/loyalty/tiers/review': ADMIN,

  'get /api/v1/me/': SHOPPER,
  'post /api/v1/me/membership': SHOPPER,
  'get /api/v1/me/card': SHOPPER,
  'get /api/v1/me/tier': SHOPPER,
  'get /api/v1/me/points': SHOPPER,
  'get /api/v1/me/points/ledger': SHOPPER,
  'get /api/v1/me/points/expiring': SHOPPER,
  'post /api/v1/me/check-in': SHOPPER,
  'get /api/v1/me/coupons': SHOPPER,
  'get /api/v1/me/exchange': SHOPPER,
  'post /api/v1/me/exchange': SHOPPER,
  'put /api/v1/me/birthday': SHOPPER,
  // Binding a chat contact to my membership: only the signed-in shopper, by the link the bot gave.
  'get /api/v1/me/chat-binding/': SHOPPER,
  'post /api/v1/me/chat-binding/': SHOPPER,
  'post /api/v1/auth/shopper/demo-login': PUBLIC,
  'post /api/v1/auth/shopper/logout': SHOPPER,
  // WeChat OAuth for shoppers in the member center: the redirect URL and the code exchange (code checked with WeChat).
  'get /api/v1/auth/shopper/wechat/authorize': PUBLIC,
  'post /api/v1/auth/shopper/wechat': PUBLIC,

  'get /api/v1/conversations/': DESK,
  'get /api/v1/conversations/stream': DESK,
  // Tenant-wide counts: sales (who see only their own customers' chats) get none.
  'get /api/v1/conversations/counts': ['admin', 'agent', 'community_manager'],
  'get /api/v1/conversations/:id': DESK,
  'get /api/v1/conversations/:id/messages': DESK,
  'get /api/v1/conversations/by-customer/:customerId': DESK,
  'post /api/v1/conversations/:id/messages': AGENT,
  'post /api/v1/conversations/:id/notes': AGENT,
  'post /api/v1/conversations/:id/take': AGENT,
  'post /api/v1/conversations/:id/transfer': AGENT,
  'post /api/v1/conversations/:id/resolve': AGENT,
  'post /api/v1/conversations/:id/reopen': AGENT,
  'post /api/v1/conversations/:id/labels': AGENT,
  'post /api/v1/conversations/:id/snooze': AGENT,
  'post /api/v1/conversations/:id/wake': AGENT,
  'get /api/v1/conversations/labels': ['admin', 'agent', 'community_manager'],
  'post /api/v1/desk/presence': ['admin', 'agent', 'sales'],
  'get /api/v1/desk/presence': ['admin', 'agent', 'sales'],
  'get /api/v1/desk/rules': CM,
  'post /api/v1/desk/rules': CM,
  'post /api/v1/desk/rules/test': CM,
  'patch /api/v1/desk/rules/:id': CM,
  'delete /api/v1/desk/rules/:id': CM,
  'get /api/v1/desk/commands': CM,
  'patch /api/v1/desk/commands/:command': CM,
  'get /api/v1/desk/canned-replies': ['admin', 'agent', 'community_manager', 'sales'],
  'post /api/v1/desk/canned-replies': ['admin', 'agent', 'community_manager'],
  'patch /api/v1/desk/canned-replies/:id': ['admin', 'agent', 'community_manager'],
  'delete /api/v1/desk/canned-replies/:id': ['admin', 'agent', 'community_manager'],
  'get /api/v1/desk/settings': CM,
  'put /api/v1/desk/settings': ADMIN,
  'get /api/v1/desk/figures': CM,
  'get /api/v1/desk/mentions': DESK,
  'post /api/v1/desk/messages/:id/retry': AGENT,
  'post /api/v1/desk/attachments': AGENT,
  'get /api/v1/desk/attachments/:id': ['admin', 'agent', 'community_manager'],

  'post /api/v1/segments/preview': CM,
  'post /api/v1/segments/': CM,
  'get /api/v1/segments/': CM,
  'get /api/v1/segments/:id': CM,
  'patch /api/v1/segments/:id': CM,
  'post /api/v1/segments/:id/duplicate': CM,
  'delete /api/v1/segments/:id': CM,
  'get /api/v1/rfm/runs': CM,
  'get /api/v1/rfm/settings': CM,
  'put /api/v1/rfm/settings': ADMIN,
  'get /api/v1/rfm/customers/:id/history': STAFF,
  'get /api/v1/dashboard/overview': CM,
  'get /api/v1/dashboard/desk': CM,

  'post /api/v1/broadcasts/': CM,
  'get /api/v1/broadcasts/': CM,
  'get /api/v1/broadcasts/:id': CM,
  'get /api/v1/broadcasts/:id/results': CM,
  'get /api/v1/broadcasts/:id/runs': CM,
  'get /api/v1/broadcasts/:id/reach': CM,
  'get /api/v1/broadcasts/:id/senders': CM,
  'post /api/v1/broadcasts/:id/remind': CM,
  'post /api/v1/broadcasts/reach': CM,
  'post /api/v1/broadcasts/preview': CM,
  'post /api/v1/broadcasts/:id/sync-results': CM,
  'get /api/v1/broadcasts/bot-rooms': ['admin', 'community_manager'],
  'post /api/v1/broadcasts/:id/pause': CM,
  'post /api/v1/broadcasts/:id/resume': CM,
  'post /api/v1/broadcasts/:id/cancel': CM,
  'post /api/v1/broadcasts/opt-outs': STAFF,
  'post /api/v1/broadcasts/me/opt-out': SHOPPER,
  'delete /api/v1/broadcasts/me/opt-out': SHOPPER,

  'get /api/v1/journeys/templates': CM,
  'post /api/v1/journeys/': CM,
  'post /api/v1/journeys/from-template': CM,
  'get /api/v1/journeys/': CM,
  'get /api/v1/journeys/:id': CM,
  'patch /api/v1/journeys/:id': CM,
  'get /api/v1/journeys/customers/:id/runs': STAFF,

  'get /api/v1/wecom/contact-ways/': MANAGERS,
  'get /api/v1/wecom/contact-ways/sources': STAFF,
  'post /api/v1/wecom/contact-ways/': MANAGERS,
  'get /api/v1/wecom/contact-ways/:id': MANAGERS,
  'get /api/v1/wecom/contact-ways/:id/qr.png': MANAGERS,
  'patch /api/v1/wecom/contact-ways/:id': MANAGERS,
  'delete /api/v1/wecom/contact-ways/:id': MANAGERS,
  'post /api/v1/wecom/sync': ADMIN,
  'get /api/v1/wecom/sync': MANAGERS,
  'post /api/v1/wecom/tags/sync': MANAGERS,
  'get /api/v1/wecom/groups': STAFF,
  'get /api/v1/wecom/groups/:chatId': MANAGERS,
  'post /api/v1/wecom/transfers/': ADMIN,
  'post /api/v1/wecom/transfers/groups': ADMIN,
  'get /api/v1/wecom/transfers/': MANAGERS,
  'get /api/v1/wecom/transfers/members/:id': MANAGERS,
  'get /api/v1/wecom/transfers/unassigned': ADMIN,
  // Exchanges a WeCom OAuth code, which the server checks with WeCom, for a staff session: no session yet.
  'post /api/v1/wecom/sidebar/session': PUBLIC,
  'get /api/v1/wecom/sidebar/signatures': STAFF,
  'get /api/v1/wecom/sidebar/contact/:externalUserId': STAFF,
  'get /api/v1/wecom/sidebar/group/:chatId': STAFF,

  // Mini-app: sign-in by wx.login code and the public client config (app id, template ids, no secrets).
  'post /api/v1/auth/miniapp': PUBLIC,
  'get /api/v1/miniapp/config': PUBLIC,
  'post /api/v1/miniapp/phone': SHOPPER,
  'post /api/v1/miniapp/subscriptions': SHOPPER,
  'get /api/v1/miniapp/subscriptions': SHOPPER,
  'get /api/v1/miniapp/card': SHOPPER,

  // Privacy (PIPL): the shopper's own consent, export and erasure; staff export and erasure.
  'get /api/v1/me/privacy': SHOPPER,
  'put /api/v1/me/privacy/consents': SHOPPER,
  'get /api/v1/me/export': SHOPPER,
  'post /api/v1/me/erasure': SHOPPER,
  'get /api/v1/me/privacy/export': SHOPPER,
  'post /api/v1/me/privacy/erasure': SHOPPER,
  'get /api/v1/privacy/customers/:id/consents': STAFF,
  'get /api/v1/privacy/customers/:id/export': ADMIN,
  'get /api/v1/privacy/erasures': ADMIN,
  'post /api/v1/privacy/customers/:id/erasure': ADMIN,
  'post /api/v1/privacy/retention/run': ADMIN,
};

/** Routes anyone may call without signing in. A new public route must be added here on purpose. */
export const PUBLIC_ROUTES = Object.entries(ACCESS_POLICY)
  .filter(([, who]) => who.includes('anonymous'))
  .map(([key]) => key);
