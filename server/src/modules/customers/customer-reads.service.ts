import type { Types } from 'mongoose';
import { PROFILING_ALLOWED } from '../privacy/profiling-consent.js';
import { CustomerModel } from './customer.model.js';

type Id = string | Types.ObjectId;

/** A page of profile ids in _id order, with the last order date (dormancy occurrences key on it). */
export type ProfilePage = Array<{ _id: Types.ObjectId; aggregates?: { lastOrderAt?: Date | null } | null }>;

/** A lifecycle stage of the console dashboard (see `lifecycleStageCounts`). */
export type LifecycleStage = 'new' | 'active' | 'at_risk' | 'lost' | 'prospect';

/**
 * The profile reads other modules need, one query each, named for what the caller does with it (so
 * the customers module still decides which fields leave it and which indexes serve them). Reached
 * through CustomerService.
 */
export class CustomerReadsService {
  /** Whether and how each recipient can be reached: status, owner, identities, WeCom relation, consents. */
  recipientFacts(tenantId: string, ids: Id[]) {
    return CustomerModel.find({ tenantId, _id: { $in: ids } })
      .select({ status: 1, ownerStaffId: 1, identities: 1, wecom: 1, consents: 1, name: 1 })
      .lean();
  }

  /** One recipient's reach facts plus what journey conditions look at: name, aggregates, createdAt. */
  recipientProfile(tenantId: string, id: Id) {
    return CustomerModel.findOne({ tenantId, _id: id })
      .select({ status: 1, ownerStaffId: 1, identities: 1, wecom: 1, consents: 1, aggregates: 1, name: 1, createdAt: 1 })
      .lean();
  }

  /** WeCom external_userid by profile id; profiles without one are left out. */
  async externalUserIds(tenantId: string, ids: Id[]): Promise<Map<string, string>> {
    const docs = await CustomerModel.find({ tenantId, _id: { $in: ids } })
      .select({ identities: 1 })
      .lean();
    const out = new Map<string, string>();
    for (const d of docs) {
      const v = (d.identities as Array<{ type: string; value: string }> | undefined)?.find((i) => i.type === 'externalUserId')?.value;
      if (v) out.set(String(d._id), v);
    }
    return out;
  }

  /** The last order date by profile id, for those of the ids who ever ordered. */
  async lastOrderDates(tenantId: string, ids: Id[]) {
    const buyers = await CustomerModel.find({ tenantId, _id: { $in: ids }, 'aggregates.lastOrderAt': { $ne: null } })
      .select({ 'aggregates.lastOrderAt': 1 })
      .lean();
    return new Map(buyers.map((c) => [String(c._id), c.aggregates?.lastOrderAt]));
  }

  /** Live profiles born on this day, a page in _id order after `after` (birthday journeys). */
  bornOnPage(tenantId: string, month: number, day: number, after: Types.ObjectId | null, limit = 1000): Promise<ProfilePage> {
    return this.page({ tenantId, status: 'active', 'birthday.month': month, 'birthday.day': day }, after, limit);
  }

  /** Live buyers whose last order is at or before `lastOrderBefore`, a page in _id order (dormancy journeys). */
  dormantBuyersPage(tenantId: string, lastOrderBefore: Date, after: Types.ObjectId | null, limit = 1000): Promise<ProfilePage> {
    return this.page({ tenantId, status: 'active', 'aggregates.orderCount': { $gt: 0 }, 'aggregates.lastOrderAt': { $lte: lastOrderBefore } }, after, limit);
  }

  /** Live profiles carrying a tag, a page in _id order (a tag moved to another WeCom group is re-marked on them). */
  taggedPage(tenantId: string, tagId: string, after: Types.ObjectId | null, limit = 100): Promise<ProfilePage> {
    return this.page({ tenantId, status: 'active', tags: tagId }, after, limit);
  }

