import { z } from 'zod';
import { isDuplicateKeyError } from '../../shared/db.js';
import { AppError } from '../../shared/app-error.js';
import { LoyaltySettingsModel } from './loyalty-settings.model.js';
import { LoyaltyErrorCode } from './loyalty.errors.js';
import type { ShopperCache } from '../../shared/cache/shopper-cache.js';
import { msg, sayIssue } from '../../shared/http/validation-message.js';

const points = z.number().int().min(0).max(1_000_000);

export const tierSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{1,32}$/, msg('TIER_CODE_FORMAT')),
  name: z.string().trim().min(1).max(32),
  threshold: z.number().int(msg('GROWTH_INTEGER_FEN')).min(0).max(10_000_000_000),
  multiplierPermille: z.number().int().min(0).max(10_000),
  birthdayPoints: points.default(0),
  /** A coupon template (with the 'campaign' channel) given on the member's birthday, besides the points. */
  birthdayTemplateId: z
    .string()
    .regex(/^[0-9a-f]{24}$/, msg('BIRTHDAY_TEMPLATE_ID'))
    .optional(),
  perks: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
});

export const settingsSchema = z.object({
  tiers: z
    .array(tierSchema)
    // abort: the refinements below read t[0]; without it an empty list reached them (a TypeError, 500)
    .min(1, { message: msg('TIERS_REQUIRED'), abort: true })
    .max(10)
    .refine((t) => t.length === 0 || t[0].threshold === 0, { message: msg('FIRST_TIER_AT_ZERO') })
    .refine((t) => t.every((x, i) => i === 0 || x.threshold > t[i - 1].threshold), { message: msg('TIER_THRESHOLDS_RISE') })
    .refine((t) => new Set(t.map((x) => x.code)).size === t.length, { message: msg('TIER_CODES_UNIQUE') }),
  earn: z.object({ pointsPerYuan: z.number().int().min(0).max(1000), dailyCap: points, checkInPoints: points }),
  expiry: z.object({
    kind: z.enum(['year-end', 'days']),
    yearsAfter: z.number().int().min(0).max(10),
    days: z.number().int().min(1).max(3650),
    /** Announce a lot this many days before it expires (0 = no reminders). */
    remindDays: z.number().int().min(0).max(365).default(30),
  }),
  growth: z.object({ windowDays: z.number().int().min(1).max(3650), downgradeGraceDays: z.number().int().min(0).max(365) }),
  utcOffsetMinutes: z.number().int().min(-720).max(840),
});
export type LoyaltySettings = z.infer<typeof settingsSchema> & { tenantId: string };
export type Tier = LoyaltySettings['tiers'][number];

/** The defaults a tenant starts with: four tiers by growth in fen, 1 point per yuan, 5 for a check-in. */
export const DEFAULT_SETTINGS: z.infer<typeof settingsSchema> = {
  tiers: [
    { code: 'normal', name: '普通', threshold: 0, multiplierPermille: 1000, birthdayPoints: 50, perks: [] },
    { code: 'silver', name: '银卡', threshold: 100_000, multiplierPermille: 1200, birthdayPoints: 100, perks: ['生日礼'] },
    { code: 'gold', name: '金卡', threshold: 500_000, multiplierPermille: 1500, birthdayPoints: 300, perks: ['生日礼', '专属券'] },
    { code: 'black', name: '黑金', threshold: 2_000_000, multiplierPermille: 2000, birthdayPoints: 800, perks: ['生日礼', '专属券', '专属顾问'] },
  ],
  earn: { pointsPerYuan: 1, dailyCap: 20_000, checkInPoints: 5 },
  expiry: { kind: 'year-end', yearsAfter: 1, days: 365, remindDays: 30 },
  growth: { windowDays: 365, downgradeGraceDays: 30 },
  utcOffsetMinutes: 480,
};

const DAY_MS = 86_400_000;

/**
 * Settings are read on every order, check-in and exchange (twice per order event on the ingest path),
 * and change a few times a year. Each process keeps them for a few seconds; a change made here is seen
 * at once, one made on another server within CACHE_MS.
 */
const CACHE_MS = 5_000;

export class LoyaltySettingsService {
  private readonly cache = new Map<string, { at: number; value: Promise<LoyaltySettings>; gen?: string }>();

