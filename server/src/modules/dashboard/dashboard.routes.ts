import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Broadcasts } from '../broadcasts/broadcasts.module.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { Deps } from '../../shared/deps.js';
import type { EventService } from '../events/event.service.js';
import { periodEnd } from '../../shared/http/period.schema.js';
import { DashboardService, endOfLocalDay } from './dashboard.service.js';
import type { DeskApi } from '../conversations/desk.module.js';
import { DeskDashboard, Overview } from './dashboard.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface DashboardRouteApis {
  broadcasts: Broadcasts;
  customers: CustomerService;
  deps: Deps;
  desk: DeskApi;
  events: EventService;
}

export function dashboardRoutes(s: DashboardRouteApis) {
  const api = new ApiRouter('/api/v1/dashboard', 'dashboard');
  // Read-only over other modules' collections; it holds no state, so it is built here, not in the container.
  const dashboard = new DashboardService(s.deps, s.events, s.customers, s.broadcasts);

  api.route(
    {
      method: 'get',
      path: '/overview',
      allow: ['admin', 'community_manager'],
      summary:
        'Customers by lifecycle stage, WeCom contacts added/lost per local day, the broadcast funnel and revenue (each order once) of the N local days ending today (or on `to`), and the R×F grid of scored customers',
      query: z
        .object({
          days: z.coerce.number().int(msg('DAYS_WHOLE')).min(1, msg('DAYS_1_TO_90')).max(90, msg('DAYS_1_TO_90')).default(30),
          to: periodEnd,
          // The previous period, to compare with, needs only the period's own figures: `now=false` skips
          // the lifecycle stages and the R×F grid, which describe today and scan every profile.
          now: z.enum(['true', 'false'], { error: msg('NOW_BOOLEAN') }).default('true'),
        })
        .strict(),
      response: Overview,
    },
    async ({ tenantId, query }) => dashboard.overview(tenantId, query.days, query.to, query.now === 'true'),
  );
  api.route(
    {
      method: 'get',
      path: '/desk',
      allow: ['admin', 'community_manager'],
      summary:
        'The service desk over the N local days ending today (or on `to`): chats the bot answered alone or handed over, first-response times (median, p90), SLA breaches, and the same per agent',
      query: z
        .object({
          days: z.coerce.number().int(msg('DAYS_WHOLE')).min(1, msg('DAYS_1_TO_90')).max(90, msg('DAYS_1_TO_90')).default(30),
          to: periodEnd,
        })
        .strict(),
      response: DeskDashboard,
    },
    async ({ tenantId, query }) => {
      const now = s.deps.now();
      const until = query.to ? new Date(Math.min(now.getTime(), endOfLocalDay(query.to, s.deps.config.BROADCAST_TIMEZONE).getTime())) : now;
      return { days: query.days, ...(await s.desk.figures.period(tenantId, new Date(until.getTime() - query.days * 86_400_000), until)) };
    },
  );
  return api;
}