  private async page(filter: Record<string, unknown>, after: Types.ObjectId | null, limit: number): Promise<ProfilePage> {
    return CustomerModel.find(after ? { ...filter, _id: { $gt: after } } : filter)
      .select({ _id: 1, 'aggregates.lastOrderAt': 1 })
      .sort({ _id: 1 })
      .limit(limit)
      .lean();
  }

  /** Streams the ids of live profiles born on `month` and any of `days` (birthday gifts), off the birthday index. */
  bornOnCursor(tenantId: string, month: number, days: number[]) {
    return CustomerModel.find({ tenantId, status: 'active', 'birthday.month': month, 'birthday.day': { $in: days } })
      .select({ _id: 1 })
      .lean()
      .cursor();
  }

  /**
   * Every active profile counted in exactly one stage, the first that applies:
   * - 流失 lost: the WeCom contact was deleted (wecom.relation 'lost'), the churn sweep marked them
   *   lost, or they bought before but not since `dormantSince`;
   * - 风险 at_risk: the churn sweep warned (rfm.churn.state 'at_risk': overdue against their own cadence);
   * - 新客 new: at most one order and first seen since `newSince` (the earliest of the profile's
   *   creation, first order and WeCom add: a buyer imported today is not new);
   * - 潜在 prospect: never ordered (and not new);
   * - 活跃 active: everyone else — ordered since `dormantSince` and not at risk.
   */
  async lifecycleStageCounts(
    tenantId: string,
    { dormantSince, newSince }: { dormantSince: Date; newSince: Date },
  ): Promise<Array<{ _id: LifecycleStage; n: number }>> {
    const orders = { $ifNull: ['$aggregates.orderCount', 0] };
    const churn = { $ifNull: ['$rfm.churn.state', 'none'] };
    return CustomerModel.aggregate([
      { $match: { tenantId, status: 'active' } },
      {
        $project: {
          stage: {
            $switch: {
              branches: [
                {
                  case: {
                    $or: [
                      { $eq: ['$wecom.relation', 'lost'] },
                      { $eq: [churn, 'lost'] },
                      { $and: [{ $gt: [orders, 0] }, { $lt: [{ $ifNull: ['$aggregates.lastOrderAt', new Date(0)] }, dormantSince] }] },
                    ],
                  },
                  then: 'lost',
                },
                { case: { $eq: [churn, 'at_risk'] }, then: 'at_risk' },
                {
                  case: { $and: [{ $lte: [orders, 1] }, { $gte: [{ $min: ['$createdAt', '$aggregates.firstOrderAt', '$wecom.addedAt'] }, newSince] }] },
                  then: 'new',
                },
                { case: { $eq: [orders, 0] }, then: 'prospect' },
              ],
              default: 'active',
            },
          },
        },
      },
      { $group: { _id: '$stage', n: { $sum: 1 } } },
    ]);
  }

  /** Live profiles whose WeCom contact was added (or lost) in [since, until], counted per local day (YYYY-MM-DD). */
  async wecomContactsPerDay(tenantId: string, change: 'added' | 'lost', since: Date, until: Date, timezone: string): Promise<Map<string, number>> {
    const field = change === 'added' ? 'wecom.addedAt' : 'wecom.lostAt';
    const rows: { _id: string; n: number }[] = await CustomerModel.aggregate([
      { $match: { tenantId, status: 'active', [field]: { $gte: since, $lte: until } } },
      { $group: { _id: { $dateToString: { format: '%Y-%m-%d', date: `$${field}`, timezone } }, n: { $sum: 1 } } },
    ]);
    return new Map(rows.map((r) => [r._id, r.n]));
  }

