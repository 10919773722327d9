import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Services } from '../../services.js';
import { loadVisibleCustomer } from '../customers/customer.routes.js';
import { journeySchema } from './journey.schemas.js';
import { journeyTemplates } from './journey.templates.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');
const idParams = z.object({ id: objectId });
const MANAGERS = ['community_manager'] as const;

const view = (j: any) => ({ id: String(j._id), name: j.name, trigger: j.trigger, steps: j.steps, enabled: j.enabled, createdAt: j.createdAt });
const runView = (r: any) => ({ id: String(r._id), journeyId: String(r.journeyId), customerId: String(r.customerId), occurrence: r.occurrence, state: r.state, step: r.step, nextAt: r.nextAt, startedAt: r.startedAt, log: r.log });

export function journeyRoutes(s: Services) {
  const api = new ApiRouter('/api/v1/journeys', 'journeys');

  api.route({ method: 'get', path: '/templates', allow: MANAGERS, summary: 'Ready-made journeys to copy: welcome, birthday, win-back, abandoned cart, review request' }, () => ({ items: journeyTemplates }));

  api.route({ method: 'post', path: '/', allow: MANAGERS, status: 201, summary: 'Create a journey: a trigger and its steps', body: journeySchema }, async ({ body, tenantId, principal }) =>
    view(await s.journeys.create(tenantId, body, principal.kind === 'staff' ? principal.id : undefined)),
  );

  api.route({ method: 'get', path: '/', allow: MANAGERS, summary: 'Journeys' }, async ({ tenantId }) => ({ items: (await s.journeys.list(tenantId)).map(view) }));

  api.route({ method: 'get', path: '/:id', allow: MANAGERS, summary: 'A journey with its latest runs', params: idParams }, async ({ params, tenantId }) => ({
    ...view(await s.journeys.get(tenantId, params.id)),
    runs: (await s.journeys.runs(tenantId, params.id)).map(runView),
  }));

  api.route({ method: 'patch', path: '/:id', allow: MANAGERS, summary: 'Switch a journey on or off', params: idParams, body: z.object({ enabled: z.boolean() }).strict() }, async ({ params, body, tenantId }) =>
    view(await s.journeys.setEnabled(tenantId, params.id, body.enabled)),
  );

  api.route(
    { method: 'get', path: '/customers/:id/runs', allow: ['admin', 'community_manager', 'sales', 'agent'], summary: "A customer's journeys and what each step did", params: idParams },
    async ({ params, principal, tenantId }) => {
      const doc = await loadVisibleCustomer(s, principal, tenantId, params.id);
      return { items: (await s.journeys.runsForCustomer(tenantId, String(doc._id))).map(runView) };
    },
  );
  return api;
}
