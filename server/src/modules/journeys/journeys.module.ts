import type { Deps } from '../../shared/deps.js';
import type { LoyaltyFactsPort } from '../broadcasts/recipient-content.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { Broadcasts } from '../broadcasts/broadcasts.module.js';
import type { CouponPort } from '../broadcasts/broadcast-dispatch.service.js';
import { JourneyService, type OrdersPort } from './journey.service.js';
import { StepRunner } from './journey-steps.js';

/** Journeys send through the broadcasts module's WeCom provider and share its frequency cap and opt-outs. */
export function createJourneys(
  deps: Deps,
  m: {
    customers: CustomerService;
    followUps: FollowUpService;
    broadcasts: Broadcasts;
    orders?: OrdersPort;
    coupons?: CouponPort;
    loyalty?: LoyaltyFactsPort & { find(tenantId: string, customerId: string): Promise<{ tier?: string | null } | null> };
  },
): JourneyService {
  const loyalty = m.loyalty;
  const steps = new StepRunner(deps, {
    customers: m.customers,
    followUps: m.followUps,
    provider: m.broadcasts.provider('wecom_group_msg'),
    caps: m.broadcasts.caps,
    optedOut: (tenantId, customerId) => m.broadcasts.isOptedOut(tenantId, customerId),
    coupons: m.coupons,
    tierOf: async (tenantId, customerId) => (await loyalty?.find(tenantId, customerId))?.tier ?? undefined,
    loyalty,
  });
  return new JourneyService(deps, { customers: m.customers, followUps: m.followUps, steps, orders: m.orders });
}

export type Journeys = JourneyService;
