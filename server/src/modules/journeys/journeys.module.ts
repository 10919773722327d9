import type { Deps } from '../../shared/deps.js';
import type { LoyaltyFactsPort } from '../broadcasts/recipient-content.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { Broadcasts } from '../broadcasts/broadcasts.module.js';
import type { CouponPort } from '../broadcasts/broadcast-dispatch.service.js';
import { JourneyService } from './journey.service.js';
import { StepRunner } from './journey-steps.js';

/** Journeys send through the broadcasts module's WeCom provider and share its frequency cap and opt-outs. */
export function createJourneys(
  deps: Deps,
  hooks: DomainHooks,
  m: { customers: CustomerService; followUps: FollowUpService; broadcasts: Broadcasts; coupons?: () => CouponPort | undefined; tierOf?: (tenantId: string, customerId: string) => Promise<string | undefined>; loyalty?: () => LoyaltyFactsPort | undefined },
) {
  const steps = new StepRunner(deps, {
    customers: m.customers,
    followUps: m.followUps,
    provider: m.broadcasts.provider('wecom_group_msg'),
    caps: m.broadcasts.caps,
    optedOut: (tenantId, customerId) => m.broadcasts.isOptedOut(tenantId, customerId),
    coupons: m.coupons,
    tierOf: m.tierOf,
    loyalty: m.loyalty,
  });
  return new JourneyService(deps, hooks, { customers: m.customers, followUps: m.followUps, steps });
}
