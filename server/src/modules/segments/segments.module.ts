import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { EventService } from '../events/event.service.js';
import type { LoyaltyApi } from '../loyalty/loyalty.module.js';
import { SegmentService } from './segment.service.js';
import { RfmService } from './rfm.service.js';
import { segmentRoutes, type SegmentRouteApis } from './segment.routes.js';
import { rfmRoutes, type RfmRouteApis } from './rfm.routes.js';

/** The audience language and its counts; RFM scores and the churn sweep. */
export interface SegmentsApi {
  segments: SegmentService;
  rfm: RfmService;
}

/** `hooks` to announce `customer.at_risk`. */
export function createSegments(
  deps: Deps,
  ports: { hooks: DomainHooks; customers: CustomerService; events: EventService; followUps: FollowUpService; loyalty: LoyaltyApi },
): SegmentsApi {
  return { segments: new SegmentService(deps, ports.events, ports.customers.audience, ports.loyalty.audience), rfm: new RfmService(deps, ports.hooks, ports) };
}

export function segmentsManifest(api: SegmentsApi, uses: { deps: Deps } & Omit<SegmentRouteApis & RfmRouteApis, keyof SegmentsApi>): ModuleManifest {
  const apis = { ...uses, ...api };
  return {
    name: 'segments',
    routes: () => [segmentRoutes(apis), rfmRoutes(apis)],
    jobs: [{ name: 'segments.rfm-nightly', every: uses.deps.config.RFM_NIGHTLY_CRON, lockLifetimeMs: 60 * 60 * 1000, run: () => api.rfm.nightly() }],
    hooks: [{ on: 'event.batch_accepted', name: 'segments.rescore-rfm', run: (p) => api.rfm.onEventBatch(p) }],
  };
}
