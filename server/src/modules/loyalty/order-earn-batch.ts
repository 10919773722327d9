import type { AcceptedEvent } from '../../shared/hooks.js';
import { expiryFor, localDay, pointsForAmount, tierFor, tierRank, type LoyaltySettings, type LoyaltySettingsService } from './loyalty-settings.service.js';
import type { MemberService } from './member.service.js';
import type { PointsLedgerService } from './points-ledger.service.js';
import type { CreditInput } from './points-ledger-batch.js';
import { grantWithinCaps, type CapDay } from './earn-cap.js';
import { groupBy } from '../../shared/group-by.js';

/**
 * What paid orders earn, for a whole ingest batch at once — the same points, growth and tiers as
 * taking the orders one by one in the batch's order (each order earns at the member's tier before its
 * own upgrade, then its growth may upgrade the member), in a fixed number of round trips per batch
 * plus one per member whose points move:
 *
 *  members: one read, newcomers enrolled together · earn entries: one read by key (an applied key is
 *  done, a pending one resumes with what it was granted) · growth: one unordered insert, one read of
 *  every buyer's window · daily caps: one bulkWrite (earn-cap.ts) · ledger: `postCredits` · tiers: one
 *  conditional write per member whose tier moves.
 *
 * Every write is keyed as on the per-order path (`earn:order:<id>`, `paid:<id>`, cap grants by key),
 * so a re-run after a crash, or a concurrent request with the same orders, changes nothing twice.
 */
export interface PaidOrder {
  customerId: string;
  event: AcceptedEvent;
}

interface Ctx {
  settings: LoyaltySettingsService;
  members: MemberService;
  ledger: PointsLedgerService;
}

export async function earnForPaidOrders(ctx: Ctx, tenantId: string, paid: PaidOrder[]): Promise<void> {
  if (!paid.length) return;
  const settings = await ctx.settings.get(tenantId);
  // An order id seen twice (a shop resending with a new event id) counts at its first occurrence only.
  const first = new Map<string, PaidOrder>();
  for (const p of paid) if (!first.has(orderIdOf(p))) first.set(orderIdOf(p), p);
  const customerIds = [...new Set(paid.map((p) => p.customerId))];
  const members = await ctx.members.ensureMany(tenantId, customerIds, 'order');
  const existing = await ctx.ledger.entriesByKey(tenantId, [...first.keys()].map(earnKey));

  await ctx.members.recordGrowthMany(
    tenantId,
    [...first.values()].map((p) => ({
      customerId: p.customerId,
      key: growthKey(orderIdOf(p)),
      amount: amountOf(p),
      at: p.event.occurredAt,
      orderId: orderIdOf(p),
    })),
  );
  const window = await ctx.members.growthRows(tenantId, customerIds, settings);

  // Walk each member's orders in batch order: the tier each earns at, and the upgrades on the way.
  const byCustomer = groupBy(paid, (p) => p.customerId);
  const windowOf = groupBy(window, (r) => r.customerId);
  const tierOf = new Map<string, string>();
  const moves: Parameters<MemberService['applyTierMoves']>[1] = [];
  for (const [customerId, list] of byCustomer) {
    const member = members.get(customerId)!;
    const walk = walkTiers(settings, member, list, windowOf.get(customerId) ?? []);
    for (const [orderId, tier] of walk.tierAt) if (first.get(orderId)?.customerId === customerId) tierOf.set(orderId, tier);
    if (walk.upgrades.length || (walk.clearBelow && member.belowSince)) moves.push({ member, upgrades: walk.upgrades });
  }

  // Daily caps for the orders not earned yet; a pending entry was granted before it was written.
  const wants = new Map<string, number>();
  const days = new Map<string, CapDay>();
  for (const [orderId, p] of first) {
    const prior = existing.get(earnKey(orderId));
    if (prior) continue;
    const tier = settings.tiers.find((t) => t.code === tierOf.get(orderId)) ?? settings.tiers[0];
    const want = pointsForAmount(amountOf(p), settings.earn.pointsPerYuan, tier.multiplierPermille);
    wants.set(orderId, want);
    const day = localDay(settings, p.event.occurredAt);
    const id = `${p.customerId}|${day}`;
    if (!days.has(id)) days.set(id, { tenantId, customerId: p.customerId, day, grants: [] });
    days.get(id)!.grants.push({ key: earnKey(orderId), want });
  }
  const granted = await grantWithinCaps([...days.values()], settings.earn.dailyCap);

  const credits: CreditInput[] = [];
  for (const [orderId, p] of first) {
    const prior = existing.get(earnKey(orderId));
    if (prior && prior.state !== 'pending') continue;
    const base = wants.get(orderId);
    const points = prior ? prior.requested : granted.get(earnKey(orderId))!;
    credits.push({
      customerId: prior ? String(prior.customerId) : p.customerId,
      key: earnKey(orderId),
      points,
      orderId,
      source: 'order',
      reason:
        base !== undefined && points < base
          ? `order ${orderId} paid (daily cap reached: ${base - points} not earned)`
          : (prior?.reason ?? `order ${orderId} paid`),
      expiresAt: prior ? (prior.expiresAt ?? undefined) : expiryFor(settings, p.event.occurredAt),
    });
  }
  await ctx.ledger.postCredits(tenantId, credits, members);
  // Tiers move after the points, as on the per-order path.
  await ctx.members.applyTierMoves(tenantId, moves);
}

/**
 * Growth before the batch is the window without the batch's own rows; each order then adds its row
 * (if it is in this member's window: the row is stored once, and may belong to whoever sent it first).
 */
export function walkTiers(
  settings: LoyaltySettings,
  member: { tier: string; belowSince?: Date | null },
  orders: PaidOrder[],
  window: Array<{ key: string; amount: number }>,
) {
  const rowOf = new Map(window.map((r) => [r.key, r.amount]));
  const mine = new Set(orders.map((p) => growthKey(orderIdOf(p))));
  let growth = window.filter((r) => !mine.has(r.key)).reduce((s, r) => s + r.amount, 0);
  let tier = member.tier;
  let below = !!member.belowSince;
  let clearBelow = false;
  const counted = new Set<string>();
  const tierAt = new Map<string, string>();
  const upgrades: Array<{ from: string; to: string; growth: number }> = [];
  for (const p of orders) {
    const orderId = orderIdOf(p);
    if (!tierAt.has(orderId)) tierAt.set(orderId, tier);
    const key = growthKey(orderId);
    if (!counted.has(key) && rowOf.has(key)) {
      counted.add(key);
      growth += rowOf.get(key)!;
    }
    const value = Math.max(0, growth);
    const target = tierFor(settings, value);
    if (tierRank(settings, target.code) > tierRank(settings, tier)) {
      upgrades.push({ from: tier, to: target.code, growth: value });
      tier = target.code;
      below = false;
    } else if (below && tierRank(settings, target.code) >= tierRank(settings, tier)) {
      clearBelow = true;
      below = false;
    }
  }
  return { tierAt, upgrades, clearBelow };
}

const orderIdOf = (p: PaidOrder) => String(p.event.data.orderId);
/** The order's amount in fen: the order.paid schema let the event in only with one. */
const amountOf = (p: PaidOrder) => p.event.data.amount as number;
export const earnKey = (orderId: string) => `earn:order:${orderId}`;
export const growthKey = (orderId: string) => `paid:${orderId}`;
