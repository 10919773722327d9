import type { Services } from '../../server/src/services.js';
import { expiryFor, localDay } from '../../server/src/modules/loyalty/loyalty-settings.service.js';

/**
 * Loyalty demo data, after the orders have gone through ingest (which already made members, earned
 * points and set tiers exactly as production would): coupon templates including the exchange
 * catalogue, and some history for the first members — check-ins, exchanges, a staff adjustment, a
 * coupon sent from the sidebar and one redeemed. Everything goes through the loyalty services and is
 * keyed, so running it twice adds nothing.
 */
export async function seedLoyalty(s: Services, tenantId: string, customerIds: string[]): Promise<{ templates: number; members: number }> {
  const L = s.loyalty;
  const settings = await L.settings.get(tenantId);
  const now = s.deps.now();
  const day = 86_400_000;
  const existing = await L.coupons.listTemplates(tenantId);
  const byName = new Map(existing.map((t) => [t.name, t.id]));
  const template = async (input: Record<string, unknown>) =>
    byName.get(input.name as string) ??
    (
      await L.coupons.createTemplate(tenantId, {
        description: '',
        threshold: 0,
        amountOff: 0,
        discountTenths: 0,
        maxOff: 0,
        perCustomerLimit: 1,
        pointsCost: 0,
        allowUnredeem: true,
        active: true,
        ...input,
      })
    ).id;

  const t = {
    welcome: await template({
      name: '新会员见面礼 满99减15',
      kind: 'amount',
      amountOff: 1_500,
      threshold: 9_900,
      validity: { kind: 'relative', days: 14 },
      stock: 100_000,
      channels: ['welcome'],
    }),
    cut20: await template({
      name: '满199减20',
      kind: 'amount',
      amountOff: 2_000,
      threshold: 19_900,
      validity: { kind: 'relative', days: 30 },
      stock: 500,
      perCustomerLimit: 2,
      channels: ['exchange', 'staff'],
      pointsCost: 200,
    }),
    off10: await template({
      name: '全场9折券',
      kind: 'percent',
      discountTenths: 90,
      maxOff: 5_000,
      validity: { kind: 'relative', days: 30 },
      stock: 200,
      channels: ['exchange'],
      pointsCost: 500,
    }),
    ship: await template({
      name: '包邮券',
      kind: 'shipping',
      validity: { kind: 'relative', days: 60 },
      stock: 1_000,
      perCustomerLimit: 3,
      channels: ['exchange', 'staff'],
      pointsCost: 50,
    }),
    gold: await template({
      name: '金卡专享 满500减80',
      kind: 'amount',
      amountOff: 8_000,
      threshold: 50_000,
      validity: { kind: 'relative', days: 30 },
      stock: 300,
      channels: ['exchange'],
      pointsCost: 300,
      minTier: 'gold',
    }),
    gift: await template({
      name: '护肤小样礼盒',
      kind: 'gift',
      giftName: '护肤小样礼盒（5件）',
      validity: { kind: 'relative', days: 30 },
      stock: 50,
      channels: ['exchange'],
      pointsCost: 800,
      allowUnredeem: false,
    }),
    d11: await template({
      name: '双11 满300减50',
      kind: 'amount',
      amountOff: 5_000,
      threshold: 30_000,
      validity: { kind: 'fixed', from: new Date(now.getTime() - 30 * day), to: new Date(now.getTime() + 45 * day) },
      stock: 5_000,
      channels: ['campaign', 'staff'],
    }),
  };

  // History for the first members: the demo shopper (first customer) gets the richest.
  const featured = customerIds.slice(0, 40);
  for (const [i, customerId] of featured.entries()) {
    await L.join(tenantId, customerId, 'seed', i % 3 === 0);
    const checkIns = i === 0 ? 12 : i % 4;
    for (let d = checkIns; d >= 1; d--) {
      const at = new Date(now.getTime() - d * day);
      const dayKey = localDay(settings, at);
      await L.ledger.post({
        tenantId,
        customerId,
        key: `checkin:${customerId}:${dayKey}`,
        type: 'earn',
        points: settings.earn.checkInPoints,
        source: 'check-in',
        reason: `check-in ${dayKey}`,
        expiresAt: expiryFor(settings, at),
      });
    }
    if (i % 5 === 0) {
      await L.ledger.post({
        tenantId,
        customerId,
        key: `manual:seed-${customerId}`,
        type: 'earn',
        points: 300,
        source: 'manual',
        operator: 'staff:seed',
        reason: '直播间互动奖励',
        expiresAt: expiryFor(settings, now),
      });
    }
    const balance = (await L.members.find(tenantId, customerId))?.balance ?? 0;
    for (const [j, templateId] of [t.ship, t.cut20].entries()) {
      const cost = j === 0 ? 50 : 200;
      if (balance < 250 && j === 1) continue;
      if (balance < cost) continue;
      await L.coupons.issue(tenantId, { templateId, customerId, channel: 'exchange', issueKey: `exchange:${customerId}:seed-${j}` }).catch(() => undefined);
    }
    if (i % 2 === 0)
      await L.coupons
        .issue(tenantId, { templateId: t.d11, customerId, channel: 'staff', issueKey: `staff:seed-${customerId}`, issuedBy: 'staff:seed' })
        .catch(() => undefined);
  }
  // One coupon used at the till, so the "used" tab is not empty.
  const first = customerIds[0];
  if (first) {
    const c = (await L.coupons.listForCustomer(tenantId, first, 'available')).find((x) => x.templateId === t.d11);
    if (c) await L.coupons.redeem(tenantId, c.code, { orderId: 'demo-store-order-1', redeemedBy: 'staff:seed' }).catch(() => undefined);
  }
  return { templates: Object.keys(t).length, members: featured.length };
}
