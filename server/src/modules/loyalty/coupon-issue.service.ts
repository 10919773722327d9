import { randomInt } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { AppError } from '../../shared/app-error.js';
import type { ShopperCache } from '../../shared/cache/shopper-cache.js';
import { CouponModel, CouponTemplateModel, COUPON_CHANNELS, type CouponDoc, type CouponTemplateDoc } from './coupon.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import type { PointsLedgerService } from './points-ledger.service.js';
import type { MemberService } from './member.service.js';
import { tierRank, type LoyaltySettingsService } from './loyalty-settings.service.js';
import { couponView } from './coupon.view.js';
import type { CouponTemplateService } from './coupon-template.service.js';

export type CouponChannel = (typeof COUPON_CHANNELS)[number];
const DAY_MS = 86_400_000;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const newCode = () => Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');

export interface IssueInput {
  templateId: string;
  customerId: string;
  channel: CouponChannel;
  /**
   * Idempotency key, unique per tenant: the same key for the same customer and template answers with
   * the same coupon; for another customer or template it is refused (409), never answered with the
   * coupon someone else issued under it.
   */
  issueKey: string;
  issuedBy?: string;
  batchId?: string;
}

/**
 * Coupon issue and points exchange. Issuing: (1) an existing coupon under the issue key is the answer;
 * (2) one unit of stock is reserved by a conditional `$inc` (`issued < stock`); (3) the coupon is
 * inserted under the next free per-customer `seq` — the unique (template, customer, seq) index lets
 * exactly `perCustomerLimit` inserts win; (4) an exchange pays with a points spend keyed by the coupon
 * id and the coupon turns `available` only then. Any refusal after (2) gives the unit back.
 */
export class CouponIssueService {
  constructor(
    private readonly deps: Deps,
    private readonly ledger: PointsLedgerService,
    private readonly members: MemberService,
    private readonly settings: LoyaltySettingsService,
    private readonly templates: CouponTemplateService,
    private readonly cache: ShopperCache,
  ) {}

  async issue(tenantId: string, input: IssueInput) {
    const again = await CouponModel.findOne({ tenantId, issueKey: input.issueKey }).lean();
    if (again) return this.resume(this.sameTarget(again, input), await this.templateOf(again));
    const t = await this.templates.template(tenantId, input.templateId);
    const now = this.deps.now();
    if (!t.active) throw loyaltyConflict(LoyaltyErrorCode.TEMPLATE_INACTIVE, `“${t.name}” is switched off and cannot be issued`);
    if (!t.channels.includes(input.channel)) throw loyaltyConflict(LoyaltyErrorCode.CHANNEL_NOT_ALLOWED, `“${t.name}” is not issued through ${input.channel}`);
    const validFrom = t.validity!.kind === 'fixed' ? (t.validity!.from ?? now) : now;
    const validTo = t.validity!.kind === 'fixed' ? t.validity!.to! : new Date(now.getTime() + (t.validity!.days ?? 30) * DAY_MS);
    if (validTo <= now) throw loyaltyConflict(LoyaltyErrorCode.TEMPLATE_INACTIVE, `“${t.name}” has ended and cannot be issued`);
    if (t.minTier) {
      const [settings, member] = await Promise.all([this.settings.get(tenantId), this.members.find(tenantId, input.customerId)]);
      if (tierRank(settings, member?.tier) < tierRank(settings, t.minTier)) {
        const tier = settings.tiers.find((x) => x.code === t.minTier);
        throw new AppError(LoyaltyErrorCode.TIER_REQUIRED, `“${t.name}” is for ${tier?.name ?? t.minTier} members and above`, { status: 403 });
      }
    }
    const customerId = new Types.ObjectId(input.customerId);
    const held = await CouponModel.countDocuments({ tenantId, templateId: t._id, customerId });
    if (held >= t.perCustomerLimit) throw this.limitReached(t);

    if (!(await this.reserveStock(tenantId, t._id))) throw loyaltyConflict(LoyaltyErrorCode.OUT_OF_STOCK, `“${t.name}” is out of stock`);

    const paid = input.channel === 'exchange' && t.pointsCost > 0;
    let coupon: CouponDoc | undefined;
    for (let seq = held + 1, codeTries = 0; !coupon;) {
      if (seq > t.perCustomerLimit) {
        await this.releaseStock(tenantId, t._id);
        throw this.limitReached(t);
      }
      try {
        coupon = (
          await CouponModel.create({
            tenantId,
            templateId: t._id,
            customerId,
            seq,
            code: newCode(),
            issueKey: input.issueKey,
            channel: input.channel,
            state: paid ? 'pending' : 'available',
            validFrom,
            validTo,
            issuedAt: now,
            issuedBy: input.issuedBy,
            batchId: input.batchId ? new Types.ObjectId(input.batchId) : undefined,
            pointsCost: paid ? t.pointsCost : 0,
          })
        ).toObject();
      } catch (err) {
        if (!isDuplicateKeyError(err)) {
          await this.releaseStock(tenantId, t._id);
          throw err;
        }
        const pattern = Object.keys((err as { keyPattern?: object }).keyPattern ?? {}).join(',') || String((err as Error).message);
        if (pattern.includes('issueKey')) {
          // The same request raced itself: the other attempt owns the answer and the stock unit.
          await this.releaseStock(tenantId, t._id);
          return this.resume(this.sameTarget((await CouponModel.findOne({ tenantId, issueKey: input.issueKey }).lean())!, input), t);
        }
        if (pattern.includes('code') && ++codeTries < 5) continue;
        seq++;
      }
    }
    await this.cache.changed(tenantId, String(customerId));
    return paid ? this.pay(coupon, t) : couponView(coupon, t);
  }

