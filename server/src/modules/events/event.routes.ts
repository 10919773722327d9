import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { EventService } from './event.service.js';
import { requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import { eventBatchSchema } from './event.schemas.js';
import { EventBatchResult, EventProgress, EventView } from './event.responses.js';
import { notFound } from '../../shared/app-error.js';
import { msg } from '../../shared/http/validation-message.js';

/** What the event read needs of loyalty: an order's earn entry and the member's balance. */
export interface EventPointsReader {
  ledger: { getByKey(tenantId: string, key: string): Promise<{ points: number; state: string } | null> };
  members: { find(tenantId: string, customerId: string): Promise<{ balance?: number } | null> };
}

/** The module APIs these routes use, and nothing else. */
export interface EventRouteApis {
  customers: CustomerService;
  events: EventService;
  loyalty: EventPointsReader;
}

export function eventRoutes(s: EventRouteApis) {
  const api = new ApiRouter('/api/v1', 'events');

  api.route(
    {
      method: 'post',
      path: '/events',
      allow: ['integration', 'admin'],
      summary: 'Ingest up to 1,000 orders and behaviour events; idempotent by eventId, judged per item; points and aggregates follow in the worker',
      body: eventBatchSchema,
      response: EventBatchResult,
      batchField: 'events',
      audit: false,
    },
    async ({ body, tenantId, principal }) => {
      const result = await s.events.ingest(tenantId, body.events, principal.kind === 'integration' ? `key:${principal.id}` : undefined);
      // The batch is answered per item once stored; the worker applies points, aggregates, RFM and journeys.
      return result;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/events/:eventId',
      allow: ['integration', 'admin'],
      summary: 'One ingested event: whether the worker has applied it, and the points its order earned (the read after POST /events)',
      params: z.object({ eventId: z.string().trim().min(1).max(128) }),
      response: EventProgress,
      errors: [404],
    },
    async ({ params, tenantId }) => {
      const e = await s.events.findByEventId(tenantId, params.eventId);
      if (!e) throw notFound('Event');
      const customerId = String(e.customerId);
      const orderId = e.type === 'order.paid' && typeof e.data?.orderId === 'string' ? e.data.orderId : undefined;
      const earn = e.applied && orderId ? await s.loyalty.ledger.getByKey(tenantId, `earn:order:${orderId}`) : null;
      const member = e.applied ? await s.loyalty.members.find(tenantId, customerId) : null;
      return {
        eventId: e.eventId,
        type: e.type,
        customerId,
        receivedAt: e.receivedAt,
        applied: e.applied,
        ...(e.appliedAt ? { appliedAt: e.appliedAt } : {}),
        ...(earn ? { pointsEarned: earn.points } : {}),
        ...(typeof member?.balance === 'number' ? { balance: member.balance } : {}),
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/customers/:id/events',
      allow: ['admin', 'community_manager', 'sales', 'agent'],
      summary: 'A customer’s orders and behaviour, newest first',
      params: z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID')) }),
      query: z.object({ type: z.string().max(80).optional(), before: z.coerce.date().optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }),
      use: [requireVisibleCustomer(s.customers, 'id')],
      response: z.object({ items: z.array(EventView) }),
    },
    async ({ query, tenantId, ctx }) => {
      const doc = visibleCustomer(ctx);
      const items = await s.events.listForCustomer(tenantId, String(doc._id), { type: query.type, before: query.before }, query.limit);
      return { items: items.map((e) => ({ id: String(e._id), eventId: e.eventId, type: e.type, occurredAt: e.occurredAt, data: e.data })) };
    },
  );

  return api;
}
