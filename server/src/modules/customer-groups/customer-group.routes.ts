import { z } from 'zod';
import type { Deps } from '../../shared/deps.js';
import { ApiRouter } from '../../shared/http/route.js';
import { notFound } from '../../shared/app-error.js';
import { personMask } from '../privacy/masking.js';
import type { CustomerGroupService } from './customer-group.service.js';
import type { SidebarGroupService } from './sidebar-group.service.js';
import { GroupDetail, GroupList, SidebarGroup } from './customer-group.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface CustomerGroupRouteApis {
  deps: Deps;
  groups: CustomerGroupService;
  sidebarGroup: SidebarGroupService;
}

const STAFF = ['admin', 'community_manager', 'sales', 'agent'] as const;
const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));

/** Customer groups (客户群): the console's table and detail, and the sidebar's group view. */
export function customerGroupRoutes(s: CustomerGroupRouteApis) {
  const api = new ApiRouter('/api/v1/wecom', 'wecom');

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
      response: GroupList,
    },
    async ({ tenantId, query, principal }) => {
      const me = principal.kind === 'staff' ? principal.id : undefined;
      // Sales see the groups they own, whatever they ask for.
      const owner = principal.kind === 'staff' && principal.role === 'sales' ? me : query.owner === 'me' ? me : query.owner;
      if (query.page) {
        const since = new Date(s.deps.now().getTime() - query.days * 86_400_000);
        return s.groups.page(tenantId, {
          status: query.status,
          ownerStaffId: owner,
          q: query.q || undefined,
          sort: query.sort,
          order: query.order,
          page: query.page,
          pageSize: query.pageSize,
          since,
        });
      }
      const items = await s.groups.list(tenantId, { status: query.status, ownerStaffId: owner });
      // External members are customers: their names follow the one masking policy (staff members are colleagues).
      const m = personMask(principal);
      return {
        items: m.policy.name
          ? items
          : items.map((g) => ({ ...g, members: g.members.map((x) => (x.type === 2 ? { ...x, name: m.name(x.name) ?? undefined } : x)) })),
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/groups/:chatId',
      allow: ['admin', 'community_manager'],
      summary: "A customer group's members (customers with their tags) and who left lately",
      params: z.object({ chatId: z.string().trim().min(1).max(128) }),
      response: GroupDetail,
    },
    async ({ tenantId, params, principal }) => {
      const g = await s.groups.detail(tenantId, params.chatId);
      if (!g) throw notFound('Customer group');
      const m = personMask(principal);
      if (m.policy.name) return g;
      const mask = <T extends { type: number; name?: string | null }>(x: T) => (x.type === 2 ? { ...x, name: m.name(x.name) ?? undefined } : x);
      return { ...g, members: g.members.map(mask), departures: g.departures.map(mask) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/sidebar/group/:chatId',
      allow: STAFF,
      summary: "The chat's customer group (getCurExternalChat): members, who buys, who joined lately; sales only for groups they own or are in",
      params: z.object({ chatId: z.string().trim().min(1).max(128) }),
      response: SidebarGroup,
    },
    ({ tenantId, principal, params }) => s.sidebarGroup.group(tenantId, principal, params.chatId),
  );
  return api;
}
