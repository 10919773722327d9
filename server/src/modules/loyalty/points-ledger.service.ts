import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { MemberModel, RECENT_KEEP } from './member.model.js';
import { PointsEntryModel, type EntryType, type PointsEntryDoc } from './points.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import { shopperCache, type ShopperCache } from '../../shared/cache/shopper-cache.js';
import { decodeCursor, encodeCursor, entryView, type EntryView } from './points-entry.view.js';
import { postCreditBatch, type CreditInput } from './points-ledger-batch.js';

export { entryView, type EntryView };

/**
 * The points ledger. Exact without multi-document transactions (the embedded server has none, and a
 * sharded deployment should not need them):
 *
 *  1. insert the entry as `pending` under its unique idempotency key (a repeat gets E11000 and resumes
 *     or returns the first attempt, never a second entry);
 *  2. one conditional update of the member: `$inc` the balance (debits only where `balance >= n`),
 *     bump `ver`, and push the entry id into `recent` — guarded by `recent != id`, so the increment
 *     happens at most once per entry however often step 2 is retried;
 *  3. mark the entry `applied` with the resulting balance (or `void` when a spend was not covered).
 *
 * A crash between steps leaves a pending entry; `repairPending` (a job) looks for its id in the
 * member's `recent` list to tell "applied, not marked" from "not applied", then finishes it. `recent`
 * keeps the last RECENT_KEEP (200) ids — far more than a member moves in the minute before repair runs.
 * `reconcile` recomputes every balance from the applied entries and reports any drift.
 * `postCredits` runs the same three steps for many credits at once (points-ledger-batch.ts).
 */
export interface PostInput {
  tenantId: string;
  customerId: string;
  key: string;
  type: EntryType;
  /** Magnitude, a positive integer; the type gives the sign. */
  points: number;
  reason: string;
  source: string;
  operator?: string;
  orderId?: string;
  /** An exchange: the coupon's name, for the shopper's history. */
  couponName?: string;
  expiresAt?: Date;
  /** Debits: 'exact' refuses when short (spend); 'floor' takes what is there and records the shortfall. */
  mode?: 'exact' | 'floor';
  /** Expiry only: apply only if the member is still at this version (its computation is then exact). */
  expectVer?: number;
}

const isCredit = (type: EntryType) => type === 'earn';

export class PointsLedgerService {
  private readonly cache: ShopperCache;

  constructor(private readonly deps: Deps) {
    this.cache = shopperCache(deps);
  }

  /**
   * Posts one entry and returns it; `duplicate` says the key had been posted before (the first
   * outcome is returned). A spend that the balance does not cover is voided and answered with 409.
   */
  async post(input: PostInput): Promise<EntryView & { duplicate: boolean }> {
    if (!Number.isSafeInteger(input.points) || input.points < 0) throw new RangeError('points must be a non-negative integer');
    const credit = isCredit(input.type);
    const mode = input.mode ?? (input.type === 'spend' ? 'exact' : 'floor');
    let entry: PointsEntryDoc | null;
    let duplicate = false;
    try {
      entry = (
        await PointsEntryModel.create({
          tenantId: input.tenantId,
          customerId: new Types.ObjectId(input.customerId),
          key: input.key,
          type: input.type,
          points: credit ? input.points : 0 - input.points,
          requested: input.points,
          state: 'pending',
          reason: input.reason,
          source: input.source,
          operator: input.operator,
          orderId: input.orderId,
          couponName: input.couponName,
          expiresAt: credit ? input.expiresAt : undefined,
          createdAt: this.deps.now(),
        })
      ).toObject();
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      duplicate = true;
      entry = await PointsEntryModel.findOne({ tenantId: input.tenantId, key: input.key }).lean();
      if (!entry) throw err;
      if (String(entry.customerId) !== input.customerId || entry.type !== input.type || entry.requested !== input.points) {
        throw loyaltyConflict(LoyaltyErrorCode.KEY_REUSED, `The idempotency key "${input.key}" was already used for a different points change; use a new key`);
      }
    }
    if (entry.state === 'pending') entry = await this.finish(entry, mode, input.expectVer);
    const view = { ...entryView(entry), duplicate };
    if (view.state === 'void' && input.type === 'spend') {
      throw loyaltyConflict(LoyaltyErrorCode.INSUFFICIENT_POINTS, `Not enough points: this needs ${input.points}`, { needed: input.points });
    }
    return view;
  }

