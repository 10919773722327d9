import { z } from 'zod';
import { ApiRouter } from '../shared/http/route.js';
import type { TagService } from '../modules/tags/tag.service.js';
import type { Wecom } from './wecom.adapter.js';
import { personMask } from '../modules/privacy/masking.js';

/** The module APIs these routes use, and nothing else. */
export interface WecomRouteApis {
  tags: TagService;
  wecom: Wecom;
}

const STAFF = ['admin', 'community_manager', 'sales', 'agent'] as const;

/** Full sync, tag sync, customer groups and the sidebar's sign-in. */
export function wecomRoutes(s: WecomRouteApis) {
  const api = new ApiRouter('/api/v1/wecom', 'wecom');
  const w = s.wecom;

  api.route({ method: 'post', path: '/sync', allow: ['admin'], status: 202, summary: 'Start a full sync of WeCom contacts and groups (returns the running one if any)' }, ({ tenantId, principal }) =>
    w.fullSync.start(tenantId, principal.kind === 'staff' ? principal.id : undefined),
  );
  api.route({ method: 'get', path: '/sync', allow: ['admin', 'community_manager'], summary: 'Progress of the latest full sync' }, async ({ tenantId }) => ({ run: await w.fullSync.progress(tenantId) }));

  api.route({ method: 'post', path: '/tags/sync', allow: ['admin', 'community_manager'], summary: 'Mirror WeCom corp tags into our tags and push ours WeCom lacks' }, async ({ tenantId }) => {
    const pulled = await w.tagSync.pullCorpTags(tenantId);
    const missing = (await s.tags.list(tenantId)).filter((t) => !t.wecomTagId).map((t) => t.id);
    const pushed = await w.tagSync.ensureCorpTags(tenantId, missing);
    return { ...pulled, pushed: pushed.size };
  });

  api.route(
    { method: 'get', path: '/groups', allow: STAFF, summary: 'Customer groups (客户群) mirrored from WeCom', query: z.object({ status: z.enum(['active', 'dismissed']).optional(), owner: z.literal('me').optional() }) },
    async ({ tenantId, query, principal }) => {
      const mine = query.owner === 'me' || (principal.kind === 'staff' && principal.role === 'sales');
      const items = await w.groups.list(tenantId, { status: query.status, ownerStaffId: mine && principal.kind === 'staff' ? principal.id : undefined });
      // External members are customers: their names follow the one masking policy (staff members are colleagues).
      const m = personMask(principal);
      return { items: m.policy.name ? items : items.map((g) => ({ ...g, members: g.members.map((x) => (x.type === 2 ? { ...x, name: m.name(x.name) ?? undefined } : x)) })) };
    },
  );

  api.route(
    { method: 'post', path: '/sidebar/session', allow: 'public', summary: 'Sign in a staff member in the WeCom sidebar with the OAuth code', body: z.object({ code: z.string().trim().min(1).max(512) }), audit: false },
    ({ tenantId, body, ctx }) => w.sidebar.session(tenantId, body.code, ctx.ip),
  );
  api.route(
    { method: 'get', path: '/sidebar/signatures', allow: STAFF, summary: 'JS-SDK signatures for ww.register / agentConfig for a page URL', query: z.object({ url: z.string().url().max(2048) }) },
    ({ query }) => w.sidebar.signatures(query.url),
  );
  api.route(
    {
      method: 'get',
      path: '/sidebar/contact/:externalUserId',
      allow: STAFF,
      summary: "The profile id of the chat's external contact (getCurExternalContact); fetched from WeCom when not synced yet",
      params: z.object({ externalUserId: z.string().trim().min(1).max(128) }),
    },
    ({ tenantId, principal, params }) => w.sidebarContext.contact(tenantId, principal, params.externalUserId),
  );
  api.route(
    {
      method: 'get',
      path: '/sidebar/group/:chatId',
      allow: STAFF,
      summary: "The chat's customer group (getCurExternalChat): members, who buys, who joined lately; sales only for groups they own or are in",
      params: z.object({ chatId: z.string().trim().min(1).max(128) }),
    },
    ({ tenantId, principal, params }) => w.sidebarContext.group(tenantId, principal, params.chatId),
  );
  return api;
}
