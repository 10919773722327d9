import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { Journeys } from './journeys.module.js';
import { journeyRoutes, type JourneyRouteApis } from './journey.routes.js';

export function journeysManifest(journeys: Journeys, uses: { deps: Deps } & Omit<JourneyRouteApis, 'journeys'>): ModuleManifest {
  return {
    name: 'journeys',
    routes: () => [journeyRoutes({ ...uses, journeys })],
    jobs: [{ name: 'journeys.tick', every: uses.deps.config.JOURNEY_TICK_EVERY, run: () => journeys.tick() }],
    hooks: [
      { on: 'customer.created', name: 'journeys.enrol-new-customer', run: (p) => journeys.onCustomerCreated(p) },
      { on: 'event.batch_accepted', name: 'journeys.enrol-on-events', run: (p) => journeys.onEventBatch(p) },
      { on: 'customer.at_risk', name: 'journeys.enrol-at-risk', run: (p) => journeys.onCustomerAtRisk(p) },
      { on: 'loyalty.points_expiring', name: 'journeys.enrol-points-expiring', run: (p) => journeys.onPointsExpiring(p) },
    ],
  };
}