  /**
   * Many credits (an ingest batch's order earns) in a few round trips per batch and one per member;
   * same idempotency and crash safety as `post`. Returns the entries by key. `known`: the members'
   * balance and version as just read, which lets one bulkWrite update them all.
   */
  postCredits(tenantId: string, inputs: CreditInput[], known?: Map<string, { balance: number; ver: number }>): Promise<Map<string, EntryView>> {
    return postCreditBatch(
      { now: this.deps.now, finish: (entry) => this.finish(entry, 'floor'), changed: (c) => this.cache.changed(tenantId, c) },
      tenantId,
      inputs,
      known,
    );
  }

  /** Steps 2 and 3 for a pending entry; safe to run any number of times, concurrently too. */
  private async finish(entry: PointsEntryDoc, mode: 'exact' | 'floor', expectVer?: number): Promise<PointsEntryDoc> {
    const id: Types.ObjectId = entry._id;
    const base = { tenantId: entry.tenantId, customerId: entry.customerId, recent: { $ne: id } } as Record<string, unknown>;
    if (expectVer !== undefined) base.ver = expectVer;
    const push = { recent: { $each: [id], $slice: -RECENT_KEEP } };
    const credit = entry.points > 0 || isCredit(entry.type);
    const want = entry.requested as number;

    if (credit) {
      const inc: Record<string, number> = { balance: want, earnedTotal: want, ver: 1 };
      const update: Record<string, unknown> = { $inc: inc, $push: push };
      if (entry.expiresAt) update.$min = { nextExpiryAt: entry.expiresAt };
      const after = await MemberModel.findOneAndUpdate(base, update, { returnDocument: 'after' }).lean();
      return after ? this.mark(entry, 'applied', want, after.balance) : this.settleUnmatched(entry);
    }

    // Debits: first try the whole amount, conditionally.
    const after = await MemberModel.findOneAndUpdate(
      { ...base, balance: { $gte: want } },
      { $inc: { balance: 0 - want, ver: 1 }, $push: push },
      { returnDocument: 'after' },
    ).lean();
    if (after) return this.mark(entry, 'applied', 0 - want, after.balance);
    if (mode === 'exact' || expectVer !== undefined) return this.settleUnmatched(entry);

    // 'floor': take whatever is left, recording the shortfall. Record the amount on the pending entry
    // before applying it, so a crash in between leaves the entry telling what was (maybe) applied.
    for (let attempt = 0; attempt < 20; attempt++) {
      const m = await MemberModel.findOne({ tenantId: entry.tenantId, customerId: entry.customerId }).lean();
      if (!m) return this.settleUnmatched(entry);
      if ((m.recent ?? []).some((r: Types.ObjectId) => r.equals(id))) return this.settleUnmatched(entry);
      const take = Math.min(m.balance, want);
      await PointsEntryModel.updateOne({ _id: id, state: 'pending' }, { $set: { points: 0 - take, shortfall: want - take } });
      const done = await MemberModel.findOneAndUpdate(
        { ...base, balance: m.balance },
        { $inc: { balance: 0 - take, ver: 1 }, $push: push },
        { returnDocument: 'after' },
      ).lean();
      if (done) return this.mark({ ...entry, shortfall: want - take }, 'applied', 0 - take, done.balance);
    }
    throw new Error(`points entry ${entry.key} could not settle under contention; the repair job will finish it`);
  }

  /** The conditional update matched nothing: already applied (id in `recent`), or not possible. */
  private async settleUnmatched(entry: PointsEntryDoc): Promise<PointsEntryDoc> {
    const m = await MemberModel.findOne({ tenantId: entry.tenantId, customerId: entry.customerId }).lean();
    const applied = !!m && (m.recent ?? []).some((r: Types.ObjectId) => r.equals(entry._id));
    const fresh = await PointsEntryModel.findById(entry._id).lean();
    if (fresh && fresh.state !== 'pending') return fresh;
    if (applied) return this.mark(fresh ?? entry, 'applied', (fresh ?? entry).points, null);
    return this.mark(fresh ?? entry, 'void', 0, m?.balance ?? 0);
  }

