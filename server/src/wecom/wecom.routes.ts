import type { Deps } from '../shared/deps.js';
import { z } from 'zod';
import { ApiRouter } from '../shared/http/route.js';
import type { TagService } from '../modules/tags/tag.service.js';
import type { Wecom } from './wecom.adapter.js';
import { personMask } from '../modules/privacy/masking.js';
import { notFound } from '../shared/app-error.js';
import { dateTime, int } from '../shared/http/api-schemas.js';
import { StaffSession } from '../modules/staff/staff.responses.js';

/** The module APIs these routes use, and nothing else. */
export interface WecomRouteApis {
  deps: Deps;
  tags: TagService;
  wecom: Wecom;
}

const STAFF = ['admin', 'community_manager', 'sales', 'agent'] as const;
const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');

/** A full sync of WeCom contacts and groups, and how far it got. */
const syncRun = z.object({
  id: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  phase: z.enum(['contacts', 'groups', 'finished']),
  followUsers: int.describe('staff members whose contacts are read'),
  pages: int,
  contacts: int,
  groups: int,
  startedAt: dateTime,
  finishedAt: dateTime.optional(),
  error: z.string().optional(),
});

/** Full sync, tag sync, customer groups and the sidebar's sign-in. */
export function wecomRoutes(s: WecomRouteApis) {
  const api = new ApiRouter('/api/v1/wecom', 'wecom');
  const w = s.wecom;

  api.route({ method: 'post', path: '/sync', allow: ['admin'], status: 202, summary: 'Start a full sync of WeCom contacts and groups (returns the running one if any)', response: syncRun.extend({ alreadyRunning: z.boolean() }) }, ({ tenantId, principal }) =>
    w.fullSync.start(tenantId, principal.kind === 'staff' ? principal.id : undefined),
  );
  api.route({ method: 'get', path: '/sync', allow: ['admin', 'community_manager'], summary: 'Progress of the latest full sync', response: z.object({ run: syncRun.nullable() }) }, async ({ tenantId }) => ({ run: await w.fullSync.progress(tenantId) }));

  api.route(
    {
      method: 'post',
      path: '/tags/sync',
      allow: ['admin', 'community_manager'],
      summary: 'Mirror WeCom corp tags into our tags and push ours WeCom lacks',
      response: z.object({ created: int, renamed: int, removed: int, pushed: int }),
      errors: [429],
    },
    async ({ tenantId }) => {
      const pulled = await w.tagSync.pullCorpTags(tenantId);
      const missing = (await s.tags.list(tenantId)).filter((t) => !t.wecomTagId).map((t) => t.id);
      const pushed = await w.tagSync.ensureCorpTags(tenantId, missing);
      return { ...pulled, pushed: pushed.size };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/groups',
      allow: STAFF,
      summary:
        'Customer groups (客户群) mirrored from WeCom; with page (and pageSize) a page of the console table — filtered by status, owner and name, sorted, with members, customers, joins and leaves in the last `days`, top tags and last sync — and its total',
      query: z.object({
        status: z.enum(['active', 'dismissed']).optional(),
        owner: z.union([z.literal('me'), objectId]).optional(),
        q: z.string().trim().max(64).optional(),
        sort: z.enum(['updatedAt', 'memberCount', 'createdInWecomAt']).default('updatedAt'),
        order: z.enum(['asc', 'desc']).default('desc'),
        days: z.coerce.number().int().min(1).max(90).default(7),
        page: z.coerce.number().int().min(1).max(10_000).optional(),
        pageSize: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    async ({ tenantId, query, principal }) => {
      const me = principal.kind === 'staff' ? principal.id : undefined;
      // Sales see the groups they own, whatever they ask for.
      const owner = principal.kind === 'staff' && principal.role === 'sales' ? me : query.owner === 'me' ? me : query.owner;
      if (query.page) {
        const since = new Date(s.deps.now().getTime() - query.days * 86_400_000);
        return w.groups.page(tenantId, { status: query.status, ownerStaffId: owner, q: query.q || undefined, sort: query.sort, order: query.order, page: query.page, pageSize: query.pageSize, since });
      }
      const items = await w.groups.list(tenantId, { status: query.status, ownerStaffId: owner });
      // External members are customers: their names follow the one masking policy (staff members are colleagues).
      const m = personMask(principal);
      return { items: m.policy.name ? items : items.map((g) => ({ ...g, members: g.members.map((x) => (x.type === 2 ? { ...x, name: m.name(x.name) ?? undefined } : x)) })) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/groups/:chatId',
      allow: ['admin', 'community_manager'],
      summary: "A customer group's members (customers with their tags) and who left lately",
      params: z.object({ chatId: z.string().trim().min(1).max(128) }),
    },
    async ({ tenantId, params, principal }) => {
      const g = await w.groups.detail(tenantId, params.chatId);
      if (!g) throw notFound('Customer group');
      const m = personMask(principal);
      if (m.policy.name) return g;
      const mask = <T extends { type: number; name?: string | null }>(x: T) => (x.type === 2 ? { ...x, name: m.name(x.name) ?? undefined } : x);
      return { ...g, members: g.members.map(mask), departures: g.departures.map(mask) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/sidebar/session',
      allow: 'public',
      summary: 'Sign in a staff member in the WeCom sidebar with the OAuth code',
      body: z.object({ code: z.string().trim().min(1).max(512) }),
      audit: false,
      response: StaffSession,
      errors: [401, 403, 429],
    },
    ({ tenantId, body, ctx }) => w.sidebar.session(tenantId, body.code, ctx.ip),
  );
  api.route(
    {
      method: 'get',
      path: '/sidebar/signatures',
      allow: STAFF,
      summary: 'JS-SDK signatures for ww.register / agentConfig for a page URL',
      query: z.object({ url: z.string().url().max(2048) }),
      response: z.object({
        corpId: z.string(),
        agentId: z.string().optional(),
        timestamp: int,
        nonceStr: z.string(),
        signature: z.string().describe('for ww.register (the corp jsapi_ticket)'),
        agentConfig: z.object({ timestamp: int, nonceStr: z.string(), signature: z.string().describe('for agentConfig (the agent ticket)') }),
      }),
      errors: [429],
    },
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
