import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { STAFF_ROLES, type Principal } from '../../shared/http/principal.js';
import type { AuditService } from './audit.service.js';
import type { StaffService } from './staff.service.js';
import { ApiKey, AuditEntry, NewApiKey, Staff, StaffSession } from './staff.responses.js';
import { int } from '../../shared/http/api-schemas.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface StaffRouteApis {
  audit: AuditService;
  staff: StaffService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
export const idParams = z.object({ id: objectId });

export function staffRoutes(s: StaffRouteApis) {
  const api = new ApiRouter('/api/v1', 'staff');

  api.route(
    {
      method: 'post',
      path: '/auth/login',
      allow: 'public',
      summary: 'Staff sign-in; returns a bearer token',
      body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200), tenantId: z.string().max(64).optional() }),
      // Wrong credentials answer 401; repeated failures per account or address 429 (shared/sign-in-limits.ts).
      response: StaffSession,
      errors: [401, 429],
    },
    ({ body, tenantId, ctx }) => s.staff.login(body.tenantId ?? tenantId, body.username, body.password, ctx.ip),
  );

  api.route(
    {
      method: 'post',
      path: '/auth/logout',
      allow: STAFF_ROLES,
      summary: 'Sign out: every session of this staff account (all devices) is refused from the next request on',
      response: z.object({ signedOut: z.literal(true) }),
    },
    async ({ principal, tenantId }) => {
      if (principal.kind === 'staff') await s.staff.logout(tenantId, principal.id);
      return { signedOut: true };
    },
  );

  api.route(
    { method: 'get', path: '/auth/me', allow: STAFF_ROLES, summary: 'The signed-in staff member', response: Staff, errors: [404] },
    ({ principal, tenantId }) => s.staff.get(tenantId, principal.kind === 'staff' ? principal.id : ''),
  );

  api.route(
    {
      method: 'get',
      path: '/staff',
      allow: ['admin', 'community_manager', 'agent', 'sales'],
      summary: 'Staff list (for assignment and owner pickers): active accounts, or by status the switched-off ones too',
      query: z.object({ role: z.enum(STAFF_ROLES).optional(), status: z.enum(['active', 'inactive', 'all']).default('active') }),
      response: z.object({ items: z.array(Staff) }),
    },
    async ({ tenantId, query }) => ({ items: await s.staff.list(tenantId, { role: query.role, status: query.status }) }),
  );

  api.route(
    {
      method: 'post',
      path: '/staff',
      allow: ['admin'],
      status: 201,
      summary: 'Create a staff account',
      body: z.object({
        username: z.string().regex(/^[a-zA-Z0-9_.-]{2,64}$/, msg('USERNAME_FORMAT')),
        name: z.string().min(1).max(64),
        role: z.enum(STAFF_ROLES),
        password: z.string().min(8, msg('PASSWORD_MIN_8')).max(200),
        wecomUserId: z.string().min(1).max(64).optional(),
      }),
      response: Staff,
      errors: [409],
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
      response: Staff,
      errors: [409],
    },
    ({ tenantId, params, body }) => s.staff.update(tenantId, params.id, body),
  );

  // Integration keys: each change recorded in the audit log by the route itself (with the key's name).
  const auditKey = (principal: Principal, action: string, key: { id: string; name: string }, details: Record<string, unknown> = {}) =>
    principal.kind === 'staff'
      ? s.audit.record({
          tenantId: principal.tenantId,
          actorId: principal.id,
          actorRole: principal.role,
          action,
          targetType: 'api_key',
          targetId: key.id,
          details: { name: key.name, ...details },
        })
      : Promise.resolve();
  const actorId = (principal: Principal) => (principal.kind === 'staff' ? principal.id : undefined);

  api.route(
    {
      method: 'post',
      path: '/api-keys',
      allow: ['admin'],
      status: 201,
      audit: false,
      summary: 'Create an integration key for a shop platform (the key is in this answer only)',
      body: z.object({ name: z.string().min(1).max(64) }),
      response: NewApiKey,
    },
    async ({ tenantId, body, principal }) => {
      const created = await s.staff.apiKeys.create(tenantId, body.name, { createdBy: actorId(principal) });
      await auditKey(principal, 'api_key.create', created);
      return created;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api-keys',
      allow: ['admin'],
      summary: 'Integration keys, newest first: name, prefix, last used (to the minute), revoked; never the key',
      response: z.object({ items: z.array(ApiKey) }),
    },
    async ({ tenantId }) => ({
      items: await s.staff.apiKeys.list(tenantId),
    }),
  );

  api.route(
    {
      method: 'post',
      path: '/api-keys/:id/revoke',
      allow: ['admin'],
      audit: false,
      summary: 'Revoke an integration key: refused from its next request on',
      params: idParams,
      response: ApiKey,
      errors: [409],
    },
    async ({ tenantId, params, principal }) => {
      const revoked = await s.staff.apiKeys.revoke(tenantId, params.id, actorId(principal));
      await auditKey(principal, 'api_key.revoke', revoked);
      return revoked;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/api-keys/:id/rotate',
      allow: ['admin'],
      status: 201,
      audit: false,
      summary: 'Replace an integration key with a new one (in this answer only); the old one stops after graceMinutes (default 0: now)',
      params: idParams,
      body: z
        .object({
          graceMinutes: z
            .number()
            .int()
            .min(0)
            .max(7 * 24 * 60)
            .default(0),
        })
        .strict()
        .default({ graceMinutes: 0 }),
      response: NewApiKey.extend({ oldKey: ApiKey }),
      errors: [409],
    },
    async ({ tenantId, params, body, principal }) => {
      const { key, old } = await s.staff.apiKeys.rotate(tenantId, params.id, body.graceMinutes, actorId(principal));
      await auditKey(principal, 'api_key.rotate', old, { newKeyId: key.id, oldKeyStopsAt: old.revokedAt });
      return { ...key, oldKey: old };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/audit',
      allow: ['admin'],
      summary:
        'Audit log, newest first, filtered by actor, action (exact, or a prefix ending in a dot), target and time range [from, to); with page (and pageSize) a page of the table and its total, else the newest `limit` (before a time)',
      query: z
        .object({
          targetType: z.string().max(40).optional(),
          targetId: z.string().max(64).optional(),
          actorId: z.string().max(64).optional(),
          action: z.string().max(80).optional(),
          from: z.coerce.date().optional(),
          to: z.coerce.date().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.coerce.date().optional(),
          page: z.coerce.number().int().min(1).max(10_000).optional(),
          pageSize: z.coerce.number().int().min(1).max(200).optional(),
        })
        .refine((q) => !q.from || !q.to || q.from < q.to, { message: msg('FROM_BEFORE_TO'), path: ['to'] }),
      response: z
        .object({ items: z.array(AuditEntry), total: int.optional(), page: int.optional(), pageSize: int.optional() })
        .describe('with page or pageSize: a page and its total; else the newest entries'),
    },
    async ({ tenantId, query }) => {
      const { limit, before, page, pageSize, ...filter } = query;
      if (page || pageSize) return s.audit.page(tenantId, filter, page ?? 1, pageSize ?? limit);
      return { items: await s.audit.list(tenantId, filter, limit, before) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/audit/actions',
      allow: ['admin'],
      summary: "The actions in this brand's audit log (for the filter)",
      response: z.object({ items: z.array(z.string()) }),
    },
    async ({ tenantId }) => ({
      items: await s.audit.actions(tenantId),
    }),
  );

  return api;
}