  private async mark(entry: PointsEntryDoc, state: 'applied' | 'void', points: number, balanceAfter: number | null): Promise<PointsEntryDoc> {
    const shortfall = state === 'void' ? 0 : (entry.shortfall ?? 0);
    const $set = { state, points, balanceAfter, shortfall };
    const res = await PointsEntryModel.findOneAndUpdate({ _id: entry._id, state: 'pending' }, { $set }, { returnDocument: 'after' }).lean();
    // Every entry ends here (post, repair, expiry, reversal): the balance and lots the shopper sees moved.
    await this.cache.changed(entry.tenantId, String(entry.customerId));
    // The entry is there (it was just read); only its state may have moved on.
    return (res ?? (await PointsEntryModel.findById(entry._id).lean()))!;
  }

  /** Finishes entries a crash left pending (older than `olderThanMs`): applied, or voided if a spend is no longer covered. */
  async repairPending(olderThanMs = 60_000): Promise<number> {
    const cutoff = new Date(this.deps.now().getTime() - olderThanMs);
    const pending = await PointsEntryModel.find({ state: 'pending', createdAt: { $lt: cutoff } })
      .limit(1000)
      .lean();
    for (const entry of pending) {
      const mode = entry.type === 'spend' ? 'exact' : 'floor';
      // An expiry computed against an older member version must not be applied later: void it.
      if (entry.type === 'expire') await this.settleUnmatched(entry);
      else await this.finish(entry, mode);
    }
    return pending.length;
  }

  async getByKey(tenantId: string, key: string): Promise<EntryView | null> {
    const e = await PointsEntryModel.findOne({ tenantId, key }).lean();
    return e ? entryView(e) : null;
  }

  /** The stored entries (any state) for these keys, by key: one read for a batch. */
  async entriesByKey(tenantId: string, keys: string[]): Promise<Map<string, PointsEntryDoc>> {
    if (!keys.length) return new Map();
    return new Map((await PointsEntryModel.find({ tenantId, key: { $in: keys } }).lean()).map((e) => [e.key, e]));
  }

  async findForOrder(tenantId: string, orderId: string) {
    return PointsEntryModel.find({ tenantId, orderId, state: 'applied' }).lean();
  }

  /** Newest first, cursor paginated by (createdAt, _id). Pending and void entries are not shown. */
  async list(tenantId: string, customerId: string, opts: { cursor?: string; limit: number; type?: EntryType }) {
    const filter: Record<string, unknown> = { tenantId, customerId: new Types.ObjectId(customerId), state: 'applied' };
    if (opts.type) filter.type = opts.type;
    const c = decodeCursor(opts.cursor);
    if (c) filter.$or = [{ createdAt: { $lt: c.at } }, { createdAt: c.at, _id: { $lt: c.id } }];
    const rows = await PointsEntryModel.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(opts.limit + 1)
      .lean();
    const items = rows.slice(0, opts.limit).map(entryView);
    const last = rows.length > opts.limit ? rows[opts.limit - 1] : undefined;
    return { items, nextCursor: last ? encodeCursor(last.createdAt, last._id) : null };
  }

  /**
   * What expires when: credits are lots consumed oldest-expiry first by every debit (spend, expiry,
   * reversal), so the remainder of each lot is derived from the ledger itself, never stored.
   */
  async lots(tenantId: string, customerId: string): Promise<Array<{ expiresAt: Date; remaining: number }>> {
    const entries = await PointsEntryModel.find({ tenantId, customerId: new Types.ObjectId(customerId), state: 'applied' }, { points: 1, expiresAt: 1 }).lean();
    let debits = entries.filter((e) => e.points < 0).reduce((s, e) => s - e.points, 0);
    const credits = entries.filter((e) => e.points > 0).sort((a, b) => +(a.expiresAt ?? Infinity) - +(b.expiresAt ?? Infinity));
    const byDate = new Map<number, number>();
    for (const c of credits) {
      const used = Math.min(debits, c.points);
      debits -= used;
      const left = c.points - used;
      if (left > 0 && c.expiresAt) byDate.set(+c.expiresAt, (byDate.get(+c.expiresAt) ?? 0) + left);
    }
    return [...byDate].sort((a, b) => a[0] - b[0]).map(([t, remaining]) => ({ expiresAt: new Date(t), remaining }));
  }

