import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Principal } from '../../shared/http/principal.js';
import type { DeskService } from './desk.service.js';

/** The module APIs these routes use, and nothing else. */
export interface InboxRouteApis {
  desk: DeskService;
}

type Staff = Extract<Principal, { kind: 'staff' }>;

/** The inbox's own lists beside the conversations: 提及我. */
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

  return api;
}
