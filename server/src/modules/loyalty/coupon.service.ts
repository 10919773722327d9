import { randomInt } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { AppError, notFound } from '../../shared/app-error.js';
import { CouponModel, CouponTemplateModel, COUPON_CHANNELS } from './coupon.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import type { PointsLedgerService } from './points-ledger.service.js';
import type { MemberService } from './member.service.js';
import { tierRank, type LoyaltySettingsService } from './loyalty-settings.service.js';
import { couponView, templateView } from './coupon.view.js';
import { couponDiscount } from './coupon-discount.js';
import { earliestAfter, shopperCache, type ShopperCache } from '../../shared/cache/shopper-cache.js';

export type CouponChannel = (typeof COUPON_CHANNELS)[number];
const DAY_MS = 86_400_000;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const newCode = () => Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');

export interface IssueInput {
  templateId: string;
  customerId: string;
  channel: CouponChannel;
  /** Idempotency key: the same key always answers with the same coupon. */
  issueKey: string;
  issuedBy?: string;
  batchId?: string;
}

/**
 * Coupon issue and redemption. Issuing: (1) an existing coupon under the issue key is the answer;
 * (2) one unit of stock is reserved by a conditional `$inc` (`issued < stock`); (3) the coupon is
 * inserted under the next free per-customer `seq` — the unique (template, customer, seq) index lets
 * exactly `perCustomerLimit` inserts win; (4) an exchange pays with a points spend keyed by the coupon
 * id and the coupon turns `available` only then. Any refusal after (2) gives the unit back.
 * Every write to a coupon ends with `changed(customer)` (templates: `tenantChanged`), which keeps the
 * shoppers' cached coupon lists current (shared/cache/shopper-cache.ts).
 */
export class CouponService {
  private readonly cache: ShopperCache;

  constructor(
    private readonly deps: Deps,
    private readonly ledger: PointsLedgerService,
    private readonly members: MemberService,
    private readonly settings: LoyaltySettingsService,
  ) {
    this.cache = shopperCache(deps);
  }

  private changed(tenantId: string, customerId: unknown): Promise<void> {
    return this.cache.changed(tenantId, String(customerId));
  }

