import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks, AcceptedEvent } from '../../shared/hooks.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { AppError } from '../../shared/app-error.js';
import { EarnDayModel } from './member.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import { LoyaltySettingsService, expiryFor, localDay, pointsForAmount, tierFor, tierRank } from './loyalty-settings.service.js';
import { MemberService } from './member.service.js';
import { PointsLedgerService } from './points-ledger.service.js';
import { CouponService } from './coupon.service.js';
import { CouponBatchService } from './coupon-batch.service.js';
import { BirthdayGiftService } from './birthday-gift.service.js';
import { LoyaltyReportService } from './loyalty-report.service.js';
import { ExpiryReminderService } from './expiry-reminder.service.js';
import { earliestAfter, shopperCache, type ShopperCache } from '../../shared/cache/shopper-cache.js';

/**
 * The loyalty module's front door: builds its services and reacts to orders. Every hook handler is
 * idempotent by the event's keys (`earn:order:<orderId>`, `reverse:order:<orderId>:<eventId>`,
 * growth keys), because the events module re-emits after a crash.
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

  constructor(private readonly deps: Deps, hooks: DomainHooks) {
    this.shoppers = shopperCache(deps);
    this.settings = new LoyaltySettingsService(this.shoppers);
    this.members = new MemberService(deps, this.settings);
    this.ledger = new PointsLedgerService(deps);
    this.coupons = new CouponService(deps, this.ledger, this.members, this.settings);
    this.batches = new CouponBatchService(this.coupons);
    this.birthdays = new BirthdayGiftService(deps, this.settings, this.members, this.ledger, this.coupons);
    this.report = new LoyaltyReportService(deps, this.settings);
    this.reminders = new ExpiryReminderService(deps, hooks, this.settings, this.ledger);
    hooks.on('event.accepted', ({ tenantId, customerId, event }) => this.onEvent(tenantId, customerId, event));
    hooks.on('customer.merged', ({ tenantId, fromId, toId }) => this.onMerged(tenantId, fromId, toId));
  }

  private async onEvent(tenantId: string, customerId: string, event: AcceptedEvent): Promise<void> {
    if (event.type === 'order.paid') await this.onOrderPaid(tenantId, customerId, event);
    else if (event.type === 'order.refunded') await this.onOrderRefunded(tenantId, customerId, event);
  }

  /** Earn at the member's tier (before this order's upgrade), record growth, upgrade, redeem a coupon. */
  async onOrderPaid(tenantId: string, customerId: string, event: AcceptedEvent): Promise<void> {
    const { orderId, amount, couponCode } = event.data as { orderId: string; amount: number; couponCode?: string };
    const settings = await this.settings.get(tenantId);
    const { member } = await this.members.ensure(tenantId, customerId, 'order');
    const key = `earn:order:${orderId}`;
    const existing = await this.ledger.getByKey(tenantId, key);
    if (!existing || existing.state === 'pending') {
      const tier = settings.tiers.find((t) => t.code === member.tier) ?? settings.tiers[0];
      const base = pointsForAmount(amount, settings.earn.pointsPerYuan, tier.multiplierPermille);
      const points = await this.grantWithinCap(tenantId, customerId, localDay(settings, event.occurredAt), key, base, settings.earn.dailyCap);
      await this.ledger.post({
        tenantId, customerId, key, type: 'earn', points, orderId, source: 'order',
        reason: points < base ? `order ${orderId} paid (daily cap reached: ${base - points} not earned)` : `order ${orderId} paid`,
        expiresAt: expiryFor(settings, event.occurredAt),
      });
    }
    await this.members.recordGrowth(tenantId, customerId, `paid:${orderId}`, amount, event.occurredAt, orderId);
    await this.members.upgradeIfEarned(tenantId, customerId, member);
    if (couponCode) {
      await this.coupons.redeem(tenantId, couponCode, { orderId, orderAmount: amount, redeemedBy: 'order', customerId }).catch((err: AppError) => {
        // The order is real whatever the coupon says; the shop platform validated it at checkout.
        this.deps.log.warn({ tenantId, orderId, code: err.code, message: err.message }, 'coupon on paid order not redeemed');
      });
    }
  }

  /**
   * Reverses what the order earned in proportion to the refunded share (rounded down; the final
   * refund brings it to exactly what was earned). The balance never goes below zero: what could not
   * be taken back is recorded on the entry as shortfall.
   */
  async onOrderRefunded(tenantId: string, customerId: string, event: AcceptedEvent): Promise<void> {
    const { orderId, amount } = event.data as { orderId: string; amount: number };
    await this.members.recordGrowth(tenantId, customerId, `refund:${event.eventId}`, -amount, event.occurredAt, orderId);
    const key = `reverse:order:${orderId}:${event.eventId}`;
    const existing = await this.ledger.getByKey(tenantId, key);
    const entries = await this.ledger.findForOrder(tenantId, orderId);
    const earn = entries.find((e) => e.key === `earn:order:${orderId}`);
    const { paid, refunded } = await this.members.orderGrowth(tenantId, orderId);
    if ((!existing || existing.state === 'pending') && earn && earn.points > 0 && paid > 0) {
      const target = Math.floor((earn.points * Math.min(refunded, paid)) / paid);
      const done = entries.filter((e) => e.type === 'reverse' && e.key !== key).reduce((s, e) => s + e.requested, 0);
      const want = existing?.requested ?? Math.max(0, target - done);
      await this.ledger.post({ tenantId, customerId: String(earn.customerId), key, type: 'reverse', points: want, orderId, source: 'refund', reason: `order ${orderId} refunded`, mode: 'floor' });
    }
    if (paid > 0 && refunded >= paid) await this.coupons.unredeemForOrder(tenantId, orderId);
  }

  /**
   * Order points granted under the daily cap; the grant per key is stored, so a re-run gets the same.
   * The usual case (the whole amount fits, first run) is one conditional upsert: it matches only a day
   * with room and without this key, or creates the day; any other day makes the upsert collide with
   * the unique (customer, day) index, and the careful loop below decides.
   */
  private async grantWithinCap(tenantId: string, customerId: string, day: string, key: string, want: number, cap: number): Promise<number> {
    const id = { tenantId, customerId: new Types.ObjectId(customerId), day };
    if (cap <= 0 || want <= cap) {
      try {
        // Raw driver: mongoose would add schema defaults (points: 0, grants: []) that clash with $inc/$push on insert.
        const grant: Record<string, unknown> = { $inc: { points: want }, $push: { grants: { key, points: want } } };
        await EarnDayModel.collection.updateOne({ ...id, 'grants.key': { $ne: key }, ...(cap > 0 ? { points: { $lte: cap - want } } : {}) }, grant, { upsert: true });
        return want;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      let doc = await EarnDayModel.findOne(id).lean();
      if (!doc) {
        try {
          await EarnDayModel.create(id);
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
        doc = (await EarnDayModel.findOne(id).lean())!;
      }
      const prior = doc.grants.find((g) => g.key === key);
      if (prior) return prior.points ?? 0;
      const give = cap > 0 ? Math.max(0, Math.min(want, cap - doc.points)) : want;
      const res = await EarnDayModel.updateOne({ _id: doc._id, points: doc.points, 'grants.key': { $ne: key } }, { $inc: { points: give }, $push: { grants: { key, points: give } } });
      if (res.modifiedCount) return give;
    }
    throw new Error('daily earn cap is under heavy contention; the event will be retried');
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
      tenantId, customerId, key: `checkin:${customerId}:${day}`, type: 'earn', points: settings.earn.checkInPoints,
      source: 'check-in', reason: `check-in ${day}`, expiresAt: expiryFor(settings, now),
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
      tenantId, customerId, key: `manual:${input.idempotencyKey}`, type: input.points > 0 ? 'earn' : 'spend', points: Math.abs(input.points),
      reason: input.reason, source: 'manual', operator: input.operator, expiresAt: input.points > 0 ? expiryFor(settings, now) : undefined,
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
    const [settings, member, lots] = await Promise.all([this.settings.get(tenantId, settingsGen), this.members.require(tenantId, customerId), this.ledger.lots(tenantId, customerId)]);
    return { balance: member.balance as number, expiring: expiringView(settings, lots) };
  }

  /** points() as the shopper cache stores it: the answer, and when the next lot's expiry changes it. */
  async pointsForCache(tenantId: string, customerId: string, settingsGen?: string) {
    const value = await this.points(tenantId, customerId, settingsGen);
    return { value, changesAt: earliestAfter(this.deps.now(), value.expiring.map((e) => e.expiresAt)) };
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
      tier: { code: tier.code, name: tier.name, multiplierPermille: tier.multiplierPermille, birthdayPoints: tier.birthdayPoints, birthdayCoupon: !!tier.birthdayTemplateId, perks: tier.perks, since: member.tierSince },
      growth: { value: growth, windowDays: settings.growth.windowDays },
      nextTier: next ? { code: next.code, name: next.name, threshold: next.threshold, needed: Math.max(0, next.threshold - growth) } : null,
      downgrade: member.belowSince && tierRank(settings, qualified.code) < rank
        ? { to: qualified.code, after: new Date(new Date(member.belowSince).getTime() + settings.growth.downgradeGraceDays * 86_400_000) }
        : null,
      expiring: expiringView(settings, lots),
      tierHistory: (member.tierHistory ?? []).map((h: any) => ({ from: h.from ?? null, to: h.to, fromName: h.from ? nameOf(h.from) : null, toName: nameOf(h.to), at: h.at, reason: h.reason })),
    };
  }

  /**
   * Two profiles became one: the dropped member's remaining balance moves to the survivor as a
   * transfer pair (spend on one, earn on the other, keyed by the merge), so both ledgers still sum.
   */
  private async onMerged(tenantId: string, fromId: string, toId: string): Promise<void> {
    await this.members.moveGrowth(tenantId, fromId, toId);
    await this.coupons.moveCustomer(tenantId, fromId, toId);
    const from = await this.members.find(tenantId, fromId);
    if (!from) return;
    const settings = await this.settings.get(tenantId);
    const outKey = `merge:out:${fromId}`;
    const before = await this.ledger.getByKey(tenantId, outKey);
    const lots = before ? [] : await this.ledger.lots(tenantId, fromId);
    const out = await this.ledger.post({ tenantId, customerId: fromId, key: outKey, type: 'spend', points: before?.requested ?? from.balance, mode: 'floor', source: 'merge', reason: `merged into ${toId}` });
    await this.members.ensure(tenantId, toId, 'merge');
    // The moved points keep the earliest expiry among the moved lots (a re-run after a crash falls back to a fresh expiry).
    const expiresAt = lots[0]?.expiresAt ?? expiryFor(settings, this.deps.now());
    await this.ledger.post({ tenantId, customerId: toId, key: `merge:in:${fromId}`, type: 'earn', points: 0 - out.points, source: 'merge', reason: `merged from ${fromId}`, expiresAt });
    await this.members.markMerged(tenantId, fromId);
  }
}

/** Lots as shown to people: a lot expiring at local midnight belongs to the day before. */
function expiringView(settings: Parameters<typeof localDay>[0], lots: Array<{ expiresAt: Date; remaining: number }>) {
  return lots.map((l) => ({ date: localDay(settings, new Date(l.expiresAt.getTime() - 1)), expiresAt: l.expiresAt, points: l.remaining }));
}
