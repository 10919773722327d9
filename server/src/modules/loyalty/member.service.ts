import { Types, type mongo } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { duplicateIndexes, isDuplicateKeyError } from '../../shared/db.js';
import { AppError, notFound } from '../../shared/app-error.js';
import { signToken, tokenKeys, verifyToken } from '../../shared/tokens.js';
import { GrowthModel, LoyaltyCounterModel, MemberModel } from './member.model.js';
import { LoyaltyErrorCode } from './loyalty.errors.js';
import { tierFor, tierRank, type LoyaltySettings, type LoyaltySettingsService } from './loyalty-settings.service.js';
import { shopperCache, type ShopperCache } from '../../shared/cache/shopper-cache.js';
import { inLanes } from './batch-util.js';

const DAY_MS = 86_400_000;
/** A card code is shown on the phone and scanned at the till: short-lived so a screenshot goes stale. */
export const CARD_TTL_SECONDS = 300;

/** A member as an earn batch needs it: tier state for the upgrades, balance and version for the ledger. */
export interface BatchMember {
  _id: Types.ObjectId;
  customerId: Types.ObjectId;
  tier: string;
  belowSince?: Date | null;
  balance: number;
  ver: number;
}
const BATCH_FIELDS = { customerId: 1, tier: 1, belowSince: 1, balance: 1, ver: 1 } as const;

/**
 * Members, their card codes, growth value and tiers. Balances belong to the points ledger. Every write
 * to a member ends with `changed(customer)` for the shoppers' cached reads (shared/cache/shopper-cache.ts).
 */
export class MemberService {
  private readonly cache: ShopperCache;

  constructor(
    private readonly deps: Deps,
    private readonly settings: LoyaltySettingsService,
  ) {
    this.cache = shopperCache(deps);
  }

  async find(tenantId: string, customerId: string) {
    if (!Types.ObjectId.isValid(customerId)) return null;
    return MemberModel.findOne({ tenantId, customerId: new Types.ObjectId(customerId) }).lean();
  }

  /**
   * Balance and tier name of each customer who is a member (a broadcast's `{points}` and `{tier}`);
   * customers who are not members are left out.
   */
  async placeholderFacts(tenantId: string, customerIds: string[]): Promise<Map<string, { points: number; tier: string }>> {
    const ids = customerIds.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
    if (!ids.length) return new Map();
    const [settings, members] = await Promise.all([
      this.settings.get(tenantId),
      MemberModel.find({ tenantId, customerId: { $in: ids }, status: 'active' }, { customerId: 1, balance: 1, tier: 1 }).lean(),
    ]);
    const tierName = (code: string) => settings.tiers.find((t) => t.code === code)?.name ?? code;
    return new Map(members.map((m) => [String(m.customerId), { points: m.balance ?? 0, tier: tierName(m.tier) }]));
  }

  async require(tenantId: string, customerId: string) {
    const m = await this.find(tenantId, customerId);
    if (!m) throw new AppError(LoyaltyErrorCode.NOT_A_MEMBER, 'This customer is not a member yet: open the member card to join', { status: 404 });
    return m;
  }

