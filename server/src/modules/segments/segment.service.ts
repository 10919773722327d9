import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { AppError, conflict, notFound } from '../../shared/app-error.js';
import { hasWriteErrors, isDuplicateKeyError } from '../../shared/db.js';
import type { CustomerAudienceQueries } from '../customers/customer-audience.queries.js';
import type { LoyaltyAudienceQueries } from '../loyalty/loyalty-audience.queries.js';
import type { EventService } from '../events/event.service.js';
import { behaviourConditions, behaviourKey, loyaltyConditions, type Audience, type BehaviourCondition } from './audience.schema.js';
import { resolveLoyalty } from './loyalty-audience.js';
import { compileNode, type Filter } from './audience.compiler.js';
import { SegmentMemberModel, SegmentModel } from './segment.model.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

export const SegmentErrorCode = {
  NAME_TAKEN: 'SEGMENT_NAME_TAKEN',
  SNAPSHOT_INCOMPLETE: 'SEGMENT_SNAPSHOT_INCOMPLETE',
  SNAPSHOT_FROZEN: 'SEGMENT_SNAPSHOT_FROZEN',
  IN_USE: 'SEGMENT_IN_USE',
} as const satisfies Record<string, ErrorCode>;

const EVENT_TYPE: Record<BehaviourCondition['action'], string> = { viewed: 'product.viewed', added: 'cart.added', bought: 'order.paid' };
const DAY_MS = 86_400_000;
/** Pages through an audience by ascending customer id, so a consumer can resume after any page. */
export type MemberPager = (afterId: Types.ObjectId | null, limit: number) => Promise<Types.ObjectId[]>;

/**
 * Segments: the audience language compiled to one filter on `customers` (counted, sampled and paged by
 * the customers module's audience queries), live counts and samples, saved dynamic and snapshot segments.
 */
export class SegmentService {
  constructor(
    private readonly deps: Deps,
    private readonly events: EventService,
    private readonly customers: CustomerAudienceQueries,
    private readonly loyalty: LoyaltyAudienceQueries,
  ) {}

  /** One MongoDB filter for the audience, behaviour (events module) and loyalty conditions resolved to id sets. */
  async compile(tenantId: string, audience: Audience): Promise<Filter> {
    const now = this.deps.now();
    const behaviour = new Map<string, Types.ObjectId[]>();
    for (const c of behaviourConditions(audience)) {
      const key = behaviourKey(c);
      if (behaviour.has(key)) continue;
      const since = new Date(now.getTime() - c.withinDays * DAY_MS);
      behaviour.set(key, await this.events.customersWithEvent(tenantId, EVENT_TYPE[c.action], { since, productId: c.productId, category: c.category }));
    }
    await resolveLoyalty(this.loyalty, tenantId, loyaltyConditions(audience), now, behaviour);
    return { tenantId, status: 'active', ...compileNode(audience, { now, behaviour }) };
  }

  async preview(tenantId: string, audience: Audience, sampleSize = 10) {
    const started = process.hrtime.bigint();
    const filter = await this.compile(tenantId, audience);
    const [count, sample] = await Promise.all([this.customers.count(filter), sampleSize ? this.customers.sample(filter, sampleSize) : Promise.resolve([])]);
    return { count, sample, tookMs: Number(process.hrtime.bigint() - started) / 1e6 };
  }

  async create(tenantId: string, input: { name: string; description?: string; audience: Audience; mode: 'dynamic' | 'snapshot' }, createdBy?: string) {
    let doc;
    try {
      doc = await SegmentModel.create({ tenantId, ...input, createdBy });
    } catch (err) {
      if (isDuplicateKeyError(err))
        throw conflict(SegmentErrorCode.NAME_TAKEN, `A segment named "${input.name}" already exists; pick another name`, { name: input.name });
      throw err;
    }
    if (input.mode === 'snapshot') return this.takeSnapshot(tenantId, String(doc._id));
    return doc.toObject();
  }

