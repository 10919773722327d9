import type { Deps } from '../../shared/deps.js';
import { PointsEntryModel } from './points.model.js';
import { CouponModel } from './coupon.model.js';
import { localDay, type LoyaltySettingsService } from './loyalty-settings.service.js';

const DAY_MS = 86_400_000;

export interface LoyaltyDay {
  day: string;
  pointsIssued: number;
  pointsSpent: number;
  pointsExpired: number;
  pointsReversed: number;
  couponsIssued: number;
  couponsRedeemed: number;
}

/**
 * The console dashboard's loyalty figures: per local day, points issued (earn), spent, expired and
 * reversed, coupons issued and redeemed. Grouped in the database; only applied entries count, so
 * the figures add up to the ledger that reconciliation checks.
 */
export class LoyaltyReportService {
  constructor(
    private readonly deps: Deps,
    private readonly settings: LoyaltySettingsService,
  ) {}

  /** The `days` local days ending today, or ending on local day `to` (a past period; one after today means today). */
  async daily(tenantId: string, days: number, to?: string): Promise<{ days: LoyaltyDay[]; totals: Omit<LoyaltyDay, 'day'> }> {
    const settings = await this.settings.get(tenantId);
    const offset = settings.utcOffsetMinutes * 60_000;
    const now = this.deps.now();
    const today = localDay(settings, now);
    const last = to && to < today ? to : today;
    // From the start of the local day `days - 1` days before the last, to the end of the last.
    const lastStart = Date.parse(`${last}T00:00:00Z`) - offset;
    const since = new Date(lastStart - (days - 1) * DAY_MS);
    const until = new Date(lastStart + DAY_MS);
    const dayOf = (field: string) => ({ $dateToString: { format: '%Y-%m-%d', date: { $add: [field, offset] } } });

    const [points, issued, redeemed] = await Promise.all([
      PointsEntryModel.aggregate([
        { $match: { tenantId, state: 'applied', createdAt: { $gte: since, $lt: until } } },
        { $group: { _id: { day: dayOf('$createdAt'), type: '$type' }, points: { $sum: '$points' } } },
      ]),
      CouponModel.aggregate([
        { $match: { tenantId, issuedAt: { $gte: since, $lt: until }, state: { $ne: 'pending' } } },
        { $group: { _id: dayOf('$issuedAt'), n: { $sum: 1 } } },
      ]),
      CouponModel.aggregate([
        { $match: { tenantId, state: 'used', usedAt: { $gte: since, $lt: until } } },
        { $group: { _id: dayOf('$usedAt'), n: { $sum: 1 } } },
      ]),
    ]);

    const rows = new Map<string, LoyaltyDay>();
    for (let i = days - 1; i >= 0; i--) {
      const day = localDay(settings, new Date(lastStart + 12 * 3_600_000 - i * DAY_MS));
      rows.set(day, { day, pointsIssued: 0, pointsSpent: 0, pointsExpired: 0, pointsReversed: 0, couponsIssued: 0, couponsRedeemed: 0 });
    }
    const field = { earn: 'pointsIssued', spend: 'pointsSpent', expire: 'pointsExpired', reverse: 'pointsReversed' } as const;
    for (const p of points) {
      const row = rows.get(p._id.day);
      const f = field[p._id.type as keyof typeof field];
      if (row && f) row[f] += Math.abs(p.points);
    }
    for (const c of issued) if (rows.has(c._id)) rows.get(c._id)!.couponsIssued += c.n;
    for (const c of redeemed) if (rows.has(c._id)) rows.get(c._id)!.couponsRedeemed += c.n;
    const list = [...rows.values()];
    const sum = (k: keyof Omit<LoyaltyDay, 'day'>) => list.reduce((s, r) => s + r[k], 0);
    return {
      days: list,
      totals: {
        pointsIssued: sum('pointsIssued'),
        pointsSpent: sum('pointsSpent'),
        pointsExpired: sum('pointsExpired'),
        pointsReversed: sum('pointsReversed'),
        couponsIssued: sum('couponsIssued'),
        couponsRedeemed: sum('couponsRedeemed'),
      },
    };
  }
}
