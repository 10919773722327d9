import { Types } from 'mongoose';
import { MemberModel, RECENT_KEEP } from './member.model.js';
import { PointsEntryModel, type PointsEntryDoc } from './points.model.js';
import { LoyaltyErrorCode, loyaltyConflict } from './loyalty.errors.js';
import { entryView, type EntryView } from './points-entry.view.js';
import { inLanes } from './batch-util.js';
import { duplicateIndexes } from '../../shared/db.js';
import { groupBy } from '../../shared/group-by.js';
import type { PostInput } from './points-ledger.service.js';

/**
 * The ledger's three crash-safe steps (points-ledger.service.ts) for many credits at once, so an
 * ingest batch pays a few round trips per batch instead of three per entry:
 *
 *  1. one unordered insertMany of the pending entries; E11000 means that key was posted before, and
 *     the stored entry is resumed (or returned), never posted twice;
 *  2. per member one conditional update: `$inc` by the sum, every id pushed into `recent`, guarded by
 *     `recent: {$nin: ids}` — all of them apply or none, at most once. Matching nothing means some id
 *     is already applied (a retry met an earlier attempt half-way): each entry then takes the
 *     per-entry path, whose own `recent != id` guard decides. Members the caller has just read go in
 *     one bulkWrite, each update also conditional on the version read (see below);
 *  3. one bulkWrite marking the entries applied with their balance after.
 *
 * A crash between steps leaves pending entries whose ids the member lists (or not) exactly as a
 * single post would, so `repairPending` and a re-run finish them the same way.
 */

/** Ids per member update: well under RECENT_KEEP, so no id slides out of `recent` in the update that adds it. */
const IDS_PER_UPDATE = Math.floor(RECENT_KEEP / 4);

/** One credit of a batch: a single post's fields, the tenant given once and the type always `earn`. */
export type CreditInput = Pick<PostInput, 'customerId' | 'key' | 'points' | 'reason' | 'source' | 'operator' | 'orderId' | 'expiresAt'>;

export interface LedgerSteps {
  now: () => Date;
  /** The per-entry steps 2 and 3 (`PointsLedgerService.finish`). */
  finish: (entry: PointsEntryDoc) => Promise<PointsEntryDoc>;
  changed: (customerId: string) => Promise<void>;
}

/** `known`: members as the caller read them (balance, ver), for the one-bulkWrite step 2. */
export async function postCreditBatch(
  steps: LedgerSteps,
  tenantId: string,
  inputs: CreditInput[],
  known?: Map<string, { balance: number; ver: number }>,
): Promise<Map<string, EntryView>> {
  const out = new Map<string, EntryView>();
  const unique = [...new Map(inputs.map((i) => [i.key, i])).values()];
  for (const i of unique) if (!Number.isSafeInteger(i.points) || i.points < 0) throw new RangeError('points must be a non-negative integer');
  if (!unique.length) return out;

  // Step 1.
  const createdAt = steps.now();
  const docs: PointsEntryDoc[] = unique.map((i) =>
    withoutUndefined({
      _id: new Types.ObjectId(),
      tenantId,
      customerId: new Types.ObjectId(i.customerId),
      key: i.key,
      type: 'earn',
      points: i.points,
      requested: i.points,
      shortfall: 0,
      state: 'pending',
      reason: i.reason,
      source: i.source,
      operator: i.operator,
      orderId: i.orderId,
      expiresAt: i.expiresAt,
      createdAt,
    }),
  );
  const taken = await insertNew(docs);
  const pending: PointsEntryDoc[] = docs.filter((_, n) => !taken.has(n));
  const fresh = new Set(pending);
  // A key taken by a different change fails its own entry, after the others are posted (as one post would).
  const conflicts: Error[] = [];
  if (taken.size) {
    const asked = new Map([...taken].map((n) => [docs[n].key as string, docs[n]]));
    for (const prior of await PointsEntryModel.find({ tenantId, key: { $in: [...asked.keys()] } }).lean()) {
      const mine = asked.get(prior.key)!;
      if (String(prior.customerId) !== String(mine.customerId) || prior.type !== 'earn' || prior.requested !== mine.requested) {
        conflicts.push(
          loyaltyConflict(LoyaltyErrorCode.KEY_REUSED, `The idempotency key "${prior.key}" was already used for a different points change; use a new key`),
        );
        continue;
      }
      if (prior.state === 'pending') pending.push(prior);
      else out.set(prior.key, entryView(prior));
    }
  }

  // Step 2, then 3.
  const chunks: PointsEntryDoc[][] = [];
  const byMember = groupBy(pending, (e) => String(e.customerId));
  for (const entries of byMember.values())
    for (let from = 0; from < entries.length; from += IDS_PER_UPDATE) chunks.push(entries.slice(from, from + IDS_PER_UPDATE));
  const marks: Array<{ entry: PointsEntryDoc; balanceAfter: number | null }> = [];
  const fellBack: PointsEntryDoc[] = [];
  const credited = (chunk: PointsEntryDoc[], balanceAfter: number | null) => {
    let balance = balanceAfter === null ? null : balanceAfter - sumOf(chunk);
    for (const entry of chunk) marks.push({ entry, balanceAfter: balance === null ? null : (balance += entry.requested) });
  };
  // Members the caller read (balance and version): one bulkWrite for all of them, each update also
  // conditional on that version, so where it matched the balance after is known without reading it.
  const firsts = new Set([...byMember.values()].map((entries) => entries[0]));
  const quick = known ? chunks.filter((c) => firsts.has(c[0]) && known.has(String(c[0].customerId))) : [];
  const slow = chunks.filter((c) => !quick.includes(c));
  if (quick.length) {
    const read = (c: PointsEntryDoc[]) => known!.get(String(c[0].customerId))!;
    const res = await MemberModel.collection.bulkWrite(
      quick.map((c) => ({ updateOne: { filter: { ...guard(tenantId, c), ver: read(c).ver }, update: memberUpdate(c) } })),
      { ordered: false },
    );
    if (res.matchedCount === quick.length) for (const c of quick) credited(c, read(c).balance + sumOf(c));
    else slow.unshift(...(await sortOut(tenantId, quick, read, fresh, credited, fellBack)));
  }
  await inLanes(slow, async (chunk) => {
    const after = await MemberModel.findOneAndUpdate(guard(tenantId, chunk), memberUpdate(chunk), { returnDocument: 'after' }).lean();
    if (after) credited(chunk, after.balance);
    else fellBack.push(...chunk);
  });
  if (marks.length) {
    // Raw driver: every value is already typed, and the entries have no timestamps for mongoose to add.
    await PointsEntryModel.collection.bulkWrite(
      marks.map(({ entry, balanceAfter }) => ({
        updateOne: {
          filter: { _id: entry._id, state: 'pending' },
          update: { $set: { state: 'applied', points: entry.requested, balanceAfter, shortfall: 0 } },
        },
      })),
      { ordered: false },
    );
    for (const { entry, balanceAfter } of marks) out.set(entry.key, entryView({ ...entry, state: 'applied', points: entry.requested, balanceAfter }));
  }
  // The per-entry path marks, and invalidates the shopper cache, on its own.
  for (const entry of fellBack) out.set(entry.key, entryView(await steps.finish(entry)));
  await Promise.all([...new Set(marks.map((m) => String(m.entry.customerId)))].map((c) => steps.changed(c)));
  if (conflicts.length) throw conflicts[0];
  return out;
}

