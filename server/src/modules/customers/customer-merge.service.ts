import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CustomerModel, IdentityModel, MergeModel } from './customer.model.js';
import { shopperCache } from '../../shared/cache/shopper-cache.js';

/**
 * Merges two profiles proven to be one person (a new identity links them). The older profile stays;
 * the other is marked `merged` with a pointer, never deleted, and the merge is recorded with a
 * snapshot. Other modules move their rows on the `customer.merged` hook.
 */
export class CustomerMergeService {
  constructor(
    private readonly deps: Deps,
    private readonly hooks: DomainHooks,
  ) {}

  /** Returns the id that survives. Safe to call twice and under races: one caller wins the claim. */
  async merge(tenantId: string, a: string, b: string, reason: string): Promise<string> {
    if (a === b) return a;
    const both = await CustomerModel.find({ tenantId, _id: { $in: [a, b] } }).lean();
    if (both.length < 2) return a;
    const live = both.map((c) => (c.status === 'merged' && c.mergedInto ? String(c.mergedInto) : String(c._id)));
    if (live[0] === live[1]) return live[0];
    const [keep, drop] = [...both].sort((x, y) => +new Date(x.createdAt as Date) - +new Date(y.createdAt as Date));
    const toId = String(keep._id);
    const fromId = String(drop._id);

    // Claim the losing profile first, so two concurrent merges cannot both fold it in.
    const claimed = await CustomerModel.findOneAndUpdate(
      { tenantId, _id: fromId, status: 'active' },
      { $set: { status: 'merged', mergedInto: new Types.ObjectId(toId) } },
      { returnDocument: 'before' },
    ).lean();
    if (!claimed) return toId;
    // The dropped profile's shopper token now reads the survivor's data: its cached reads are void.
    await shopperCache(this.deps).changed(tenantId, fromId);

    const agg: Partial<NonNullable<typeof claimed.aggregates>> = claimed.aggregates ?? {};
    const fill: Record<string, unknown> = {};
    for (const field of ['name', 'gender', 'birthday', 'city', 'phone', 'remark', 'avatar', 'ownerStaffId'] as const) {
      const mine = keep[field];
      const theirs = claimed[field];
      if ((mine === undefined || mine === null || mine === '' || mine === 'unknown') && theirs) fill[field] = theirs;
    }
    const update: Record<string, unknown> = {
      $addToSet: {
        tags: { $each: claimed.tags ?? [] },
        followerStaffIds: { $each: claimed.followerStaffIds ?? [] },
        identities: { $each: claimed.identities ?? [] },
      },
      $push: { notes: { $each: claimed.notes ?? [] } },
      $inc: {
        'aggregates.orderCount': agg.orderCount ?? 0,
        'aggregates.totalPaid': agg.totalPaid ?? 0,
        'aggregates.refundCount': agg.refundCount ?? 0,
        'aggregates.refundedAmount': agg.refundedAmount ?? 0,
      },
    };
    if (Object.keys(fill).length) update.$set = fill;
    if (agg.firstOrderAt) update.$min = { 'aggregates.firstOrderAt': agg.firstOrderAt };
    const max: Record<string, Date> = {};
    if (agg.lastOrderAt) max['aggregates.lastOrderAt'] = agg.lastOrderAt;
    if (agg.lastActiveAt) max['aggregates.lastActiveAt'] = agg.lastActiveAt;
    if (Object.keys(max).length) update.$max = max;
    await CustomerModel.updateOne({ tenantId, _id: toId }, update);
    await IdentityModel.updateMany({ tenantId, customerId: fromId }, { $set: { customerId: new Types.ObjectId(toId) } });
    try {
      await MergeModel.create({ tenantId, fromId, toId, reason, at: this.deps.now(), snapshot: claimed });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    await this.hooks.emit('customer.merged', { tenantId, fromId, toId });
    this.deps.log.info({ tenantId, fromId, toId, reason }, 'merged customer profiles');
    return toId;
  }

  async history(tenantId: string, customerId: string) {
    return MergeModel.find({ tenantId, toId: customerId }).sort({ at: -1 }).select({ snapshot: 0 }).lean();
  }
}
