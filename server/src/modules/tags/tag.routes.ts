import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { TagService } from './tag.service.js';
import type { Wecom } from '../../wecom/wecom.adapter.js';
import { Tag, TagOverview } from './tag.responses.js';
import { int } from '../../shared/http/api-schemas.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface TagRouteApis {
  tags: TagService;
  wecom: Wecom;
}

const idParams = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID')) });
const tagName = z.string().trim().min(1).max(30, msg('TAG_NAME_AT_MOST_30'));

export function tagRoutes(s: TagRouteApis) {
  const api = new ApiRouter('/api/v1/tags', 'tags');
  api.route(
    {
      method: 'get',
      path: '/',
      allow: ['admin', 'community_manager', 'sales', 'agent'],
      summary: 'All tags by group',
      response: z.object({ items: z.array(Tag) }),
    },
    async ({ tenantId }) => ({
      items: await s.tags.list(tenantId),
    }),
  );
  api.route(
    {
      method: 'post',
      path: '/',
      allow: ['admin', 'community_manager'],
      status: 201,
      summary: 'Create a tag (idempotent by group and name)',
      body: z.object({ groupName: tagName, name: tagName, order: z.number().int().min(0).max(10_000).optional() }),
      response: Tag,
    },
    ({ tenantId, body }) => s.tags.ensure(tenantId, body.groupName, body.name, { order: body.order }),
  );
  api.route(
    {
      method: 'get',
      path: '/overview',
      allow: ['admin', 'community_manager'],
      summary:
        "Tag groups with their tags, each with how many active customers carry it and where it stands with WeCom (synced, local, pending, failed and the push's error)",
      response: TagOverview,
    },
    async ({ tenantId }) => {
      const groups = await s.tags.overview(tenantId);
      const { states, lastPushAt } = await s.wecom.tagSync.tagStates(
        tenantId,
        groups.flatMap((g) => g.tags),
      );
      return {
        wecomEnabled: s.wecom.enabled,
        lastPushAt: lastPushAt?.toISOString(),
        groups: groups.map((g) => ({
          ...g,
          customers: g.tags.reduce((n, t) => n + t.customers, 0),
          tags: g.tags.map((t) => ({ ...t, wecom: states.get(t.id) })),
        })),
      };
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/:id',
      allow: ['admin', 'community_manager'],
      summary: 'Rename or move a tag (to another group: WeCom gets a new corp tag there, customers keep it)',
      params: idParams,
      body: z
        .object({ groupName: tagName, name: tagName, order: z.number().int().min(0).max(10_000) })
        .partial()
        .strict()
        .refine((b) => Object.keys(b).length > 0, msg('TAG_EDIT_REQUIRED')),
      response: Tag,
      errors: [409],
    },
    ({ tenantId, params, body }) => s.tags.rename(tenantId, params.id, body),
  );
  api.route(
    {
      method: 'delete',
      path: '/:id',
      allow: ['admin', 'community_manager'],
      summary: 'Delete a tag: taken off every customer who has it, and deleted in WeCom',
      params: idParams,
      response: Tag.extend({ customers: int.describe('how many customers it was taken off') }),
    },
    ({ tenantId, params }) => s.tags.remove(tenantId, params.id),
  );
  api.route(
    {
      method: 'delete',
      path: '/groups/:name',
      allow: ['admin', 'community_manager'],
      summary: 'Delete a tag group with every tag in it: taken off every customer, and deleted in WeCom',
      params: z.object({ name: tagName }),
      response: z.object({ groupName: z.string(), tags: int, customers: int }),
    },
    ({ tenantId, params }) => s.tags.removeGroup(tenantId, params.name),
  );
  return api;
}
