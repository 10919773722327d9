import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CouponModel, CouponTemplateModel } from './coupon.model.js';
import type { PointsLedgerService } from './points-ledger.service.js';
import type { MemberService } from './member.service.js';
import type { LoyaltySettingsService } from './loyalty-settings.service.js';
import { couponView } from './coupon.view.js';
import { earliestAfter, shopperCache, type ShopperCache } from '../../shared/cache/shopper-cache.js';
import { CouponTemplateService } from './coupon-template.service.js';
import { CouponIssueService } from './coupon-issue.service.js';
import { CouponRedeemService } from './coupon-redeem.service.js';

export type { CouponChannel, IssueInput } from './coupon-issue.service.js';

/**
 * Coupons: a customer's coupons, their expiry and their move on a merge here; templates, issuing and
 * redemption in their own services, reached through this one so the rest of the app holds one object.
 * Every write to a coupon ends with `changed(customer)` (templates: `tenantChanged`), which keeps the
 * shoppers' cached coupon lists current (shared/cache/shopper-cache.ts).
 */
export class CouponService {
  private readonly cache: ShopperCache;
  private readonly templates: CouponTemplateService;
  private readonly issuing: CouponIssueService;
  private readonly redemption: CouponRedeemService;

  constructor(
    private readonly deps: Deps,
    ledger: PointsLedgerService,
    members: MemberService,
    settings: LoyaltySettingsService,
  ) {
    this.cache = shopperCache(deps);
    this.templates = new CouponTemplateService(deps, members, settings, this.cache);
    this.issuing = new CouponIssueService(deps, ledger, members, settings, this.templates, this.cache);
    this.redemption = new CouponRedeemService(deps, this.cache);
  }

  template(...args: Parameters<CouponTemplateService['template']>) {
    return this.templates.template(...args);
  }

  createTemplate(...args: Parameters<CouponTemplateService['createTemplate']>) {
    return this.templates.createTemplate(...args);
  }

  updateTemplate(...args: Parameters<CouponTemplateService['updateTemplate']>) {
    return this.templates.updateTemplate(...args);
  }

  listTemplates(...args: Parameters<CouponTemplateService['listTemplates']>) {
    return this.templates.listTemplates(...args);
  }

  catalogue(...args: Parameters<CouponTemplateService['catalogue']>) {
    return this.templates.catalogue(...args);
  }

  issue(...args: Parameters<CouponIssueService['issue']>) {
    return this.issuing.issue(...args);
  }

  issueWelcome(...args: Parameters<CouponIssueService['issueWelcome']>) {
    return this.issuing.issueWelcome(...args);
  }

  repairPending(...args: Parameters<CouponIssueService['repairPending']>) {
    return this.issuing.repairPending(...args);
  }

  getByCode(...args: Parameters<CouponRedeemService['getByCode']>) {
    return this.redemption.getByCode(...args);
  }

  redeem(...args: Parameters<CouponRedeemService['redeem']>) {
    return this.redemption.redeem(...args);
  }

  unredeemForOrder(...args: Parameters<CouponRedeemService['unredeemForOrder']>) {
    return this.redemption.unredeemForOrder(...args);
  }

  revoke(...args: Parameters<CouponRedeemService['revoke']>) {
    return this.redemption.revoke(...args);
  }

  async listForCustomer(tenantId: string, customerId: string, state?: 'available' | 'used' | 'expired' | 'revoked') {
    const now = this.deps.now();
    const q: Record<string, unknown> = { tenantId, customerId: new Types.ObjectId(customerId), state: { $ne: 'pending' } };
    if (state === 'available') Object.assign(q, { state: 'available', validTo: { $gt: now } });
    else if (state === 'expired') q.$or = [{ state: 'expired' }, { state: 'available', validTo: { $lte: now } }];
    else if (state) q.state = state;
    const rows = await CouponModel.find(q).sort({ issuedAt: -1 }).limit(200).lean();
    const templates = new Map(
      (await CouponTemplateModel.find({ tenantId, _id: { $in: [...new Set(rows.map((r) => String(r.templateId)))] } }).lean()).map((t) => [String(t._id), t]),
    );
    return rows.map((r) => couponView(r, templates.get(String(r.templateId)), now));
  }

  /**
   * listForCustomer() as the shopper cache stores it, with when time alone changes it: the earliest
   * end of a coupon that is still available (it turns expired, or joins the expired list).
   */
  async listForCache(tenantId: string, customerId: string, state?: 'available' | 'used' | 'expired' | 'revoked') {
    const now = this.deps.now();
    const items = await this.listForCustomer(tenantId, customerId, state);
    let changesAt: Date | null = null;
    if (!state || state === 'available')
      changesAt = earliestAfter(
        now,
        items.filter((c) => c.state === 'available').map((c) => c.validTo),
      );
    else if (state === 'expired') {
      const next = await CouponModel.findOne(
        { tenantId, customerId: new Types.ObjectId(customerId), state: 'available', validTo: { $gt: now } },
        { validTo: 1 },
      )
        .sort({ validTo: 1 })
        .lean();
      changesAt = next?.validTo ?? null;
    }
    return { value: { items }, changesAt };
  }

  /**
   * Marks coupons past their end date expired (they already read as expired before this runs), a
   * page at a time so each holder's cached list can be invalidated.
   */
  async expireDue(): Promise<number> {
    let n = 0;
    for (;;) {
      const due = await CouponModel.find({ state: 'available', validTo: { $lte: this.deps.now() } }, { tenantId: 1, customerId: 1 })
        .limit(1000)
        .lean();
      if (!due.length) return n;
      n += (await CouponModel.updateMany({ _id: { $in: due.map((c) => c._id) }, state: 'available' }, { $set: { state: 'expired' } })).modifiedCount;
      const holders = new Map(due.map((c) => [`${c.tenantId}:${c.customerId}`, c]));
      for (const c of holders.values()) await this.cache.changed(c.tenantId, String(c.customerId));
    }
  }

  async moveCustomer(tenantId: string, fromId: string, toId: string): Promise<void> {
    // seq stays unique because the moved coupons keep their own issue keys; the limit may be exceeded
    // for the surviving profile only by what both profiles legitimately held before they were merged.
    const rows = await CouponModel.find({ tenantId, customerId: new Types.ObjectId(fromId) }).lean();
    for (const r of rows) {
      for (let seq = r.seq; ; seq += 1000) {
        try {
          await CouponModel.updateOne({ _id: r._id }, { $set: { customerId: new Types.ObjectId(toId), seq } });
          await Promise.all([this.cache.changed(tenantId, fromId), this.cache.changed(tenantId, toId)]);
          break;
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
    }
  }
}
