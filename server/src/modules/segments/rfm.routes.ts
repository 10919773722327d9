import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { RfmService } from './rfm.service.js';
import { requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import { RfmHistory, RfmRuns, RfmSettings } from './segment.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface RfmRouteApis {
  customers: CustomerService;
  rfm: RfmService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const fourAscending = (what: 'R' | 'F' | 'M') =>
  z
    .array(z.number().int().min(0))
    .length(4, msg(`RFM_${what}_CUTS`))
    .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]), { message: msg(`RFM_${what}_ASCENDING`) });

export function rfmRoutes(s: RfmRouteApis) {
  const api = new ApiRouter('/api/v1/rfm', 'segments');

  api.route(
    {
      method: 'get',
      path: '/runs',
      allow: ['community_manager'],
      summary: 'Nightly RFM runs: cut points and class distribution per day (trend)',
      response: RfmRuns,
    },
    async ({ tenantId }) => ({
      items: (await s.rfm.runs(tenantId)).map((r) => ({ day: r.day, cuts: r.cuts, source: r.source, distribution: r.distribution, scored: r.scored })),
    }),
  );

  api.route(
    { method: 'get', path: '/settings', allow: ['community_manager'], summary: 'The RFM cut points in use and where they come from', response: RfmSettings },
    async ({ tenantId }) => s.rfm.settings(tenantId),
  );

  api.route(
    {
      method: 'put',
      path: '/settings',
      allow: ['admin'],
      summary: 'Configure fixed RFM cut points (recency days, order count, total paid in fen), or null for quintiles',
      body: z
        .object({
          cuts: z
            .object({ r: fourAscending('R'), f: fourAscending('F'), m: fourAscending('M') })
            .strict()
            .nullable(),
        })
        .strict(),
      response: RfmSettings,
    },
    async ({ tenantId, body }) => s.rfm.configure(tenantId, body.cuts),
  );

  api.route(
    {
      method: 'get',
      path: '/customers/:id/history',
      allow: ['admin', 'community_manager', 'sales', 'agent'],
      summary: "A customer's RFM score changes over time",
      params: z.object({ id: objectId }),
      use: [requireVisibleCustomer(s.customers, 'id')],
      response: RfmHistory,
    },
    async ({ tenantId, ctx }) => {
      const doc = visibleCustomer(ctx);
      return {
        current: doc.rfm ?? null,
        items: (await s.rfm.history(tenantId, String(doc._id))).map((h) => ({ day: h.day, r: h.r, f: h.f, m: h.m, class: h.class })),
      };
    },
  );
  return api;
}
