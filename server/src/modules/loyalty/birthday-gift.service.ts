import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { AppError } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import type { CustomerService } from '../customers/customer.service.js';
import { BirthdayClaimModel } from './birthday-claim.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import { expiryFor, type LoyaltySettingsService } from './loyalty-settings.service.js';
import type { MemberService } from './member.service.js';
import type { PointsLedgerService } from './points-ledger.service.js';
import type { CouponService } from './coupon.service.js';

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * The tier's birthday gift: `birthdayPoints` and, where the tier names one, a coupon of
 * `birthdayTemplateId` (issued through the template's 'campaign' channel). Once per member per
 * year — the ledger key `birthday:<customer>:<year>` and the coupon issue key make a re-run (the job
 * runs hourly, so a tenant's local midnight is never missed) a no-op. Only members get it.
 */
export class BirthdayGiftService {
  constructor(
    private readonly deps: Deps,
    private readonly settings: LoyaltySettingsService,
    private readonly members: MemberService,
    private readonly ledger: PointsLedgerService,
    private readonly coupons: CouponService,
  ) {}

  /**
   * The shopper tells us their birthday, once. Refused with 409 when the profile already has one
   * (from the shop, WeCom or an earlier answer): staff can correct it, the shopper cannot re-roll it.
   */
  async setBirthday(customers: CustomerService, tenantId: string, customerId: string, month: number, day: number) {
    const profile = await customers.get(tenantId, customerId);
    const already = () => loyaltyConflict(LoyaltyErrorCode.BIRTHDAY_SET, 'Your birthday is already on file; ask our staff if it needs correcting');
    if (profile.birthday?.month) throw already();
    let claim: { month: number; day: number };
    try {
      claim = (await BirthdayClaimModel.create({ tenantId, customerId: new Types.ObjectId(customerId), month, day, at: this.deps.now() })).toObject();
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // An earlier answer (a retry, or a crash before the profile was written): the first one stands.
      claim = (await BirthdayClaimModel.findOne({ tenantId, customerId: new Types.ObjectId(customerId) }).lean())!;
      if (claim.month !== month || claim.day !== day) throw already();
    }
    await customers.update(tenantId, customerId, { birthday: { month: claim.month, day: claim.day } });
    return { month: claim.month, day: claim.day };
  }

  /** Gives one member this year's gift; null when their tier gives nothing. */
  async grant(tenantId: string, customerId: string, year: number) {
    const settings = await this.settings.get(tenantId);
    const member = await this.members.require(tenantId, customerId);
    const tier = settings.tiers.find((t) => t.code === member.tier) ?? settings.tiers[0];
    const entry = tier.birthdayPoints
      ? await this.ledger.post({
          tenantId,
          customerId,
          key: `birthday:${customerId}:${year}`,
          type: 'earn',
          points: tier.birthdayPoints,
          source: 'birthday',
          reason: `${tier.name} birthday gift ${year}`,
          expiresAt: expiryFor(settings, this.deps.now()),
        })
      : null;
    let coupon: { code: string } | null = null;
    if (tier.birthdayTemplateId) {
      coupon = await this.coupons
        .issue(tenantId, {
          templateId: tier.birthdayTemplateId,
          customerId,
          channel: 'campaign',
          issueKey: `birthday:${customerId}:${year}:${tier.birthdayTemplateId}`,
        })
        .catch((err: AppError) => {
          // Out of stock or switched off: the points still count; staff see why in the log.
          this.deps.log.warn({ tenantId, customerId, code: err.code, message: err.message }, 'birthday coupon not issued');
          return null;
        });
    }
    return entry || coupon ? { points: entry?.points ?? 0, coupon: coupon?.code ?? null } : null;
  }

  /**
   * The job: every tenant's members whose birthday is today in the tenant's local calendar. The
   * customers service comes with the call, as for setBirthday: the loyalty module is built without it.
   */
  async run(customers: CustomerService): Promise<{ members: number; points: number }> {
    let members = 0;
    let points = 0;
    for (const tenantId of await this.members.tenantsWithMembers()) {
      const settings = await this.settings.get(tenantId);
      const local = new Date(this.deps.now().getTime() + settings.utcOffsetMinutes * 60_000);
      const [year, month, day] = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
      // Born on 29 February: celebrated on the 28th when the year has no 29th.
      const days = month === 2 && day === 28 && !isLeap(year) ? [28, 29] : [day];
      // Streamed off the customers' birthday index (the profile owns the date; loyalty only reads it).
      const born = customers.bornOnCursor(tenantId, month, days);
      for await (const c of born) {
        const id = String(c._id as Types.ObjectId);
        const m = await this.members.find(tenantId, id);
        if (!m || m.status !== 'active') continue;
        const gift = await this.grant(tenantId, id, year);
        if (gift) {
          members++;
          points += gift.points;
        }
      }
    }
    return { members, points };
  }
}
