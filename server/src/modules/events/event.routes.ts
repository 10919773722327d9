import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { EventService } from './event.service.js';
import { requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import { eventBatchSchema } from './event.schemas.js';
import { EventBatchResult, EventView } from './event.responses.js';

/** The module APIs these routes use, and nothing else. */
export interface EventRouteApis {
  customers: CustomerService;
  events: EventService;
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
      path: '/customers/:id/events',
      allow: ['admin', 'community_manager', 'sales', 'agent'],
      summary: 'A customer’s orders and behaviour, newest first',
      params: z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id') }),
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
