import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { AppError, notFound } from '../../shared/app-error.js';
import { CustomerErrorCode } from './customer.errors.js';
import type { Principal } from '../../shared/http/principal.js';
import type { AuditService } from '../staff/audit.service.js';
import type { CustomerService } from './customer.service.js';
import type { EventService } from '../events/event.service.js';
import type { FollowUpService } from './follow-up.service.js';
import type { CustomerMergeService } from './customer-merge.service.js';
import type { StaffService } from '../staff/staff.service.js';
import type { TagService } from '../tags/tag.service.js';
import { customerView } from './customer.view.js';
import { loadVisibleCustomer, requireVisibleCustomer, visibleCustomer } from './customer-access.js';
import { CUSTOMER_SORTS, type CustomerSort } from './customer.service.js';
import { maskFreeText, personalDataPolicy } from '../privacy/masking.js';
import { auditRead, auditWrite, changedFields } from '../privacy/personal-data-audit.js';
import { Customer, CustomerDetail, CustomerPage, FollowUp, Note } from './customer.responses.js';
import { int, objectIdString } from '../../shared/http/api-schemas.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface CustomerRouteApis {
  audit: AuditService;
  customers: CustomerService;
  events: EventService;
  followUps: FollowUpService;
  merges: CustomerMergeService;
  staff: StaffService;
  tags: TagService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const idParams = z.object({ id: objectId });
const STAFF = ['admin', 'community_manager', 'sales', 'agent'] as const;

export const attributesSchema = z
  .object({
    name: z.string().trim().min(1).max(64),
    gender: z.enum(['male', 'female', 'unknown']),
    birthday: z.object({ month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31), year: z.number().int().min(1900).max(2100).optional() }),
    city: z.string().trim().max(64),
    remark: z.string().trim().max(200),
    sourceChannel: z.string().trim().min(1).max(64),
    ownerStaffId: objectId,
  })
  .partial()
  .strict();

