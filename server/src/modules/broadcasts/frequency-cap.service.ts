import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { duplicateIndexes, isDuplicateKeyError } from '../../shared/db.js';
import { TouchModel } from './broadcast.model.js';
import { localPeriods } from './send-window.js';

/**
 * The per-customer frequency cap (WeCom itself allows one group message per customer per day by
 * default). A send takes one slot of the customer's local day and one of their month; slots are rows
 * under unique indexes, so concurrent campaigns cannot overbook and a retried send reuses its own slot.
 */
export class FrequencyCapService {
  constructor(private readonly deps: Deps) {}

  /** True when this campaign run may message the customer now (its slots are held). */
  async claim(tenantId: string, customerId: string, campaignKey: string): Promise<boolean> {
    return (await this.claimMany(tenantId, [customerId], campaignKey)).has(customerId);
  }

  /**
   * The customers this campaign run may message now, for a batch: the same answer as `claim` for each
   * (in order), in one insert per period for the common case. Each customer's first free slot is
   * tried as slot 0 for all at once; whoever collides there (slot 0 taken, by another campaign or by
   * this run's earlier attempt) goes through the one-by-one path, which settles both cases exactly.
   * A customer refused the month gives back the day slot they got.
   */
  async claimMany(tenantId: string, customerIds: string[], campaignKey: string): Promise<Set<string>> {
    const now = this.deps.now();
    const periods = this.periods(now);
    let holding = [...new Set(customerIds)];
    const held = new Map<string, string[]>();
    for (const p of periods) {
      const got = await this.claimPeriodMany(tenantId, holding, campaignKey, p.period, p.cap, now);
      const refused = holding.filter((id) => !got.has(id) && held.has(id));
      if (refused.length)
        await TouchModel.deleteMany({
          tenantId,
          customerId: { $in: refused.map((id) => new Types.ObjectId(id)) },
          period: { $in: [...new Set(refused.flatMap((id) => held.get(id)!))] },
          campaignKey,
        });
      holding = holding.filter((id) => got.has(id));
      for (const id of holding) held.set(id, [...(held.get(id) ?? []), p.period]);
    }
    return new Set(holding);
  }

  /**
   * The customers whose slots are all taken at `at` by other campaigns, read without claiming
   * anything: the reach shown before a send. It counts the same slot rows under the same caps and
   * periods that `claimMany` inserts into, so what it refuses is what the send would refuse.
   */
  async refusedAt(tenantId: string, customerIds: string[], campaignKey: string, at: Date): Promise<Set<string>> {
    const periods = this.periods(at);
    const ids = [...new Set(customerIds)];
    if (!ids.length) return new Set();
    const held = await TouchModel.aggregate<{ _id: { customerId: Types.ObjectId; period: string }; taken: number; own: number }>([
      { $match: { tenantId, customerId: { $in: ids.map((id) => new Types.ObjectId(id)) }, period: { $in: periods.map((p) => p.period) } } },
      {
        $group: {
          _id: { customerId: '$customerId', period: '$period' },
          taken: { $sum: 1 },
          own: { $max: { $cond: [{ $eq: ['$campaignKey', campaignKey] }, 1, 0] } },
        },
      },
    ]);
    const count = new Map(held.map((h) => [`${h._id.customerId}\u0000${h._id.period}`, h]));
    const refused = new Set<string>();
    for (const id of ids) {
      for (const p of periods) {
        const h = count.get(`${id}\u0000${p.period}`);
        if (!h?.own && (h?.taken ?? 0) >= p.cap) refused.add(id);
      }
    }
    return refused;
  }

  private periods(now: Date) {
    const { config } = this.deps;
    const { day, month } = localPeriods(now, config.BROADCAST_TIMEZONE);
    return [
      { period: `d:${day}`, cap: config.BROADCAST_CAP_PER_DAY },
      { period: `m:${month}`, cap: config.BROADCAST_CAP_PER_MONTH },
    ];
  }

  /** Slot 0 of `period` for every customer in one unordered insert; the ones that collide, one by one. */
  private async claimPeriodMany(tenantId: string, customerIds: string[], campaignKey: string, period: string, cap: number, at: Date): Promise<Set<string>> {
    if (!customerIds.length || cap < 1) return new Set();
    const rows = customerIds.map((id) => ({ tenantId, customerId: new Types.ObjectId(id), period, slot: 0, campaignKey, at }));
    let collided = new Set<number>();
    try {
      await TouchModel.insertMany(rows, { ordered: false, lean: true });
    } catch (err) {
      collided = duplicateIndexes(err);
    }
    const got = new Set<string>();
    for (const [i, id] of customerIds.entries()) {
      if (!collided.has(i)) got.add(id);
      else if (await this.claimPeriod(tenantId, id, campaignKey, period, cap, at)) got.add(id);
    }
    return got;
  }

  private async claimPeriod(tenantId: string, customerId: string, campaignKey: string, period: string, cap: number, at: Date): Promise<boolean> {
    const cid = new Types.ObjectId(customerId);
    for (let slot = 0; slot < cap; slot++) {
      try {
        await TouchModel.create({ tenantId, customerId: cid, period, slot, campaignKey, at });
        return true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        if (Object.keys((err as { keyPattern?: object }).keyPattern ?? {}).includes('campaignKey')) return true;
      }
    }
    // Every slot is taken; one may be this run's own from an earlier attempt (reported on the slot index).
    return Boolean(await TouchModel.exists({ tenantId, customerId: cid, period, campaignKey }));
  }
}