  /**
   * Expires one member's due points. Due = credits expiring by now − all debits so far (FIFO), taken
   * from one snapshot of the member; the expire entry applies only if the member is unchanged since.
   */
  async expireMember(tenantId: string, customerId: string): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const m = await MemberModel.findOne({ tenantId, customerId }).lean();
      if (!m) return 0;
      const now = this.deps.now();
      const credits = await PointsEntryModel.find(
        { tenantId, customerId: m.customerId, points: { $gt: 0 }, state: { $ne: 'void' } },
        { points: 1, expiresAt: 1 },
      ).lean();
      const due = credits.filter((c) => c.expiresAt && c.expiresAt <= now).reduce((s, c) => s + c.points, 0);
      const debits = m.earnedTotal - m.balance;
      const amount = Math.max(0, Math.min(due - debits, m.balance));
      const next = credits
        .filter((c) => c.expiresAt && c.expiresAt > now)
        .reduce<Date | null>((min, c) => (!min || c.expiresAt! < min ? c.expiresAt! : min), null);
      if (amount === 0) {
        await MemberModel.updateOne({ _id: m._id, ver: m.ver }, next ? { $set: { nextExpiryAt: next } } : { $unset: { nextExpiryAt: 1 } });
        return 0;
      }
      const entry = await this.post({
        tenantId,
        customerId,
        key: `expire:${customerId}:v${m.ver}`,
        type: 'expire',
        points: amount,
        reason: 'points expired',
        source: 'expiry',
        expectVer: m.ver,
      });
      if (entry.state === 'applied') {
        await MemberModel.updateOne({ _id: m._id, ver: m.ver + 1 }, next ? { $set: { nextExpiryAt: next } } : { $unset: { nextExpiryAt: 1 } });
        return amount;
      }
    }
    return 0;
  }

  /** Members whose earliest lot is due; the expiry job walks these. */
  async dueMembers(limit = 500): Promise<Array<{ tenantId: string; customerId: string }>> {
    const rows = await MemberModel.find({ nextExpiryAt: { $lte: this.deps.now() } }, { tenantId: 1, customerId: 1 })
      .limit(limit)
      .lean();
    return rows.map((r) => ({ tenantId: r.tenantId, customerId: String(r.customerId) }));
  }

  /** Reconciles every tenant that has members or ledger entries (the `npm run loyalty:reconcile` command). */
  async reconcileAll() {
    const tenants = new Set<string>([
      ...((await MemberModel.distinct('tenantId')) as string[]),
      ...((await PointsEntryModel.distinct('tenantId')) as string[]),
    ]);
    const out: Array<{ tenantId: string } & Awaited<ReturnType<PointsLedgerService['reconcile']>>> = [];
    for (const tenantId of [...tenants].sort()) out.push({ tenantId, ...(await this.reconcile(tenantId)) });
    return out;
  }

  /** Recomputes every balance of a tenant from its applied entries and reports members whose stored balance differs. */
  async reconcile(tenantId: string) {
    const sums = await PointsEntryModel.aggregate<{ _id: Types.ObjectId; balance: number; earned: number; entries: number }>([
      { $match: { tenantId, state: 'applied' } },
      {
        $group: {
          _id: '$customerId',
          balance: { $sum: '$points' },
          earned: { $sum: { $cond: [{ $gt: ['$points', 0] }, '$points', 0] } },
          entries: { $sum: 1 },
        },
      },
    ]);
    const pending = await PointsEntryModel.countDocuments({ tenantId, state: 'pending' });
    const byId = new Map(sums.map((s) => [String(s._id), s]));
    const members = await MemberModel.find({ tenantId }, { customerId: 1, balance: 1, earnedTotal: 1 }).lean();
    const drift: Array<{ customerId: string; stored: number; ledger: number }> = [];
    let entries = 0;
    for (const m of members) {
      const s = byId.get(String(m.customerId));
      entries += s?.entries ?? 0;
      const ledger = s?.balance ?? 0;
      if (ledger !== m.balance || (s?.earned ?? 0) !== m.earnedTotal) drift.push({ customerId: String(m.customerId), stored: m.balance, ledger });
    }
    for (const id of byId.keys())
      if (!members.some((m) => String(m.customerId) === id)) drift.push({ customerId: id, stored: 0, ledger: byId.get(id)!.balance });
    return { members: members.length, entries, pending, drift, driftTotal: drift.reduce((s, d) => s + Math.abs(d.stored - d.ledger), 0) };
  }
}