export function customerRoutes(s: CustomerRouteApis) {
  const api = new ApiRouter('/api/v1/customers', 'customers');
  const visible = requireVisibleCustomer(s.customers, 'id');

  api.route(
    {
      method: 'get',
      path: '/',
      allow: STAFF,
      summary: 'Search customers by name, phone or remark; filter by tag or owner',
      query: z.object({
        q: z.string().trim().max(64).optional(),
        tag: z.string().max(64).optional(),
        owner: z.union([objectId, z.literal('me')]).optional(),
        rfm: z.string().trim().max(16).optional(),
        /** One cell of the 数据 page's R×F heatmap: the latest run's recency and frequency scores. */
        r: z.coerce.number().int().min(1, msg('R_SCORE_1_TO_5')).max(5, msg('R_SCORE_1_TO_5')).optional(),
        f: z.coerce.number().int().min(1, msg('F_SCORE_1_TO_5')).max(5, msg('F_SCORE_1_TO_5')).optional(),
        churn: z.enum(['ok', 'at_risk', 'lost']).optional(),
        channel: z.string().trim().max(64).optional(),
        relation: z.enum(['none', 'active', 'lost']).optional(),
        sort: z.enum(Object.keys(CUSTOMER_SORTS) as [CustomerSort, ...CustomerSort[]]).default('updatedAt'),
        order: z.enum(['asc', 'desc']).default('desc'),
        page: z.coerce.number().int().min(1).max(10_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(100).default(20),
      }),
      response: CustomerPage,
    },
    async ({ query, principal, tenantId }) => {
      const me = principal.kind === 'staff' ? principal.id : undefined;
      const result = await s.customers.search(tenantId, {
        q: query.q || undefined,
        tag: query.tag,
        rfmClass: query.rfm || undefined,
        rfmR: query.r,
        rfmF: query.f,
        churnState: query.churn,
        sourceChannel: query.channel || undefined,
        relation: query.relation,
        sort: query.sort,
        order: query.order,
        ownerStaffId: query.owner === 'me' ? me : query.owner,
        visibleTo: principal.kind === 'staff' && principal.role === 'sales' ? me : undefined,
        page: query.page,
        pageSize: query.pageSize,
      });
      return { ...result, items: result.items.map((c) => customerView(c, principal)) };
    },
  );

  const bulkIds = z.array(objectId).min(1, msg('CUSTOMERS_REQUIRED')).max(500, msg('CUSTOMERS_AT_MOST_500'));
  api.route(
    {
      method: 'post',
      path: '/bulk/tags',
      allow: ['admin', 'community_manager'],
      summary: 'Add and remove tags on many customers at once (the console table’s bulk action)',
      body: z
        .object({ ids: bulkIds, add: z.array(objectId).max(50).default([]), remove: z.array(objectId).max(50).default([]) })
        .strict()
        .refine((b) => b.add.length + b.remove.length > 0, { message: msg('TAG_CHANGE_REQUIRED') }),
      response: z.object({ matched: int }),
      errors: [404],
    },
    async ({ body, principal, tenantId }) => {
      await s.tags.assertExist(tenantId, body.add);
      return s.customers.tagMany(tenantId, body.ids, body.add, body.remove, principal.kind === 'staff' ? principal.id : undefined);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/bulk/owner',
      allow: ['admin', 'community_manager'],
      summary: 'Give many customers one owner (the console table’s bulk action)',
      body: z.object({ ids: bulkIds, ownerStaffId: objectId }).strict(),
      response: z.object({ matched: int, modified: int }),
      errors: [404],
    },
    async ({ body, tenantId }) => {
      const owner = await s.staff.get(tenantId, body.ownerStaffId);
      if (!owner.active) throw notFound('Staff member');
      return s.customers.assignOwner(tenantId, body.ids, body.ownerStaffId);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id',
      allow: STAFF,
      summary: 'A customer 360 profile with recent timeline',
      params: idParams,
      use: [visible],
      response: CustomerDetail,
    },
    async ({ principal, tenantId, ctx }) => {
      const doc = visibleCustomer(ctx);
      const id = String(doc._id);
      const [events, followUps, merges] = await Promise.all([
        s.events.recentForCustomer(tenantId, id, 20),
        s.followUps.list(tenantId, { customerId: id }, 20),
        s.merges.history(tenantId, id),
      ]);
      const policy = personalDataPolicy(principal, doc.ownerStaffId);
      const notes = (doc.notes ?? []).map((n) => ({ ...n, text: maskFreeText(n.text, policy, doc) }));
      const timeline = [
        ...events.map((e) => ({ kind: 'event', type: e.type, at: e.occurredAt, data: e.data })),
        ...notes.map((n) => ({ kind: 'note', type: 'note', at: n.at, data: { text: n.text, staffName: n.staffName } })),
        ...merges.map((m) => ({ kind: 'merge', type: 'merge', at: m.at, data: { reason: m.reason, fromId: String(m.fromId) } })),
      ]
        .sort((a, b) => +new Date(b.at) - +new Date(a.at))
        .slice(0, 30);
      const tasks = followUps.map((f) => ({ ...f, title: maskFreeText(f.title, policy, doc) }));
      // A full, unmasked profile is a read of personal data: the audit log says who read whose.
      if (policy.name && policy.phone)
        await auditRead(s.audit, principal, tenantId, 'customers.read', id, { fields: ['name', 'phone', 'remark', 'notes', 'identities'] });
      return { ...customerView(doc, principal), notes, followUps: tasks, timeline };
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/:id',
      allow: ['admin', 'sales', 'agent'],
      audit: false,
      summary: 'Change profile attributes (audited with each changed value before and after)',
      params: idParams,
      body: attributesSchema,
      use: [visible],
      response: Customer,
    },
    async ({ params, body, principal, tenantId, ctx }) => {
      const before = visibleCustomer(ctx);
      const after = await s.customers.update(tenantId, params.id, body);
      await auditWrite(s.audit, principal, tenantId, 'customers.update', String(after._id), changedFields(before, after, Object.keys(body)));
      return customerView(after, principal);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/notes',
      allow: ['admin', 'sales', 'agent'],
      status: 201,
      summary: 'Add a note to a customer',
      params: idParams,
      body: z.object({ text: z.string().trim().min(1, msg('TEXT_REQUIRED')).max(2000) }),
      use: [visible],
      response: Note,
    },
    async ({ params, body, principal, tenantId }) => {
      const staff = principal as Extract<Principal, { kind: 'staff' }>;
      return s.customers.addNote(tenantId, params.id, { staffId: staff.id, staffName: staff.name, text: body.text });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/tags',
      allow: ['admin', 'sales', 'agent', 'community_manager'],
      audit: false,
      summary: 'Add and remove tags on a customer (synced to WeCom corp tags; audited with the tags before and after)',
      params: idParams,
      body: z
        .object({ add: z.array(objectId).max(50).default([]), remove: z.array(objectId).max(50).default([]) })
        .refine((b) => b.add.length + b.remove.length > 0, { message: msg('TAG_CHANGE_REQUIRED') }),
      use: [visible],
      response: z.object({ tags: z.array(objectIdString) }),
    },
    async ({ params, body, principal, tenantId, ctx }) => {
      const before = visibleCustomer(ctx);
      await s.tags.assertExist(tenantId, body.add);
      const tags = await s.customers.tag(tenantId, params.id, body.add, body.remove, principal.kind === 'staff' ? principal.id : undefined);
      await auditWrite(
        s.audit,
        principal,
        tenantId,
        'customers.tags',
        String(before._id),
        changedFields({ tags: [...(before.tags ?? [])].map(String).sort() }, { tags: [...tags].map(String).sort() }, ['tags']),
      );
      return { tags };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/merge',
      // Who works with identities: admins, desk agents (chat contacts) and sales on their own book.
      allow: ['admin', 'agent', 'sales'],
      summary:
        'Merge another profile with this one (one person): same rules as automatic merges — the older profile stays, identities, orders, points, tags, notes and chats move to it; audited',
      params: idParams,
      body: z.object({ otherId: objectId, note: z.string().trim().max(200).optional() }).strict(),
      use: [visible],
      response: z.object({ id: objectIdString, mergedId: objectIdString, profile: Customer }),
      errors: [409],
    },
    async ({ body, principal, tenantId, ctx }) => {
      const [a, b] = [visibleCustomer(ctx), await loadVisibleCustomer(s.customers, principal, tenantId, body.otherId)];
      if (String(a._id) === String(b._id)) throw new AppError(CustomerErrorCode.ALREADY_ONE, 'These two ids already name one profile', { status: 409 });
      const staff = principal as Extract<Principal, { kind: 'staff' }>;
      const id = await s.merges.merge(tenantId, String(a._id), String(b._id), `merged by ${staff.name} (${staff.role})${body.note ? `: ${body.note}` : ''}`);
      const mergedId = id === String(a._id) ? String(b._id) : String(a._id);
      await s.audit.record({
        tenantId,
        actorId: staff.id,
        actorRole: staff.role,
        action: 'customers.merge',
        targetType: 'customer',
        targetId: id,
        details: { mergedId, note: body.note ?? null },
      });
      return { id, mergedId, profile: customerView(await s.customers.get(tenantId, id), principal) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/follow-ups',
      allow: ['admin', 'sales', 'agent', 'community_manager'],
      status: 201,
      summary: 'Create a follow-up task about a customer',
      params: idParams,
      body: z.object({ title: z.string().trim().min(1).max(200), dueAt: z.coerce.date().optional(), assigneeId: objectId.optional() }),
      use: [visible],
      response: FollowUp,
    },
    async ({ body, principal, tenantId, ctx }) => {
      const doc = visibleCustomer(ctx);
      const me = principal.kind === 'staff' ? principal.id : undefined;
      return s.followUps.create(tenantId, {
        customerId: String(doc._id),
        title: body.title,
        dueAt: body.dueAt,
        assigneeId: body.assigneeId ?? me,
        createdBy: me,
      });
    },
  );

  return api;
}

export function followUpRoutes(s: CustomerRouteApis) {
  const api = new ApiRouter('/api/v1/follow-ups', 'customers');
  api.route(
    {
      method: 'get',
      path: '/',
      allow: STAFF,
      summary: 'Follow-up tasks, mine by default: the 50 due soonest and how many there are in all',
      query: z.object({ assignee: z.union([objectId, z.literal('me'), z.literal('all')]).default('me'), status: z.enum(['open', 'done']).optional() }),
      response: z.object({ items: z.array(FollowUp), total: int }),
    },
    async ({ query, principal, tenantId }) => {
      const me = principal.kind === 'staff' ? principal.id : '';
      const assigneeId =
        query.assignee === 'me' || (principal.kind === 'staff' && principal.role === 'sales') ? me : query.assignee === 'all' ? undefined : query.assignee;
      const filter = { assigneeId, status: query.status };
      const [items, total] = await Promise.all([s.followUps.list(tenantId, filter), s.followUps.count(tenantId, filter)]);
      // Titles name the customer (the churn warning does); mask as the caller's role sees profiles.
      // Without each owner at hand a sales member's titles get phones masked too — they rarely hold one.
      const policy = personalDataPolicy(principal);
      if (policy.name && policy.phone) return { items, total };
      const names = policy.name
        ? new Map<string, string>()
        : await s.customers.namesOf(
            tenantId,
            items.map((t) => String(t.customerId)),
          );
      return { total, items: items.map((t) => ({ ...t, title: maskFreeText(t.title, policy, { name: names.get(String(t.customerId)) }) })) };
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/:id',
      allow: STAFF,
      summary: 'Complete or reopen a follow-up',
      params: idParams,
      body: z.object({ status: z.enum(['open', 'done']) }),
      response: FollowUp,
    },
    async ({ params, body, principal, tenantId }) => {
      const task = await s.followUps.get(tenantId, params.id);
      if (principal.kind === 'staff' && principal.role === 'sales' && task.assigneeId !== principal.id) throw notFound('Follow-up');
      return s.followUps.setStatus(tenantId, params.id, body.status);
    },
  );
  return api;
}
