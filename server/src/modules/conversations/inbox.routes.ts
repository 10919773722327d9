import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Principal } from '../../shared/http/principal.js';
import type { DeskService } from './desk.service.js';
import type { Actor } from './handoff.service.js';

/** The module APIs these routes use, and nothing else. */
export interface InboxRouteApis {
  desk: DeskService;
}

type Staff = Extract<Principal, { kind: 'staff' }>;
const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');
const actor = (p: Principal): Actor => {
  const s = p as Staff;
  return { id: s.id, name: s.name, role: s.role };
};

/** The inbox's own lists beside the conversations (提及我), and 重试 on a failed message. */
export function inboxRoutes(s: InboxRouteApis) {
  const api = new ApiRouter('/api/v1/desk', 'conversations');

  api.route(
    {
      method: 'get',
      path: '/mentions',
      allow: ['agent', 'community_manager', 'sales'],
      summary: '提及我: notes that @mention me in chats I have not opened since, newest first, with their count',
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(30) }),
    },
    ({ query, principal, tenantId }) => s.desk.mentions.unread(tenantId, (principal as Staff).id, query.limit),
  );

  api.route(
    {
      method: 'post',
      path: '/messages/:id/retry',
      allow: ['agent'],
      summary: '重试: send a reply or notice whose delivery failed again (the chat’s assignee); it shows queued, then sent or failed with the reason',
      params: z.object({ id: objectId }),
    },
    ({ params, principal, tenantId }) => s.desk.retryDelivery(tenantId, params.id, actor(principal)),
  );

  return api;
}
