import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { MemberModel } from './member.model.js';
import { ExpiryReminderModel } from './expiry-reminder.model.js';
import { localDay, type LoyaltySettingsService } from './loyalty-settings.service.js';
import type { PointsLedgerService } from './points-ledger.service.js';

const DAY_MS = 86_400_000;

/**
 * "N points expire on <date>": for every member with a lot expiring within the tenant's
 * `expiry.remindDays`, announces `loyalty.points_expiring` once per lot. Journeys with the 积分即将过期
 * trigger (`points.expiring`) tell the shopper in the channels they send on; the mini-app's subscribe
 * messages have their own reminder (wechat/miniapp-reminder.service.ts) and the member center shows
 * the same lots itself. A lot is marked sent once its hook handlers ran.
 */
export class ExpiryReminderService {
  constructor(
    private readonly deps: Deps,
    private readonly hooks: DomainHooks,
    private readonly settings: LoyaltySettingsService,
    private readonly ledger: PointsLedgerService,
  ) {}

  async run(): Promise<{ reminded: number }> {
    const now = this.deps.now();
    let reminded = 0;
    // Members whose earliest lot falls within the longest window any tenant may use (365 days).
    const members = MemberModel.find(
      { status: 'active', nextExpiryAt: { $gt: now, $lte: new Date(now.getTime() + 365 * DAY_MS) } },
      { tenantId: 1, customerId: 1 },
    )
      .lean()
      .cursor();
    const settingsOf = new Map<string, Awaited<ReturnType<LoyaltySettingsService['get']>>>();
    for await (const m of members) {
      const settings = settingsOf.get(m.tenantId) ?? (await this.settings.get(m.tenantId));
      settingsOf.set(m.tenantId, settings);
      const days = settings.expiry.remindDays ?? 30;
      if (!days) continue;
      const until = new Date(now.getTime() + days * DAY_MS);
      const customerId = String(m.customerId);
      for (const lot of await this.ledger.lots(m.tenantId, customerId)) {
        if (lot.expiresAt <= now || lot.expiresAt > until || lot.remaining <= 0) continue;
        // The shopper's last usable day: the local day before the expiry instant.
        const date = localDay(settings, new Date(lot.expiresAt.getTime() - 1));
        reminded += await this.remindOnce(m.tenantId, customerId, lot.expiresAt, date, lot.remaining);
      }
    }
    // Rows saved but not announced (a crash in between) are announced now.
    for (const r of await ExpiryReminderModel.find({ state: 'pending', createdAt: { $lt: new Date(now.getTime() - 60_000) } })
      .limit(500)
      .lean()) {
      reminded += await this.announce(r);
    }
    return { reminded };
  }

  private async remindOnce(tenantId: string, customerId: string, expiresAt: Date, date: string, points: number): Promise<number> {
    try {
      const row = await ExpiryReminderModel.create({
        tenantId,
        customerId: new Types.ObjectId(customerId),
        expiresAt,
        date,
        points,
        createdAt: this.deps.now(),
      });
      return this.announce(row.toObject());
    } catch (err) {
      if (isDuplicateKeyError(err)) return 0; // this lot was announced already
      throw err;
    }
  }

  private async announce(r: {
    _id: Types.ObjectId;
    tenantId: string;
    customerId: Types.ObjectId;
    expiresAt: Date;
    date: string;
    points: number;
  }): Promise<number> {
    await this.hooks.emit('loyalty.points_expiring', {
      tenantId: r.tenantId,
      customerId: String(r.customerId),
      points: r.points,
      expiresAt: r.expiresAt,
      date: r.date,
    });
    const res = await ExpiryReminderModel.updateOne({ _id: r._id, state: 'pending' }, { $set: { state: 'sent' } });
    return res.modifiedCount;
  }
}
