import { Types } from 'mongoose';
import { duplicateIndexes, isDuplicateKeyError } from '../../shared/db.js';
import { EarnDayModel } from './member.model.js';

/**
 * Order points granted under the daily cap, per customer per local day. Each grant is stored by its
 * key in the day's document, so a re-run gets the same grant and the cap is charged once.
 *
 * The usual case (everything asked fits, first run) is one conditional upsert per (customer, day), and
 * for a whole ingest batch one unordered bulkWrite of them: each matches only a day with room for all
 * its grants and none of its keys, or creates the day; any other day makes that upsert collide with the
 * unique (customer, day) index, and the careful loop decides — read the day, grant in order, write
 * conditionally on the total read. Exact when requests for the same customer run at once.
 */
export interface CapDay {
  tenantId: string;
  customerId: string;
  day: string;
  /** In the order the grants are to be made; distinct keys. */
  grants: Array<{ key: string; want: number }>;
}

/** What each key was granted. `cap` ≤ 0 means no cap. */
export async function grantWithinCaps(days: CapDay[], cap: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const total = (d: CapDay) => d.grants.reduce((s, g) => s + g.want, 0);
  const quick = days.filter((d) => cap <= 0 || total(d) <= cap);
  const careful = days.filter((d) => !quick.includes(d));
  if (quick.length) {
    let collided = new Set<number>();
    try {
      // Raw driver: mongoose would add schema defaults (points: 0, grants: []) that clash with $inc/$push on insert.
      await EarnDayModel.collection.bulkWrite(
        quick.map((d) => ({
          updateOne: {
            filter: { ...dayId(d), 'grants.key': { $nin: d.grants.map((g) => g.key) }, ...(cap > 0 ? { points: { $lte: cap - total(d) } } : {}) },
            // mongodb's typings make any $push on an untyped (Document) collection `never`.
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            update: { $inc: { points: total(d) }, $push: { grants: { $each: d.grants.map((g) => ({ key: g.key, points: g.want })) } } } as any,
            upsert: true,
          },
        })),
        { ordered: false },
      );
    } catch (err) {
      collided = duplicateIndexes(err);
    }
    quick.forEach((d, n) => (collided.has(n) ? careful.push(d) : d.grants.forEach((g) => out.set(g.key, g.want))));
  }
  for (const d of careful) for (const [key, points] of await grantCarefully(d, cap)) out.set(key, points);
  return out;
}

/** One order's grant (the per-event path). */
export async function grantWithinCap(tenantId: string, customerId: string, day: string, key: string, want: number, cap: number): Promise<number> {
  return (await grantWithinCaps([{ tenantId, customerId, day, grants: [{ key, want }] }], cap)).get(key)!;
}

async function grantCarefully(d: CapDay, cap: number): Promise<Map<string, number>> {
  const id = dayId(d);
  for (let attempt = 0; attempt < 50; attempt++) {
    let doc = await EarnDayModel.findOne(id).lean();
    if (!doc) {
      try {
        await EarnDayModel.create(id);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      doc = (await EarnDayModel.findOne(id).lean())!;
    }
    const out = new Map<string, number>();
    const fresh: Array<{ key: string; points: number }> = [];
    let points = doc.points;
    for (const g of d.grants) {
      const prior = doc.grants.find((p) => p.key === g.key);
      if (prior) {
        out.set(g.key, prior.points ?? 0);
        continue;
      }
      const give = cap > 0 ? Math.max(0, Math.min(g.want, cap - points)) : g.want;
      points += give;
      out.set(g.key, give);
      fresh.push({ key: g.key, points: give });
    }
    if (!fresh.length) return out;
    const res = await EarnDayModel.updateOne(
      { _id: doc._id, points: doc.points, 'grants.key': { $nin: fresh.map((g) => g.key) } },
      { $inc: { points: points - doc.points }, $push: { grants: { $each: fresh } } },
    );
    if (res.modifiedCount) return out;
  }
  throw new Error('daily earn cap is under heavy contention; the event will be retried');
}

const dayId = (d: CapDay) => ({ tenantId: d.tenantId, customerId: new Types.ObjectId(d.customerId), day: d.day });
