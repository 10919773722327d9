import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import { LoyaltySettingsService, expiryFor, localDay, tierFor, tierRank } from './loyalty-settings.service.js';
import { MemberService } from './member.service.js';
import { PointsLedgerService } from './points-ledger.service.js';
import { CouponService } from './coupon.service.js';
import { CouponBatchService } from './coupon-batch.service.js';
import { BirthdayGiftService } from './birthday-gift.service.js';
import { LoyaltyReportService } from './loyalty-report.service.js';
import { ExpiryReminderService } from './expiry-reminder.service.js';
import { OrderPointsService } from './order-points.service.js';
import { LoyaltyAudienceQueries } from './loyalty-audience.queries.js';
import { earliestAfter, shopperCache, type ShopperCache } from '../../shared/cache/shopper-cache.js';

/**
 * The loyalty module's front door: builds its services and reacts to orders (once per ingest batch,
 * order-points.service.ts) and merges. Every hook handler is idempotent by its keys, because the
 * events module re-emits after a crash.
 */
export class LoyaltyService {
  /** The member center's cached reads (`/me/points`, `/me/coupons`); the services below keep it current. */
  readonly shoppers: ShopperCache;
  readonly settings: LoyaltySettingsService;
  readonly members: MemberService;
  readonly ledger: PointsLedgerService;
  readonly coupons: CouponService;
  readonly batches: CouponBatchService;
  readonly birthdays: BirthdayGiftService;
  readonly report: LoyaltyReportService;
  readonly reminders: ExpiryReminderService;
  /** Earn, growth, tiers and reversals from ingested orders. */
  readonly orders: OrderPointsService;
  /** Members and coupon holders as customer-id sets, for segments' loyalty conditions. */
  readonly audience = new LoyaltyAudienceQueries();

  constructor(
    private readonly deps: Deps,
    hooks: DomainHooks,
  ) {
    this.shoppers = shopperCache(deps);
    this.settings = new LoyaltySettingsService(this.shoppers);
    this.members = new MemberService(deps, this.settings);
    this.ledger = new PointsLedgerService(deps);
    this.coupons = new CouponService(deps, this.ledger, this.members, this.settings);
    this.batches = new CouponBatchService(this.coupons);
    this.birthdays = new BirthdayGiftService(deps, this.settings, this.members, this.ledger, this.coupons);
    this.report = new LoyaltyReportService(deps, this.settings);
    this.reminders = new ExpiryReminderService(deps, hooks, this.settings, this.ledger);
    this.orders = new OrderPointsService(deps, this.settings, this.members, this.ledger, this.coupons);
  }

  /** Joins (or returns) the member; a new member gets the welcome coupons. */
  async join(tenantId: string, customerId: string, source: string, consent = false) {
    const { member, created } = await this.members.ensure(tenantId, customerId, source, consent);
    if (created || consent) await this.coupons.issueWelcome(tenantId, customerId);
    return member;
  }

  /** The expiry job: every member with a due lot, across tenants. */
  async expireDue(): Promise<number> {
    let total = 0;
    for (const m of await this.ledger.dueMembers()) total += await this.ledger.expireMember(m.tenantId, m.customerId);
    return total;
  }

