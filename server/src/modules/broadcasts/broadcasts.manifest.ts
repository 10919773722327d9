import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { Broadcasts } from './broadcasts.module.js';
import { broadcastRoutes, type BroadcastRouteApis } from './broadcast.routes.js';

export function broadcastsManifest(broadcasts: Broadcasts, uses: { deps: Deps } & Omit<BroadcastRouteApis, 'broadcasts'>): ModuleManifest {
  const { config } = uses.deps;
  return {
    name: 'broadcasts',
    routes: () => [broadcastRoutes({ ...uses, broadcasts })],
    jobs: [
      { name: 'broadcasts.tick', every: config.BROADCAST_TICK_EVERY, run: () => broadcasts.dispatcher.tick() },
      { name: 'broadcasts.sync-results', every: config.BROADCAST_RESULTS_EVERY, run: () => broadcasts.deliveryResults.syncRecent() },
    ],
    hooks: [{ on: 'customer.merged', name: 'broadcasts.move-opt-out', run: ({ tenantId, fromId, toId }) => broadcasts.moveOptOut(tenantId, fromId, toId) }],
  };
}
