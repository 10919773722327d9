import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Services } from '../../services.js';

const idParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id') });
const tagName = z.string().trim().min(1).max(30, 'WeCom allows tag names up to 30 characters');

export function tagRoutes(s: Services) {
  const api = new ApiRouter('/api/v1/tags', 'tags');
  api.route({ method: 'get', path: '/', allow: ['admin', 'community_manager', 'sales', 'agent'], summary: 'All tags by group' }, async ({ tenantId }) => ({
    items: await s.tags.list(tenantId),
  }));
  api.route(
    { method: 'post', path: '/', allow: ['admin', 'community_manager'], status: 201, summary: 'Create a tag (idempotent by group and name)', body: z.object({ groupName: tagName, name: tagName, order: z.number().int().min(0).max(10_000).optional() }) },
    ({ tenantId, body }) => s.tags.ensure(tenantId, body.groupName, body.name, { order: body.order }),
  );
  api.route(
    { method: 'patch', path: '/:id', allow: ['admin', 'community_manager'], summary: 'Rename or move a tag', params: idParams, body: z.object({ groupName: tagName, name: tagName, order: z.number().int().min(0).max(10_000) }).partial().strict() },
    ({ tenantId, params, body }) => s.tags.rename(tenantId, params.id, body),
  );
  api.route({ method: 'delete', path: '/:id', allow: ['admin', 'community_manager'], summary: 'Delete a tag', params: idParams }, ({ tenantId, params }) =>
    s.tags.remove(tenantId, params.id),
  );
  return api;
}