/**
 * Some updates of the bulkWrite did not match (a member moved since the caller read it): read the
 * members back. A chunk none of whose ids is in `recent` did not land and goes the one-member way; one
 * whose ids all are landed — and if they are ours from step 1 (inserted after the read) and the
 * member's version moved by exactly that many since, nothing else moved it, so the balance after is
 * known; otherwise it is left unknown (null), as when a single post finds its entry already applied.
 * Partly applied: entry by entry.
 */
async function sortOut(
  tenantId: string,
  quick: PointsEntryDoc[][],
  read: (c: PointsEntryDoc[]) => { balance: number; ver: number },
  fresh: Set<unknown>,
  credited: (c: PointsEntryDoc[], balanceAfter: number | null) => void,
  fellBack: PointsEntryDoc[],
) {
  const ids = quick.map((c) => c[0].customerId as Types.ObjectId);
  const rows = await MemberModel.find({ tenantId, customerId: { $in: ids } }, { customerId: 1, recent: 1, ver: 1 }).lean();
  const now = new Map(rows.map((m) => [String(m.customerId), m]));
  const notLanded: PointsEntryDoc[][] = [];
  for (const c of quick) {
    const m = now.get(String(c[0].customerId));
    const recent = new Set((m?.recent ?? []).map(String));
    const applied = c.filter((e) => recent.has(String(e._id))).length;
    if (!applied) notLanded.push(c);
    else if (applied < c.length) fellBack.push(...c);
    // Entries inserted after the read were not applied at the read; n ids pushed since cost n versions.
    else credited(c, c.every((e) => fresh.has(e)) && m!.ver === read(c).ver + c.length ? read(c).balance + sumOf(c) : null);
  }
  return notLanded;
}

/** Inserts the pending entries; answers the indexes whose key was already taken. */
async function insertNew(docs: PointsEntryDoc[]): Promise<Set<number>> {
  try {
    // Raw driver: the documents are complete, and mongoose would validate and cast each one again.
    await PointsEntryModel.collection.insertMany(docs, { ordered: false });
    return new Set();
  } catch (err) {
    return duplicateIndexes(err);
  }
}

/** Step 2 for one member's entries: all or nothing, and at most once. */
function guard(tenantId: string, entries: PointsEntryDoc[]) {
  return { tenantId, customerId: entries[0].customerId, recent: { $nin: entries.map((e) => e._id as Types.ObjectId) } };
}

function memberUpdate(entries: PointsEntryDoc[]) {
  const sum = sumOf(entries);
  const update: { $inc: Record<string, number>; $push: object; $min?: { nextExpiryAt: Date } } = {
    $inc: { balance: sum, earnedTotal: sum, ver: entries.length },
    $push: { recent: { $each: entries.map((e) => e._id), $slice: -RECENT_KEEP } },
  };
  const expiries = entries.map((e) => e.expiresAt).filter(Boolean) as Date[];
  if (expiries.length) update.$min = { nextExpiryAt: new Date(Math.min(...expiries.map(Number))) };
  return update;
}

const sumOf = (entries: PointsEntryDoc[]) => entries.reduce((s, e) => s + e.requested, 0);
const withoutUndefined = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