  async template(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) throw notFound('Coupon template');
    const t = await CouponTemplateModel.findOne({ tenantId, _id: id }).lean();
    if (!t) throw notFound('Coupon template');
    return t;
  }

  async createTemplate(tenantId: string, input: Record<string, unknown>) {
    const doc = await CouponTemplateModel.create({ ...input, tenantId, issued: 0 });
    return templateView(doc.toObject());
  }

  async updateTemplate(tenantId: string, id: string, patch: Record<string, unknown>) {
    await this.template(tenantId, id);
    if (typeof patch.stock === 'number') {
      // Lowering stock below what is already issued would make the count lie; refuse it atomically.
      const res = await CouponTemplateModel.updateOne({ tenantId, _id: id, issued: { $lte: patch.stock } }, { $set: patch });
      if (!res.matchedCount) throw loyaltyConflict(LoyaltyErrorCode.INVALID_CONFIG as string, 'Stock cannot be set below the number already issued');
    } else await CouponTemplateModel.updateOne({ tenantId, _id: id }, { $set: patch });
    // Names and amounts show on every holder's coupons.
    await this.cache.tenantChanged(tenantId);
    return templateView(await this.template(tenantId, id));
  }

  async listTemplates(tenantId: string, filter: { channel?: string; active?: boolean } = {}) {
    const q: Record<string, unknown> = { tenantId };
    if (filter.channel) q.channels = filter.channel;
    if (filter.active !== undefined) q.active = filter.active;
    return (await CouponTemplateModel.find(q).sort({ createdAt: -1 }).lean()).map(templateView);
  }

  /** The points-exchange catalogue as a shopper sees it: active, in date, with what their tier allows. */
  async catalogue(tenantId: string, customerId: string) {
    const now = this.deps.now();
    const [settings, member, templates] = await Promise.all([
      this.settings.get(tenantId),
      this.members.find(tenantId, customerId),
      CouponTemplateModel.find({ tenantId, active: true, channels: 'exchange' }).sort({ pointsCost: 1 }).lean(),
    ]);
    return templates
      .filter((t) => !(t.validity?.kind === 'fixed' && t.validity.to && t.validity.to <= now))
      .map((t) => ({
        ...templateView(t),
        soldOut: t.issued >= t.stock,
        tierAllowed: !t.minTier || tierRank(settings, member?.tier) >= tierRank(settings, t.minTier),
        affordable: (member?.balance ?? 0) >= t.pointsCost,
      }));
  }

  async issue(tenantId: string, input: IssueInput) {
    const again = await CouponModel.findOne({ tenantId, issueKey: input.issueKey }).lean();
    if (again) return this.resume(again);
    const t = await this.template(tenantId, input.templateId);
    const now = this.deps.now();
    if (!t.active) throw loyaltyConflict(LoyaltyErrorCode.TEMPLATE_INACTIVE, `“${t.name}” is switched off and cannot be issued`);
    if (!t.channels.includes(input.channel)) throw loyaltyConflict(LoyaltyErrorCode.CHANNEL_NOT_ALLOWED, `“${t.name}” is not issued through ${input.channel}`);
    const validFrom = t.validity!.kind === 'fixed' ? t.validity!.from ?? now : now;
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
    let coupon: any;
    for (let seq = held + 1, codeTries = 0; !coupon; ) {
      if (seq > t.perCustomerLimit) {
        await this.releaseStock(tenantId, t._id);
        throw this.limitReached(t);
      }
      try {
        coupon = (
          await CouponModel.create({
            tenantId, templateId: t._id, customerId, seq, code: newCode(), issueKey: input.issueKey, channel: input.channel,
            state: paid ? 'pending' : 'available', validFrom, validTo, issuedAt: now, issuedBy: input.issuedBy,
            batchId: input.batchId ? new Types.ObjectId(input.batchId) : undefined, pointsCost: paid ? t.pointsCost : 0,
          })
        ).toObject();
      } catch (err) {
        if (!isDuplicateKeyError(err)) {
          await this.releaseStock(tenantId, t._id);
          throw err;
        }
        const pattern = Object.keys((err as any).keyPattern ?? {}).join(',') || String((err as Error).message);
        if (pattern.includes('issueKey')) {
          // The same request raced itself: the other attempt owns the answer and the stock unit.
          await this.releaseStock(tenantId, t._id);
          return this.resume((await CouponModel.findOne({ tenantId, issueKey: input.issueKey }).lean())!);
        }
        if (pattern.includes('code') && ++codeTries < 5) continue;
        seq++;
      }
    }
    await this.changed(tenantId, customerId);
    return paid ? this.pay(coupon) : couponView(coupon);
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

  private limitReached(t: { name: string; perCustomerLimit: number }) {
    return loyaltyConflict(LoyaltyErrorCode.LIMIT_REACHED, `“${t.name}” is limited to ${t.perCustomerLimit} per customer and you already have that many`);
  }

  /** One unit of stock, conditionally: `issued < stock` (the stock value read is part of the condition). */
  private async reserveStock(tenantId: string, templateId: Types.ObjectId): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const t = await CouponTemplateModel.findOne({ tenantId, _id: templateId }, { stock: 1, issued: 1, active: 1 }).lean();
      if (!t || !t.active || t.issued >= t.stock) return false;
      const res = await CouponTemplateModel.updateOne({ tenantId, _id: templateId, active: true, stock: t.stock, issued: { $lt: t.stock } }, { $inc: { issued: 1 } });
      if (res.modifiedCount) return true;
    }
    return false;
  }

  private async releaseStock(tenantId: string, templateId: Types.ObjectId) {
    await CouponTemplateModel.updateOne({ tenantId, _id: templateId, issued: { $gt: 0 } }, { $inc: { issued: -1 } });
  }

  /** Pays for an exchanged coupon with points; a spend the balance does not cover cancels the coupon. */
  private async pay(coupon: any) {
    try {
      await this.ledger.post({
        tenantId: coupon.tenantId, customerId: String(coupon.customerId), key: `coupon:${coupon._id}`, type: 'spend',
        points: coupon.pointsCost, reason: 'exchanged for a coupon', source: 'exchange', operator: coupon.issuedBy,
      });
    } catch (err) {
      if ((err as AppError).code === LoyaltyErrorCode.INSUFFICIENT_POINTS) await this.cancelPending(coupon);
      throw err;
    }
    const done = await CouponModel.findOneAndUpdate({ _id: coupon._id, state: 'pending' }, { $set: { state: 'available' } }, { returnDocument: 'after' }).lean();
    await this.changed(coupon.tenantId, coupon.customerId);
    return couponView(done ?? (await CouponModel.findById(coupon._id).lean()));
  }

  private async cancelPending(coupon: any) {
    const gone = await CouponModel.deleteOne({ _id: coupon._id, state: 'pending' });
    if (gone.deletedCount) await this.releaseStock(coupon.tenantId, coupon.templateId);
    await this.changed(coupon.tenantId, coupon.customerId);
  }

  /** A repeated issue: a finished coupon is the answer; a pending exchange is finished first. */
  private async resume(coupon: any) {
    if (coupon.state !== 'pending') return couponView(coupon);
    return this.pay(coupon);
  }

  /** Finishes exchanges a crash left pending: paid → available, spend voided → cancelled. */
  async repairPending(olderThanMs = 60_000): Promise<number> {
    const cutoff = new Date(this.deps.now().getTime() - olderThanMs);
    const rows = await CouponModel.find({ state: 'pending', issuedAt: { $lt: cutoff } }).limit(500).lean();
    for (const c of rows) {
      const entry = await this.ledger.getByKey(c.tenantId, `coupon:${c._id}`);
      if (entry?.state === 'applied') {
        await CouponModel.updateOne({ _id: c._id, state: 'pending' }, { $set: { state: 'available' } });
        await this.changed(c.tenantId, c.customerId);
      } else if (!entry || entry.state === 'void') await this.cancelPending(c);
    }
    return rows.length;
  }

  async listForCustomer(tenantId: string, customerId: string, state?: 'available' | 'used' | 'expired' | 'revoked') {
    const now = this.deps.now();
    const q: Record<string, unknown> = { tenantId, customerId: new Types.ObjectId(customerId), state: { $ne: 'pending' } };
    if (state === 'available') Object.assign(q, { state: 'available', validTo: { $gt: now } });
    else if (state === 'expired') q.$or = [{ state: 'expired' }, { state: 'available', validTo: { $lte: now } }];
    else if (state) q.state = state;
    const rows = await CouponModel.find(q).sort({ issuedAt: -1 }).limit(200).lean();
    const templates = new Map((await CouponTemplateModel.find({ tenantId, _id: { $in: [...new Set(rows.map((r) => String(r.templateId)))] } }).lean()).map((t) => [String(t._id), t]));
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
    if (!state || state === 'available') changesAt = earliestAfter(now, items.filter((c) => c.state === 'available').map((c) => c.validTo));
    else if (state === 'expired') {
      const next = await CouponModel.findOne({ tenantId, customerId: new Types.ObjectId(customerId), state: 'available', validTo: { $gt: now } }, { validTo: 1 }).sort({ validTo: 1 }).lean();
      changesAt = next?.validTo ?? null;
    }
    return { value: { items }, changesAt };
  }

  async getByCode(tenantId: string, code: string) {
    const c = await CouponModel.findOne({ tenantId, code: code.trim().toUpperCase() }).lean();
    if (!c || c.state === 'pending') throw notFound('Coupon');
    return c;
  }

  /**
   * Redeems (核销) a coupon once: a conditional update from `available` to `used`. Redeeming again for
   * the same order answers with the same coupon (the shop platform retries); otherwise 409.
   */
  async redeem(tenantId: string, code: string, by: { orderId?: string; orderAmount?: number; shippingFee?: number; redeemedBy: string; customerId?: string }) {
    const c = await this.redeemOnce(tenantId, code, by);
    // What the coupon takes off this order, so the till and the shop platform charge the same.
    const t = await CouponTemplateModel.findOne({ tenantId, _id: c.templateId }).lean();
    return { ...c, ...(t ? couponDiscount(t, by.orderAmount ?? 0, by.shippingFee ?? 0) : { discount: 0, freeShipping: false, gift: null }) };
  }

  private async redeemOnce(tenantId: string, code: string, by: { orderId?: string; orderAmount?: number; redeemedBy: string; customerId?: string }) {
    const c = await this.getByCode(tenantId, code);
    const t = await CouponTemplateModel.findOne({ tenantId, _id: c.templateId }).lean();
    const now = this.deps.now();
    if (c.state === 'used' && by.orderId && c.orderId === by.orderId) return couponView(c, t ?? undefined, now);
    if (by.customerId && String(c.customerId) !== by.customerId) throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, 'This coupon belongs to another customer');
    if (t && by.orderAmount !== undefined && t.threshold > by.orderAmount) {
      throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, `This coupon needs an order of at least ${t.threshold} fen`);
    }
    const used = await CouponModel.findOneAndUpdate(
      { tenantId, _id: c._id, state: 'available', validFrom: { $lte: now }, validTo: { $gt: now } },
      { $set: { state: 'used', usedAt: now, orderId: by.orderId, redeemedBy: by.redeemedBy } },
      { returnDocument: 'after' },
    ).lean();
    if (used) {
      await this.changed(tenantId, used.customerId);
      return couponView(used, t ?? undefined, now);
    }
    const fresh = (await CouponModel.findById(c._id).lean())!;
    if (fresh.state === 'used' && by.orderId && fresh.orderId === by.orderId) return couponView(fresh, t ?? undefined, now);
    const why = fresh.state === 'available' ? (fresh.validFrom > now ? 'is not valid yet' : 'has expired') : fresh.state === 'used' ? 'was already used' : `is ${fresh.state}`;
    throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, `This coupon ${why}`, { state: fresh.state });
  }

  /** Gives coupons used on a refunded order back, where their template allows it. */
  async unredeemForOrder(tenantId: string, orderId: string): Promise<number> {
    const used = await CouponModel.find({ tenantId, orderId, state: 'used' }).lean();
    let n = 0;
    for (const c of used) {
      const t = await CouponTemplateModel.findOne({ tenantId, _id: c.templateId }).lean();
      if (!t?.allowUnredeem) continue;
      const res = await CouponModel.updateOne({ _id: c._id, state: 'used', orderId }, { $set: { state: 'available' }, $unset: { usedAt: 1, orderId: 1, redeemedBy: 1 } });
      if (res.modifiedCount) await this.changed(tenantId, c.customerId);
      n += res.modifiedCount;
    }
    return n;
  }

  async revoke(tenantId: string, code: string, by: string) {
    const c = await this.getByCode(tenantId, code);
    const res = await CouponModel.findOneAndUpdate({ _id: c._id, state: 'available' }, { $set: { state: 'revoked', revokedAt: this.deps.now(), redeemedBy: by } }, { returnDocument: 'after' }).lean();
    if (!res) throw loyaltyConflict(LoyaltyErrorCode.COUPON_UNAVAILABLE, `Only an available coupon can be revoked; this one is ${c.state}`);
    await this.changed(tenantId, res.customerId);
    return couponView(res);
  }

  /**
   * Marks coupons past their end date expired (they already read as expired before this runs), a
   * page at a time so each holder's cached list can be invalidated.
   */
  async expireDue(): Promise<number> {
    let n = 0;
    for (;;) {
      const due = await CouponModel.find({ state: 'available', validTo: { $lte: this.deps.now() } }, { tenantId: 1, customerId: 1 }).limit(1000).lean();
      if (!due.length) return n;
      n += (await CouponModel.updateMany({ _id: { $in: due.map((c) => c._id) }, state: 'available' }, { $set: { state: 'expired' } })).modifiedCount;
      const holders = new Map(due.map((c) => [`${c.tenantId}:${c.customerId}`, c]));
      for (const c of holders.values()) await this.changed(c.tenantId, c.customerId);
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
          await Promise.all([this.changed(tenantId, fromId), this.changed(tenantId, toId)]);
          break;
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
    }
  }
}
