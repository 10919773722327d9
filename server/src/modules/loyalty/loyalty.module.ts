import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import { LoyaltyService } from './loyalty.service.js';
import { loyaltyRoutes, type LoyaltyRouteApis } from './loyalty.routes.js';
import { meRoutes, type MeRouteApis } from './me.routes.js';

/** Member card, tiers, points ledger, earn rules, coupons. */
export type LoyaltyApi = LoyaltyService;

/** `hooks` to announce `loyalty.points_expiring`. */
export function createLoyalty(deps: Deps, ports: { hooks: DomainHooks }): LoyaltyApi {
  return new LoyaltyService(deps, ports.hooks);
}

export function loyaltyManifest(loyalty: LoyaltyApi, uses: Omit<LoyaltyRouteApis & MeRouteApis, 'loyalty'> & { customers: CustomerService }): ModuleManifest {
  const apis = { ...uses, loyalty };
  return {
    name: 'loyalty',
    routes: () => [loyaltyRoutes(apis), meRoutes(apis)],
    jobs: [
      {
        name: 'loyalty.repair-pending',
        every: '1 minute',
        run: async () => ({ points: await loyalty.ledger.repairPending(), coupons: await loyalty.coupons.repairPending() }),
      },
      { name: 'loyalty.expire-points', every: '1 hour', run: () => loyalty.expireDue() },
      { name: 'loyalty.expire-coupons', every: '1 hour', run: () => loyalty.coupons.expireDue() },
      { name: 'loyalty.review-tiers', every: '1 day', run: () => loyalty.reviewAllTiers() },
      { name: 'loyalty.issue-batches', every: '10 seconds', run: () => loyalty.batches.runPending() },
      { name: 'loyalty.birthday-gifts', every: '1 hour', run: () => loyalty.birthdays.run(uses.customers) },
      { name: 'loyalty.expiry-reminders', every: '1 hour', run: () => loyalty.reminders.run() },
    ],
    hooks: [
      // Earn, growth, tiers and reversals, once per ingest batch (order-points.service.ts).
      { on: 'event.batch_accepted', name: 'loyalty.earn', run: ({ tenantId, events }) => loyalty.orders.onBatch(tenantId, events) },
      { on: 'customer.merged', name: 'loyalty.move-member', run: ({ tenantId, fromId, toId }) => loyalty.onMerged(tenantId, fromId, toId) },
    ],
  };
}