  /**
   * Live scored profiles per (R, F) score pair of the latest RFM run, with the total they paid in fen:
   * the cells of the dashboard's R×F heatmap (profiles never scored, or whose consent withdrew
   * profiling and so lost their scores, are not counted).
   */
  async rfmGrid(tenantId: string): Promise<Array<{ r: number; f: number; customers: number; paid: number }>> {
    const rows: { _id: { r: number; f: number }; customers: number; paid: number }[] = await CustomerModel.aggregate([
      { $match: { tenantId, status: 'active', 'rfm.r': { $gte: 1 }, 'rfm.f': { $gte: 1 } } },
      { $group: { _id: { r: '$rfm.r', f: '$rfm.f' }, customers: { $sum: 1 }, paid: { $sum: { $ifNull: ['$aggregates.totalPaid', 0] } } } },
    ]);
    return rows.map((x) => ({ r: x._id.r, f: x._id.f, customers: x.customers, paid: x.paid }));
  }

  /** What an RFM rescoring reads of these profiles (aggregates and the previous scores), profiling consent permitting. */
  rfmInputs(tenantId: string, ids: Id[]) {
    return CustomerModel.find({ tenantId, _id: { $in: ids }, ...PROFILING_ALLOWED })
      .select({ aggregates: 1, rfm: 1 })
      .lean();
  }

  /** Every live buyer of a tenant the nightly RFM run scores, with its order figures and previous scores. */
  rfmBuyers(tenantId: string) {
    return CustomerModel.find({ tenantId, status: 'active', ...PROFILING_ALLOWED, 'aggregates.orderCount': { $gt: 0 } })
      .select({ 'aggregates.lastOrderAt': 1, 'aggregates.orderCount': 1, 'aggregates.totalPaid': 1, rfm: 1 })
      .lean();
  }

  /**
   * Buyers whose churn clock was never started (imported history) or started before it had an end
   * (`lostAt`), up to `limit` ids.
   */
  unclockedBuyers(tenantId: string, limit = 5000) {
    return CustomerModel.find({
      tenantId,
      status: 'active',
      ...PROFILING_ALLOWED,
      'aggregates.orderCount': { $gt: 0 },
      'aggregates.lastOrderAt': { $ne: null },
      $or: [{ 'rfm.churn.dueAt': null }, { 'rfm.churn.lostAt': null }],
    })
      .select({ _id: 1 })
      .limit(limit)
      .lean();
  }

  /**
   * The churn sweep's work list, with what ranking and the task need: customers still "ok" whose
   * clock ran out by `now`, and customers at risk still waiting for a task (yesterday's cap was full).
   */
  churnDue(tenantId: string, now: Date, limit = 5000) {
    return CustomerModel.find({
      tenantId,
      status: 'active',
      $or: [
        { 'rfm.churn.state': 'ok', 'rfm.churn.dueAt': { $lte: now } },
        { 'rfm.churn.state': 'at_risk', 'rfm.churn.awaitingTask': true },
      ],
    })
      .select({ ownerStaffId: 1, rfm: 1, name: 1, 'aggregates.orderCount': 1, 'aggregates.totalPaid': 1 })
      .limit(limit)
      .lean();
  }

  /** Customers ok or at risk whose churn window closed by `now` (they are lost now), up to `limit` ids. */
  churnPastWindow(tenantId: string, now: Date, limit = 5000) {
    return CustomerModel.find({ tenantId, status: 'active', 'rfm.churn.state': { $in: ['ok', 'at_risk'] }, 'rfm.churn.lostAt': { $lte: now } })
      .select({ _id: 1 })
      .limit(limit)
      .lean();
  }

  /** Customers who removed us on WeCom and are not yet marked lost, up to `limit` ids. */
  lostContactsUnmarked(tenantId: string, limit = 5000) {
    return CustomerModel.find({ tenantId, status: 'active', ...PROFILING_ALLOWED, 'wecom.relation': 'lost', 'rfm.churn.state': { $ne: 'lost' } })
      .select({ _id: 1 })
      .limit(limit)
      .lean();
  }

  /** Every tenant that has profiles (nightly jobs). */
  async tenantIds(): Promise<string[]> {
    return (await CustomerModel.distinct('tenantId')) as string[];
  }
}
