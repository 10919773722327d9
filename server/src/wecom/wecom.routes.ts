import { z } from 'zod';
import { ApiRouter } from '../shared/http/route.js';
import type { TagService } from '../modules/tags/tag.service.js';
import type { Wecom } from './wecom.adapter.js';
import { dateTime, int, objectIdString } from '../shared/http/api-schemas.js';
import { StaffSession } from '../modules/staff/staff.responses.js';

/** The module APIs these routes use, and nothing else. */
export interface WecomRouteApis {
  tags: TagService;
  wecom: Wecom;
}

const STAFF = ['admin', 'community_manager', 'sales', 'agent'] as const;

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

/** Full sync, tag sync and the sidebar's sign-in and contact. */
export function wecomRoutes(s: WecomRouteApis) {
  const api = new ApiRouter('/api/v1/wecom', 'wecom');
  const w = s.wecom;

  api.route(
    {
      method: 'post',
      path: '/sync',
      allow: ['admin'],
      status: 202,
      summary: 'Start a full sync of WeCom contacts and groups (returns the running one if any)',
      response: syncRun.extend({ alreadyRunning: z.boolean() }),
    },
    ({ tenantId, principal }) => w.fullSync.start(tenantId, principal.kind === 'staff' ? principal.id : undefined),
  );
  api.route(
    {
      method: 'get',
      path: '/sync',
      allow: ['admin', 'community_manager'],
      summary: 'Progress of the latest full sync',
      response: z.object({ run: syncRun.nullable() }),
    },
    async ({ tenantId }) => ({ run: await w.fullSync.progress(tenantId) }),
  );

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
      response: z.object({ customerId: objectIdString }),
    },
    ({ tenantId, principal, params }) => w.sidebarContext.contact(tenantId, principal, params.externalUserId),
  );
  return api;
}
