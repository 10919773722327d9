import type { Services } from '../../server/src/services.js';
import { fillTemplate } from '../../server/src/modules/journeys/journey.templates.js';

/**
 * The journeys a brand would switch on first, made from the console's own templates: the welcome
 * journey (on, with a campaign coupon, so the customers who scan the demo's channel code enter it),
 * and win-back (off: switched on, it would enter every dormant buyer of the seeded year at once).
 */
export async function seedJourneys(s: Services, tenantId: string): Promise<number> {
  if ((await s.journeys.list(tenantId)).length) return 0;
  const coupon = await s.loyalty.coupons.createTemplate(tenantId, {
    name: '新客券 满50减10',
    description: '',
    kind: 'amount',
    amountOff: 1_000,
    threshold: 5_000,
    discountTenths: 0,
    maxOff: 0,
    validity: { kind: 'relative', days: 14 },
    stock: 10_000,
    perCustomerLimit: 1,
    pointsCost: 0,
    allowUnredeem: true,
    active: true,
    channels: ['campaign'],
  });
  let made = 0;
  for (const [key, enabled] of [
    ['welcome', true],
    ['win-back', false],
  ] as const) {
    const filled = fillTemplate(key, { couponTemplateId: coupon.id });
    if ('error' in filled) throw new Error(`demo journey ${key}: ${filled.error}`);
    await s.journeys.create(tenantId, { ...filled, enabled });
    made++;
  }
  return made;
}