  /**
   * The member for a customer, enrolling them on first use (first card view, consent, or first paid
   * order). The unique index on customerId makes concurrent first uses converge on one member.
   */
  async ensure(tenantId: string, customerId: string, source: string, consent = false) {
    const existing = await this.find(tenantId, customerId);
    if (existing) {
      if (!consent || existing.consentAt) return { member: existing, created: false };
      await MemberModel.updateOne({ _id: existing._id, consentAt: { $exists: false } }, { $set: { consentAt: this.deps.now() } });
      await this.cache.changed(tenantId, customerId);
      return { member: (await this.find(tenantId, customerId))!, created: false };
    }
    const settings = await this.settings.get(tenantId);
    const counter = await LoyaltyCounterModel.findOneAndUpdate(
      { tenantId, name: 'memberNo' },
      { $inc: { seq: 1 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    const now = this.deps.now();
    const first = settings.tiers[0];
    let created = true;
    try {
      await MemberModel.create({
        tenantId,
        customerId: new Types.ObjectId(customerId),
        memberNo: `M${String(counter!.seq).padStart(8, '0')}`,
        joinedAt: now,
        joinSource: source,
        consentAt: consent ? now : undefined,
        tier: first.code,
        tierSince: now,
        tierHistory: [{ to: first.code, at: now, reason: 'joined', growth: 0 }],
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      created = false;
    }
    if (created) await this.cache.changed(tenantId, customerId);
    return { member: (await this.find(tenantId, customerId))!, created };
  }

  /**
   * The members of many customers (an ingest batch's buyers), enrolling the missing ones together:
   * one read, and for newcomers one counter bump for all their numbers and one unordered insert. A
   * customer enrolled meanwhile by someone else collides on the unique customerId and is read back.
   * Existing members are read with only what an earn batch uses (BATCH_FIELDS): not their `recent`
   * ids or tier history, which grow with every order and would be read for nothing.
   */
  async ensureMany(tenantId: string, customerIds: string[], source: string): Promise<Map<string, BatchMember>> {
    const ids = [...new Set(customerIds)];
    const found = await MemberModel.find({ tenantId, customerId: { $in: ids.map((id) => new Types.ObjectId(id)) } }, BATCH_FIELDS).lean<BatchMember[]>();
    const out = new Map<string, BatchMember>(found.map((m) => [String(m.customerId), m]));
    const missing = ids.filter((id) => !out.has(id));
    if (!missing.length) return out;
    const settings = await this.settings.get(tenantId);
    const counter = await LoyaltyCounterModel.findOneAndUpdate(
      { tenantId, name: 'memberNo' },
      { $inc: { seq: missing.length } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    const now = this.deps.now();
    const first = settings.tiers[0];
    // Mongoose builds one newcomer (schema defaults, field order); the others are copies of it with
    // their own id, customer and number — a mongoose document per newcomer cost ~80 µs each.
    const template = new MemberModel({
      tenantId,
      customerId: new Types.ObjectId(missing[0]),
      memberNo: '',
      joinedAt: now,
      joinSource: source,
      tier: first.code,
      tierSince: now,
      tierHistory: [{ to: first.code, at: now, reason: 'joined', growth: 0 }],
      createdAt: now,
      updatedAt: now,
    }).toObject();
    const docs = missing.map((customerId, n) => ({
      ...template,
      _id: n ? new Types.ObjectId() : template._id,
      customerId: new Types.ObjectId(customerId),
      memberNo: `M${String(counter!.seq - missing.length + 1 + n).padStart(8, '0')}`,
      recent: [],
      tierHistory: template.tierHistory.map((h) => ({ ...h })),
    }));
    let collided = new Set<number>();
    try {
      await MemberModel.collection.insertMany(docs, { ordered: false });
    } catch (err) {
      collided = duplicateIndexes(err);
    }
    docs.forEach((d, n) => !collided.has(n) && out.set(String(d.customerId), d as BatchMember));
    if (collided.size)
      for (const m of await MemberModel.find({ tenantId, customerId: { $in: [...collided].map((n) => docs[n].customerId) } }, BATCH_FIELDS).lean<
        BatchMember[]
      >())
        out.set(String(m.customerId), m);
    await Promise.all(docs.filter((_, n) => !collided.has(n)).map((d) => this.cache.changed(tenantId, String(d.customerId))));
    return out;
  }

  /** A signed, short-lived payload for the card's QR/barcode; staff scan it to find the member. */
  async cardPayload(tenantId: string, member: { customerId: unknown; memberNo: string }) {
    const exp = Math.floor(this.deps.now().getTime() / 1000) + CARD_TTL_SECONDS;
    return {
      payload: await signToken(tokenKeys(this.deps.config), { k: 'card', sub: String(member.customerId), t: tenantId, exp, n: member.memberNo }),
      expiresAt: new Date(exp * 1000),
    };
  }

  async scan(tenantId: string, payload: string) {
    const p = await verifyToken(tokenKeys(this.deps.config), payload, this.deps.now().getTime());
    if (!p || p.k !== 'card' || p.t !== tenantId) {
      throw new AppError(LoyaltyErrorCode.BAD_CARD, 'This card code is not valid or has expired: ask the shopper to refresh their member card', {
        status: 400,
      });
    }
    const m = await this.find(tenantId, p.sub);
    if (!m) throw notFound('Member');
    return m;
  }

  /** Records a growth movement once per key (an order paid, a refund). */
  async recordGrowth(tenantId: string, customerId: string, key: string, amount: number, at: Date, orderId?: string): Promise<void> {
    try {
      await GrowthModel.create({ tenantId, customerId: new Types.ObjectId(customerId), key, amount, at, orderId });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  /** Growth movements of a batch, once per key (an unordered insert; a key already there is done). */
  async recordGrowthMany(tenantId: string, rows: Array<{ customerId: string; key: string; amount: number; at: Date; orderId?: string }>): Promise<void> {
    if (!rows.length) return;
    const docs = rows.map((r) => ({
      _id: new Types.ObjectId(),
      tenantId,
      customerId: new Types.ObjectId(r.customerId),
      key: r.key,
      amount: r.amount,
      at: r.at,
      ...(r.orderId ? { orderId: r.orderId } : {}),
    }));
    try {
      await GrowthModel.collection.insertMany(docs, { ordered: false });
    } catch (err) {
      duplicateIndexes(err);
    }
  }

  /** The rows of many customers' growth windows in one read (the batch's tier upgrades add them up). */
  async growthRows(tenantId: string, customerIds: string[], settings: LoyaltySettings): Promise<Array<{ customerId: string; key: string; amount: number }>> {
    const since = new Date(this.deps.now().getTime() - settings.growth.windowDays * DAY_MS);
    const rows = await GrowthModel.find(
      { tenantId, customerId: { $in: customerIds.map((id) => new Types.ObjectId(id)) }, at: { $gte: since } },
      { customerId: 1, key: 1, amount: 1 },
    ).lean();
    return rows.map((r) => ({ customerId: String(r.customerId), key: r.key, amount: r.amount }));
  }

  async orderGrowth(tenantId: string, orderId: string) {
    const rows = await GrowthModel.find({ tenantId, orderId }).lean();
    return {
      paid: rows.filter((r) => r.amount > 0).reduce((s, r) => s + r.amount, 0),
      refunded: rows.filter((r) => r.amount < 0).reduce((s, r) => s - r.amount, 0),
    };
  }

  /** Growth value: fen paid minus refunded over the rolling window ending now. */
  async growth(tenantId: string, customerId: string, settings: LoyaltySettings): Promise<number> {
    const since = new Date(this.deps.now().getTime() - settings.growth.windowDays * DAY_MS);
    const rows = await GrowthModel.find({ tenantId, customerId: new Types.ObjectId(customerId), at: { $gte: since } }, { amount: 1 }).lean();
    return Math.max(
      0,
      rows.reduce((s, r) => s + r.amount, 0),
    );
  }

  /**
   * Upgrades at once when growth reaches a higher tier; never downgrades (that is the periodic job's).
   * `known` is the member as the caller just read it (saves a read per order): only its id, tier and
   * belowSince are used, and every write is conditional on the tier: a stale copy at worst leaves a
   * `belowSince` for the next tier review to clear, as a concurrent review could before.
   */
  async upgradeIfEarned(tenantId: string, customerId: string, known?: { _id: unknown; tier: string; belowSince?: Date | null }): Promise<string | null> {
    const settings = await this.settings.get(tenantId);
    const m = known ?? (await this.find(tenantId, customerId));
    if (!m) return null;
    const growth = await this.growth(tenantId, customerId, settings);
    const target = tierFor(settings, growth);
    if (tierRank(settings, target.code) <= tierRank(settings, m.tier)) {
      if (m.belowSince && tierRank(settings, target.code) >= tierRank(settings, m.tier)) {
        await MemberModel.updateOne({ _id: m._id, tier: m.tier }, { $unset: { belowSince: 1 } });
        await this.cache.changed(tenantId, customerId);
      }
      return null;
    }
    const res = await MemberModel.updateOne(
      { _id: m._id, tier: m.tier },
      {
        $set: { tier: target.code, tierSince: this.deps.now() },
        $unset: { belowSince: 1 },
        $push: { tierHistory: { from: m.tier, to: target.code, at: this.deps.now(), reason: 'upgrade: growth reached threshold', growth } },
      },
    );
    if (res.modifiedCount) await this.cache.changed(tenantId, customerId);
    return res.modifiedCount ? target.code : null;
  }

  /**
   * A batch's tier moves, worked out by the caller from the growth it read (in order: each order earns
   * at the tier before its own upgrade): one bulkWrite, each update conditional on the tier the batch
   * started from. Where one did not match (a tier changed meanwhile) the usual check decides afresh —
   * it reads the member, and never moves a tier down.
   */
  async applyTierMoves(
    tenantId: string,
    moves: Array<{ member: { _id: Types.ObjectId; customerId: unknown; tier: string }; upgrades: Array<{ from: string; to: string; growth: number }> }>,
  ): Promise<void> {
    if (!moves.length) return;
    const now = this.deps.now();
    // Raw driver (mongoose cast every op again), so `_id` must be an ObjectId; it adds what mongoose
    // would: `updatedAt` (from the one clock), and history entries in the sub-schema's field order.
    const updatedAt = now;
    // The mongodb driver types $push on an untyped collection as never: name the updates' type.
    const res = await MemberModel.collection.bulkWrite(
      moves.map(({ member, upgrades }) => ({
        updateOne: {
          filter: { _id: member._id, tier: member.tier },
          update: upgrades.length
            ? {
                $set: { tier: upgrades[upgrades.length - 1].to, tierSince: now, updatedAt },
                $unset: { belowSince: 1 },
                $push: {
                  tierHistory: {
                    $each: upgrades.map((u) => ({ from: u.from, to: u.to, at: now, reason: 'upgrade: growth reached threshold', growth: u.growth })),
                  },
                },
              }
            : { $set: { updatedAt }, $unset: { belowSince: 1 } },
        },
      })) as Array<{ updateOne: mongo.UpdateOneModel }>,
      { ordered: false },
    );
    if (res.matchedCount < moves.length) {
      // Some member's tier changed meanwhile: those whose tier is not where the batch put it check afresh.
      const now = new Map(
        (
          await MemberModel.find(
            { tenantId, customerId: { $in: moves.map((m) => new Types.ObjectId(String(m.member.customerId))) } },
            { customerId: 1, tier: 1 },
          ).lean()
        ).map((m) => [String(m.customerId), m.tier]),
      );
      const missed = moves.filter(
        ({ member, upgrades }) => now.get(String(member.customerId)) !== (upgrades.length ? upgrades[upgrades.length - 1].to : member.tier),
      );
      await inLanes(missed, async ({ member }) => void (await this.upgradeIfEarned(tenantId, String(member.customerId))));
    }
    await Promise.all(moves.map(({ member }) => this.cache.changed(tenantId, String(member.customerId))));
  }

  /**
   * The periodic tier review: a member whose growth no longer holds their tier is marked `belowSince`;
   * after the grace period they move down to the tier their growth holds. Conditional on the tier
   * being unchanged, so an upgrade in between wins.
   */
  async reviewTiers(tenantId: string): Promise<{ reviewed: number; downgraded: number; warned: number }> {
    const settings = await this.settings.get(tenantId);
    const now = this.deps.now();
    const graceMs = settings.growth.downgradeGraceDays * DAY_MS;
    let reviewed = 0;
    let downgraded = 0;
    let warned = 0;
    const lowest = settings.tiers[0].code;
    for await (const m of MemberModel.find({ tenantId, status: 'active', tier: { $ne: lowest } })
      .lean()
      .cursor()) {
      reviewed++;
      const changed = () => this.cache.changed(tenantId, String(m.customerId));
      const growth = await this.growth(tenantId, String(m.customerId), settings);
      const target = tierFor(settings, growth);
      if (tierRank(settings, target.code) >= tierRank(settings, m.tier)) {
        if (m.belowSince) {
          await MemberModel.updateOne({ _id: m._id, tier: m.tier }, { $unset: { belowSince: 1 } });
          await changed();
        }
        continue;
      }
      if (!m.belowSince) {
        const res = await MemberModel.updateOne({ _id: m._id, tier: m.tier, belowSince: { $exists: false } }, { $set: { belowSince: now } });
        warned += res.modifiedCount;
        if (res.modifiedCount) await changed();
        if (graceMs > 0) continue;
      } else if (now.getTime() - new Date(m.belowSince).getTime() < graceMs) continue;
      const res = await MemberModel.updateOne(
        { _id: m._id, tier: m.tier },
        {
          $set: { tier: target.code, tierSince: now },
          $unset: { belowSince: 1 },
          $push: {
            tierHistory: {
              from: m.tier,
              to: target.code,
              at: now,
              reason: `downgrade: growth below threshold for ${settings.growth.downgradeGraceDays} days`,
              growth,
            },
          },
        },
      );
      downgraded += res.modifiedCount;
      if (res.modifiedCount) await changed();
    }
    return { reviewed, downgraded, warned };
  }

  async tenantsWithMembers(): Promise<string[]> {
    return (await MemberModel.distinct('tenantId')) as string[];
  }

  /** On a profile merge the surviving customer keeps its member; the other's is marked merged. */
  async markMerged(tenantId: string, fromId: string): Promise<void> {
    await MemberModel.updateOne({ tenantId, customerId: new Types.ObjectId(fromId) }, { $set: { status: 'merged' } });
    await this.cache.changed(tenantId, fromId);
  }

  async moveGrowth(tenantId: string, fromId: string, toId: string): Promise<void> {
    await GrowthModel.updateMany({ tenantId, customerId: new Types.ObjectId(fromId) }, { $set: { customerId: new Types.ObjectId(toId) } });
  }
}
