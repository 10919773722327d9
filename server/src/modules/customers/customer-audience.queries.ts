import type { Types } from 'mongoose';
import { CustomerModel } from './customer.model.js';

/** What a segment preview shows of each sampled customer. */
const SAMPLE_FIELDS = {
  name: 1,
  phone: 1,
  gender: 1,
  city: 1,
  tags: 1,
  ownerStaffId: 1,
  followerStaffIds: 1,
  aggregates: 1,
  rfm: 1,
  wecom: 1,
  sourceChannel: 1,
  birthday: 1,
};

/**
 * The customers an audience selects (segments compile the audience language to one filter on
 * `customers`): how many, a sample, and its ids page by page. Read only; the collection stays this module's.
 */
export class CustomerAudienceQueries {
  count(filter: Record<string, unknown>): Promise<number> {
    return CustomerModel.countDocuments(filter);
  }

  /** The first `size` customers by id, with the fields a preview shows. */
  async sample(filter: Record<string, unknown>, size: number) {
    return CustomerModel.find(filter).select(SAMPLE_FIELDS).sort({ _id: 1 }).limit(size).lean();
  }

  /** The next `limit` ids after `after`, ascending, so a consumer can resume after any page. */
  async pageIds(filter: Record<string, unknown>, after: Types.ObjectId | null, limit: number): Promise<Types.ObjectId[]> {
    const q = after ? { $and: [filter, { _id: { $gt: after } }] } : filter;
    const rows = await CustomerModel.find(q).sort({ _id: 1 }).limit(limit).select({ _id: 1 }).lean();
    return rows.map((r) => r._id as Types.ObjectId);
  }
}
