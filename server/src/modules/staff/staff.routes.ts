import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { STAFF_ROLES } from '../../shared/http/principal.js';
import type { Services } from '../../services.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');
export const idParams = z.object({ id: objectId });

export function staffRoutes(s: Services) {
  const api = new ApiRouter('/api/v1', 'staff');

  api.route(
    {
      method: 'post',
      path: '/auth/login',
      allow: 'public',
      summary: 'Staff sign-in; returns a bearer token',
      body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200), tenantId: z.string().max(64).optional() }),
    },
    ({ body, tenantId, ctx }) => s.staff.login(body.tenantId ?? tenantId, body.username, body.password, ctx.ip),
  );

  api.route({ method: 'get', path: '/auth/me', allow: STAFF_ROLES, summary: 'The signed-in staff member' }, ({ principal, tenantId }) =>
    s.staff.get(tenantId, principal.kind === 'staff' ? principal.id : ''),
  );

  api.route(
    { method: 'get', path: '/staff', allow: ['admin', 'community_manager', 'agent', 'sales'], summary: 'Staff list (for assignment and owner pickers)', query: z.object({ role: z.enum(STAFF_ROLES).optional() }) },
    async ({ tenantId, query }) => ({ items: await s.staff.list(tenantId, { role: query.role }) }),
  );

  api.route(
    {
      method: 'post',
      path: '/staff',
      allow: ['admin'],
      status: 201,
      summary: 'Create a staff account',
      body: z.object({
        username: z.string().regex(/^[a-zA-Z0-9_.-]{2,64}$/, 'use 2-64 letters, digits, dot, dash or underscore'),
        name: z.string().min(1).max(64),
        role: z.enum(STAFF_ROLES),
        password: z.string().min(8, 'must be at least 8 characters').max(200),
        wecomUserId: z.string().min(1).max(64).optional(),
      }),
    },
    ({ tenantId, body }) => s.staff.create(tenantId, body),
  );

  api.route(
    {
      method: 'patch',
      path: '/staff/:id',
      allow: ['admin'],
      summary: 'Change a staff account (role, active, capacity, password)',
      params: idParams,
      body: z
        .object({
          name: z.string().min(1).max(64),
          role: z.enum(STAFF_ROLES),
          active: z.boolean(),
          online: z.boolean(),
          capacity: z.number().int().min(0).max(100),
          wecomUserId: z.string().min(1).max(64),
          password: z.string().min(8).max(200),
        })
        .partial()
        .strict(),
    },
    ({ tenantId, params, body }) => s.staff.update(tenantId, params.id, body),
  );

  api.route(
    { method: 'post', path: '/api-keys', allow: ['admin'], status: 201, summary: 'Create an integration key for a shop platform (shown once)', body: z.object({ name: z.string().min(1).max(64) }) },
    ({ tenantId, body }) => s.staff.createApiKey(tenantId, body.name),
  );

  api.route(
    {
      method: 'get',
      path: '/audit',
      allow: ['admin'],
      summary: 'Audit log, newest first',
      query: z.object({
        targetType: z.string().max(40).optional(),
        targetId: z.string().max(64).optional(),
        actorId: z.string().max(64).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.coerce.date().optional(),
      }),
    },
    async ({ tenantId, query }) => ({ items: await s.audit.list(tenantId, query, query.limit, query.before) }),
  );

  return api;
}