  /** The tier review job, tenant by tenant. */
  async reviewAllTiers(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const tenantId of await this.members.tenantsWithMembers()) out[tenantId] = await this.members.reviewTiers(tenantId);
    return out;
  }

  /** A daily check-in, once per local day, for the configured points. */
  async checkIn(tenantId: string, customerId: string) {
    const settings = await this.settings.get(tenantId);
    await this.join(tenantId, customerId, 'check-in');
    const now = this.deps.now();
    const day = localDay(settings, now);
    const entry = await this.ledger.post({
      tenantId,
      customerId,
      key: `checkin:${customerId}:${day}`,
      type: 'earn',
      points: settings.earn.checkInPoints,
      source: 'check-in',
      reason: `check-in ${day}`,
      expiresAt: expiryFor(settings, now),
    });
    if (entry.duplicate) throw loyaltyConflict(LoyaltyErrorCode.ALREADY_CHECKED_IN, 'You have already checked in today; come back tomorrow', { day });
    return { day, points: entry.points, balance: entry.balanceAfter };
  }

  /** A staff adjustment: positive earns (with the usual expiry), negative spends (refused if short). */
  async adjust(tenantId: string, customerId: string, input: { points: number; reason: string; idempotencyKey: string; operator: string }) {
    const settings = await this.settings.get(tenantId);
    await this.members.ensure(tenantId, customerId, 'staff');
    const now = this.deps.now();
    return this.ledger.post({
      tenantId,
      customerId,
      key: `manual:${input.idempotencyKey}`,
      type: input.points > 0 ? 'earn' : 'spend',
      points: Math.abs(input.points),
      reason: input.reason,
      source: 'manual',
      operator: input.operator,
      expiresAt: input.points > 0 ? expiryFor(settings, now) : undefined,
    });
  }

  /** The tier's birthday gift (points, and a coupon where the tier names one), once per year. */
  grantBirthday(tenantId: string, customerId: string, year: number) {
    return this.birthdays.grant(tenantId, customerId, year);
  }

  /**
   * Only the balance and what expires when (the member center's points page, its busiest read):
   * three reads side by side, without the growth and tier work of summary() (bench: shopper).
   * `settingsGen`: the shopper cache's tenant generation when the answer is to be cached.
   */
  async points(tenantId: string, customerId: string, settingsGen?: string) {
    const [settings, member, lots] = await Promise.all([
      this.settings.get(tenantId, settingsGen),
      this.members.require(tenantId, customerId),
      this.ledger.lots(tenantId, customerId),
    ]);
    return { balance: member.balance as number, expiring: expiringView(settings, lots) };
  }

  /** points() as the shopper cache stores it: the answer, and when the next lot's expiry changes it. */
  async pointsForCache(tenantId: string, customerId: string, settingsGen?: string) {
    const value = await this.points(tenantId, customerId, settingsGen);
    return {
      value,
      changesAt: earliestAfter(
        this.deps.now(),
        value.expiring.map((e) => e.expiresAt),
      ),
    };
  }

  /** The card as the shopper (or staff) sees it: tier, progress to the next tier, balance, what expires. */
  async summary(tenantId: string, customerId: string) {
    const settings = await this.settings.get(tenantId);
    const member = await this.members.require(tenantId, customerId);
    const [growth, lots] = await Promise.all([this.members.growth(tenantId, customerId, settings), this.ledger.lots(tenantId, customerId)]);
    const rank = tierRank(settings, member.tier);
    const tier = settings.tiers[rank];
    const next = settings.tiers[rank + 1];
    const qualified = tierFor(settings, growth);
    // A tier since removed from the settings still shows, by its code.
    const nameOf = (code: string) => settings.tiers.find((t) => t.code === code)?.name ?? code;
    return {
      memberNo: member.memberNo,
      customerId: String(member.customerId),
      joinedAt: member.joinedAt,
      consented: !!member.consentAt,
      balance: member.balance,
      tier: {
        code: tier.code,
        name: tier.name,
        multiplierPermille: tier.multiplierPermille,
        birthdayPoints: tier.birthdayPoints,
        birthdayCoupon: !!tier.birthdayTemplateId,
        perks: tier.perks,
        since: member.tierSince,
      },
      growth: { value: growth, windowDays: settings.growth.windowDays },
      nextTier: next ? { code: next.code, name: next.name, threshold: next.threshold, needed: Math.max(0, next.threshold - growth) } : null,
      downgrade:
        member.belowSince && tierRank(settings, qualified.code) < rank
          ? { to: qualified.code, after: new Date(new Date(member.belowSince).getTime() + settings.growth.downgradeGraceDays * 86_400_000) }
          : null,
      expiring: expiringView(settings, lots),
      tierHistory: (member.tierHistory ?? []).map((h) => ({
        from: h.from ?? null,
        to: h.to,
        fromName: h.from ? nameOf(h.from) : null,
        toName: nameOf(h.to),
        at: h.at,
        reason: h.reason,
      })),
    };
  }

  /**
   * Two profiles became one: the dropped member's remaining balance moves to the survivor as a
   * transfer pair (spend on one, earn on the other, keyed by the merge), so both ledgers still sum.
   */
  async onMerged(tenantId: string, fromId: string, toId: string): Promise<void> {
    await this.members.moveGrowth(tenantId, fromId, toId);
    await this.coupons.moveCustomer(tenantId, fromId, toId);
    const from = await this.members.find(tenantId, fromId);
    if (!from) return;
    const settings = await this.settings.get(tenantId);
    const outKey = `merge:out:${fromId}`;
    const before = await this.ledger.getByKey(tenantId, outKey);
    const lots = before ? [] : await this.ledger.lots(tenantId, fromId);
    const out = await this.ledger.post({
      tenantId,
      customerId: fromId,
      key: outKey,
      type: 'spend',
      points: before?.requested ?? from.balance,
      mode: 'floor',
      source: 'merge',
      reason: `merged into ${toId}`,
    });
    await this.members.ensure(tenantId, toId, 'merge');
    // The moved points keep the earliest expiry among the moved lots (a re-run after a crash falls back to a fresh expiry).
    const expiresAt = lots[0]?.expiresAt ?? expiryFor(settings, this.deps.now());
    await this.ledger.post({
      tenantId,
      customerId: toId,
      key: `merge:in:${fromId}`,
      type: 'earn',
      points: 0 - out.points,
      source: 'merge',
      reason: `merged from ${fromId}`,
      expiresAt,
    });
    await this.members.markMerged(tenantId, fromId);
  }
}

/** Lots as shown to people: a lot expiring at local midnight belongs to the day before. */
function expiringView(settings: Parameters<typeof localDay>[0], lots: Array<{ expiresAt: Date; remaining: number }>) {
  return lots.map((l) => ({ date: localDay(settings, new Date(l.expiresAt.getTime() - 1)), expiresAt: l.expiresAt, points: l.remaining }));
}