  /**
   * Freezes the members. Rows are keyed (segment, customer) so a retry after a crash adds only the
   * missing ones; `snapshotAt` is set last, and an unfinished snapshot refuses to be used.
   */
  async takeSnapshot(tenantId: string, segmentId: string) {
    const seg = await this.get(tenantId, segmentId);
    const filter = await this.compile(tenantId, seg.audience as Audience);
    const segOid = new Types.ObjectId(segmentId);
    let after: Types.ObjectId | null = null;
    for (;;) {
      const page = await this.customers.pageIds(filter, after, 1000);
      if (!page.length) break;
      try {
        await SegmentMemberModel.collection.insertMany(
          page.map((customerId) => ({ tenantId, segmentId: segOid, customerId })),
          { ordered: false },
        );
      } catch (err) {
        if (!isDuplicateKeyError(err) && !hasWriteErrors(err)) throw err;
      }
      after = page[page.length - 1];
    }
    const memberCount = await SegmentMemberModel.countDocuments({ tenantId, segmentId: segOid });
    // Just read; a segment deleted in between fails the caller as before.
    return (await SegmentModel.findOneAndUpdate(
      { tenantId, _id: segOid },
      { $set: { memberCount, snapshotAt: this.deps.now() } },
      { returnDocument: 'after' },
    ).lean())!;
  }

  /**
   * Renames, re-describes or changes the audience of a saved segment. A snapshot's members were frozen
   * on purpose (a campaign's audience as it was): its audience cannot change; duplicate it instead.
   */
  async update(tenantId: string, id: string, patch: { name?: string; description?: string; audience?: Audience }) {
    const seg = await this.get(tenantId, id);
    if (patch.audience && seg.mode === 'snapshot') {
      throw conflict(SegmentErrorCode.SNAPSHOT_FROZEN, `"${seg.name}" is a snapshot: its members are frozen. Duplicate it to change the audience`, {
        name: seg.name,
      });
    }
    try {
      // Just read; a segment deleted in between fails the caller as before.
      return (await SegmentModel.findOneAndUpdate({ tenantId, _id: seg._id }, { $set: patch }, { returnDocument: 'after' }).lean())!;
    } catch (err) {
      if (isDuplicateKeyError(err))
        throw conflict(SegmentErrorCode.NAME_TAKEN, `A segment named "${patch.name}" already exists; pick another name`, { name: patch.name });
      throw err;
    }
  }

  /** A copy to edit: same audience and mode (a snapshot copy is frozen now, from today's customers). */
  async duplicate(tenantId: string, id: string, name: string, createdBy?: string) {
    const seg = await this.get(tenantId, id);
    return this.create(
      tenantId,
      { name, description: seg.description ?? undefined, audience: seg.audience as Audience, mode: seg.mode as 'dynamic' | 'snapshot' },
      createdBy,
    );
  }

  /** Deletes a segment and its frozen members; the caller has checked that no open campaign uses it. */
  async remove(tenantId: string, id: string): Promise<void> {
    const seg = await this.get(tenantId, id);
    await SegmentModel.deleteOne({ tenantId, _id: seg._id });
    await SegmentMemberModel.deleteMany({ tenantId, segmentId: seg._id });
  }

  async list(tenantId: string) {
    return SegmentModel.find({ tenantId }).sort({ updatedAt: -1 }).limit(200).lean();
  }

  async get(tenantId: string, id: string) {
    const doc = Types.ObjectId.isValid(id) ? await SegmentModel.findOne({ tenantId, _id: id }).lean() : null;
    if (!doc) throw notFound('Segment');
    return doc;
  }

  /** How many customers are in a saved segment right now (a snapshot's frozen count). */
  async count(tenantId: string, id: string): Promise<number> {
    const seg = await this.get(tenantId, id);
    if (seg.mode === 'snapshot') return SegmentMemberModel.countDocuments({ tenantId, segmentId: seg._id });
    return this.customers.count(await this.compile(tenantId, seg.audience as Audience));
  }

  /** A pager over a saved segment's members, evaluated once (dynamic) or read from the snapshot. */
  async pager(tenantId: string, id: string): Promise<MemberPager> {
    const seg = await this.get(tenantId, id);
    if (seg.mode === 'snapshot') {
      if (!seg.snapshotAt)
        throw new AppError(SegmentErrorCode.SNAPSHOT_INCOMPLETE, 'This snapshot segment is still being taken; try again in a moment', { status: 409 });
      return async (after, limit) => {
        const rows = await SegmentMemberModel.find({ tenantId, segmentId: seg._id, ...(after ? { customerId: { $gt: after } } : {}) })
          .sort({ customerId: 1 })
          .limit(limit)
          .select({ customerId: 1 })
          .lean();
        return rows.map((r) => r.customerId as Types.ObjectId);
      };
    }
    const filter = await this.compile(tenantId, seg.audience as Audience);
    return (after, limit) => this.customers.pageIds(filter, after, limit);
  }
}