  /** Welcome coupons for a new member: every active 'welcome' template, once each (keyed), best effort. */
  async issueWelcome(tenantId: string, customerId: string): Promise<number> {
    const templates = await CouponTemplateModel.find({ tenantId, active: true, channels: 'welcome' }).lean();
    let n = 0;
    for (const t of templates) {
      try {
        await this.issue(tenantId, { templateId: String(t._id), customerId, channel: 'welcome', issueKey: `welcome:${customerId}:${t._id}` });
        n++;
      } catch (err) {
        this.deps.log.info({ tenantId, templateId: String(t._id), code: (err as AppError).code }, 'welcome coupon not issued');
      }
    }
    return n;
  }

  /** The coupon already issued under the key, if it was for this customer, template and channel (as the points ledger checks its keys). */
  private sameTarget<C extends { customerId: unknown; templateId: unknown; channel: string }>(coupon: C, input: IssueInput): C {
    if (String(coupon.customerId) !== input.customerId || String(coupon.templateId) !== input.templateId || coupon.channel !== input.channel) {
      throw loyaltyConflict(LoyaltyErrorCode.KEY_REUSED, 'This idempotency key was already used to issue a different coupon; send a new key for a new coupon', {
        reason: 'coupon',
      });
    }
    return coupon;
  }

  private limitReached(t: { name: string; perCustomerLimit: number }) {
    return loyaltyConflict(LoyaltyErrorCode.LIMIT_REACHED, `“${t.name}” is limited to ${t.perCustomerLimit} per customer and you already have that many`);
  }

  /** One unit of stock, conditionally: `issued < stock` (the stock value read is part of the condition). */
  private async reserveStock(tenantId: string, templateId: Types.ObjectId): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const t = await CouponTemplateModel.findOne({ tenantId, _id: templateId }, { stock: 1, issued: 1, active: 1 }).lean();
      if (!t || !t.active || t.issued >= t.stock) return false;
      const res = await CouponTemplateModel.updateOne(
        { tenantId, _id: templateId, active: true, stock: t.stock, issued: { $lt: t.stock } },
        { $inc: { issued: 1 } },
      );
      if (res.modifiedCount) return true;
    }
    return false;
  }

  private async releaseStock(tenantId: string, templateId: Types.ObjectId) {
    await CouponTemplateModel.updateOne({ tenantId, _id: templateId, issued: { $gt: 0 } }, { $inc: { issued: -1 } });
  }

  /** The template a coupon was issued from: its name and face go with every answer about the coupon. */
  private templateOf(coupon: CouponDoc) {
    return CouponTemplateModel.findOne({ tenantId: coupon.tenantId, _id: coupon.templateId }).lean();
  }

  /**
   * Pays for an exchanged coupon with points; a spend the balance does not cover cancels the coupon.
   * The entry keeps the coupon's name, so the shopper's history can say what the points bought.
   */
  private async pay(coupon: CouponDoc, t: CouponTemplateDoc | null | undefined) {
    try {
      await this.ledger.post({
        tenantId: coupon.tenantId,
        customerId: String(coupon.customerId),
        key: `coupon:${coupon._id}`,
        type: 'spend',
        points: coupon.pointsCost,
        reason: 'exchanged for a coupon',
        source: 'exchange',
        operator: coupon.issuedBy ?? undefined,
        couponName: t?.name,
      });
    } catch (err) {
      if ((err as AppError).code === LoyaltyErrorCode.INSUFFICIENT_POINTS) await this.cancelPending(coupon);
      throw err;
    }
    const done = await CouponModel.findOneAndUpdate(
      { _id: coupon._id, state: 'pending' },
      { $set: { state: 'available' } },
      { returnDocument: 'after' },
    ).lean();
    await this.cache.changed(coupon.tenantId, String(coupon.customerId));
    // The coupon is there (the spend was taken for it); only its state may have moved on.
    return couponView((done ?? (await CouponModel.findById(coupon._id).lean()))!, t ?? undefined);
  }

  private async cancelPending(coupon: CouponDoc) {
    const gone = await CouponModel.deleteOne({ _id: coupon._id, state: 'pending' });
    if (gone.deletedCount) await this.releaseStock(coupon.tenantId, coupon.templateId);
    await this.cache.changed(coupon.tenantId, String(coupon.customerId));
  }

  /** A repeated issue: a finished coupon is the answer; a pending exchange is finished first. */
  private async resume(coupon: CouponDoc, t: CouponTemplateDoc | null | undefined) {
    if (coupon.state !== 'pending') return couponView(coupon, t ?? undefined);
    return this.pay(coupon, t);
  }

  /** Finishes exchanges a crash left pending: paid → available, spend voided → cancelled. */
  async repairPending(olderThanMs = 60_000): Promise<number> {
    const cutoff = new Date(this.deps.now().getTime() - olderThanMs);
    const rows = await CouponModel.find({ state: 'pending', issuedAt: { $lt: cutoff } })
      .limit(500)
      .lean();
    for (const c of rows) {
      const entry = await this.ledger.getByKey(c.tenantId, `coupon:${c._id}`);
      if (entry?.state === 'applied') {
        await CouponModel.updateOne({ _id: c._id, state: 'pending' }, { $set: { state: 'available' } });
        await this.cache.changed(c.tenantId, String(c.customerId));
      } else if (!entry || entry.state === 'void') await this.cancelPending(c);
    }
    return rows.length;
  }
}