  /** `shoppers`: the shared cache of shoppers' reads, told when settings change (see update). */
  constructor(private readonly shoppers?: ShopperCache) {}

  /**
   * The tenant's settings (the defaults until the brand saves its own).
   * `gen`: the tenant generation a shopper-cache reader saw; a copy kept under another one is reloaded,
   * so a body cached under the new generation never carries settings from before the change.
   */
  async get(tenantId: string, gen?: string): Promise<LoyaltySettings> {
    const hit = this.cache.get(tenantId);
    if (hit && performance.now() - hit.at < CACHE_MS && (gen === undefined || hit.gen === gen)) return hit.value;
    const value = this.load(tenantId);
    this.cache.set(tenantId, { at: performance.now(), value, gen });
    value.catch(() => this.cache.delete(tenantId));
    return value;
  }

  /**
   * The stored settings, or the defaults while the brand has saved none. Reading writes nothing (a
   * shopper's refused request must leave the database as it was); the first save stores them.
   */
  private async load(tenantId: string): Promise<LoyaltySettings> {
    // Stored only through `update`, which validates the whole with settingsSchema.
    const doc = (await LoyaltySettingsModel.findOne({ tenantId }).lean<z.infer<typeof settingsSchema>>()) ?? structuredClone(DEFAULT_SETTINGS);
    const { tiers, earn, expiry, growth, utcOffsetMinutes } = doc;
    return { tenantId, tiers, earn, expiry, growth, utcOffsetMinutes };
  }

  async update(tenantId: string, patch: Partial<z.infer<typeof settingsSchema>>): Promise<LoyaltySettings> {
    const current = await this.load(tenantId);
    const { tenantId: _t, ...rest } = current;
    const merged = settingsSchema.safeParse({ ...rest, ...patch });
    if (!merged.success) {
      throw new AppError(LoyaltyErrorCode.INVALID_CONFIG, merged.error.issues.map((i) => `${i.path.join('.')}: ${sayIssue(i)}`).join('; '), { status: 400 });
    }
    try {
      await LoyaltySettingsModel.updateOne({ tenantId }, { $set: merged.data }, { upsert: true });
    } catch (err) {
      // Two first saves raced: the other inserted the document; this one applies to it.
      if (!isDuplicateKeyError(err)) throw err;
      await LoyaltySettingsModel.updateOne({ tenantId }, { $set: merged.data });
    }
    this.cache.delete(tenantId);
    await this.shoppers?.tenantChanged(tenantId);
    return this.get(tenantId);
  }
}

/** The highest tier whose threshold the growth value reaches. */
export function tierFor(settings: LoyaltySettings, growth: number): Tier {
  let tier = settings.tiers[0];
  for (const t of settings.tiers) if (growth >= t.threshold) tier = t;
  return tier;
}

export function tierRank(settings: LoyaltySettings, code: string | undefined): number {
  const i = settings.tiers.findIndex((t) => t.code === code);
  return i < 0 ? 0 : i;
}

/**
 * Points for a paid amount: fen × points-per-yuan × tier multiplier, rounded DOWN to a whole point
 * (integer arithmetic only, so ¥99.99 at ×1.0 earns 99, never 100).
 */
export function pointsForAmount(amountFen: number, pointsPerYuan: number, multiplierPermille: number): number {
  return Math.floor((amountFen * pointsPerYuan * multiplierPermille) / 100_000);
}

/** The shopper's local calendar day, e.g. '2026-11-23', for check-ins and daily caps. */
export function localDay(settings: Pick<LoyaltySettings, 'utcOffsetMinutes'>, at: Date): string {
  return new Date(at.getTime() + settings.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** When points earned at `at` expire: the end of the local year `yearsAfter` later, or N days on. */
export function expiryFor(settings: Pick<LoyaltySettings, 'utcOffsetMinutes' | 'expiry'>, at: Date): Date {
  if (settings.expiry.kind === 'days') return new Date(at.getTime() + settings.expiry.days * DAY_MS);
  const localYear = new Date(at.getTime() + settings.utcOffsetMinutes * 60_000).getUTCFullYear();
  // Midnight at the start of the following local year, expressed in UTC.
  return new Date(Date.UTC(localYear + settings.expiry.yearsAfter + 1, 0, 1) - settings.utcOffsetMinutes * 60_000);
}
