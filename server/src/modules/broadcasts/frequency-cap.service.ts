import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
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
    const { config } = this.deps;
    const now = this.deps.now();
    const { day, month } = localPeriods(now, config.BROADCAST_TIMEZONE);
    const periods = [
      { period: `d:${day}`, cap: config.BROADCAST_CAP_PER_DAY },
      { period: `m:${month}`, cap: config.BROADCAST_CAP_PER_MONTH },
    ];
    const held: string[] = [];
    for (const p of periods) {
      if (!(await this.claimPeriod(tenantId, customerId, campaignKey, p.period, p.cap, now))) {
        for (const period of held) await TouchModel.deleteOne({ tenantId, customerId: new Types.ObjectId(customerId), period, campaignKey });
        return false;
      }
      held.push(p.period);
    }
    return true;
  }

  private async claimPeriod(tenantId: string, customerId: string, campaignKey: string, period: string, cap: number, at: Date): Promise<boolean> {
    const cid = new Types.ObjectId(customerId);
    for (let slot = 0; slot < cap; slot++) {
      try {
        await TouchModel.create({ tenantId, customerId: cid, period, slot, campaignKey, at });
        return true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        if (Object.keys((err as any).keyPattern ?? {}).includes('campaignKey')) return true;
      }
    }
    // Every slot is taken; one may be this run's own from an earlier attempt (reported on the slot index).
    return Boolean(await TouchModel.exists({ tenantId, customerId: cid, period, campaignKey }));
  }
}
