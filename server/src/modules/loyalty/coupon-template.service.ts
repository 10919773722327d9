import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { notFound } from '../../shared/app-error.js';
import type { ShopperCache } from '../../shared/cache/shopper-cache.js';
import { CouponTemplateModel } from './coupon.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import type { MemberService } from './member.service.js';
import { tierRank, type LoyaltySettingsService } from './loyalty-settings.service.js';
import { templateView } from './coupon.view.js';

/** Coupon templates (what a coupon is worth, its stock and who may get it) and the exchange catalogue. */
export class CouponTemplateService {
  constructor(
    private readonly deps: Deps,
    private readonly members: MemberService,
    private readonly settings: LoyaltySettingsService,
    private readonly cache: ShopperCache,
  ) {}

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
      if (!res.matchedCount) throw loyaltyConflict(LoyaltyErrorCode.INVALID_CONFIG, 'Stock cannot be set below the number already issued');
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
}
