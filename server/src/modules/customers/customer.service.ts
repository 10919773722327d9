import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import { notFound } from '../../shared/app-error.js';
import { CustomerModel, type CustomerAttributes, type CustomerDoc } from './customer.model.js';
import type { CustomerMergeService } from './customer-merge.service.js';
import { CustomerIdentityService } from './customer-identity.service.js';
import { CustomerImportService } from './customer-import.service.js';
import { CustomerAudienceQueries } from './customer-audience.queries.js';
import { CustomerReadsService } from './customer-reads.service.js';
import { ShopperSessionService } from './shopper-sessions.service.js';

export type { CustomerAttributes } from './customer.model.js';
export type { LifecycleStage, ProfilePage } from './customer-reads.service.js';

/** Columns the console's customer table sorts by, each backed by an index with tenantId. */
/** A customer profile as read (lean): other modules name it through this service, not the model. */
export type { CustomerDoc } from './customer.model.js';
export const CUSTOMER_SORTS = {
  updatedAt: 'updatedAt',
  createdAt: 'createdAt',
  lastOrderAt: 'aggregates.lastOrderAt',
  totalPaid: 'aggregates.totalPaid',
  orderCount: 'aggregates.orderCount',
} as const;
export type CustomerSort = keyof typeof CUSTOMER_SORTS;

export interface SearchQuery {
  q?: string;
  tag?: string;
  ownerStaffId?: string;
  /** Filters of the console's table: RFM class, churn state (lifecycle), source channel, WeCom relation. */
  rfmClass?: string;
  /** R and F scores (1–5): a cell of the dashboard's R×F heatmap. */
  rfmR?: number;
  rfmF?: number;
  churnState?: string;
  sourceChannel?: string;
  relation?: string;
  sort?: CustomerSort;
  order?: 'asc' | 'desc';
  /** Restricts to customers this staff member owns or follows (sales). */
  visibleTo?: string;
  page: number;
  pageSize: number;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The profile: reads, attribute and note edits, tags, staff relations and aggregates. The one entry
 * other modules hold; identity resolution and bulk import live in their own services and are reached
 * through it.
 */
export class CustomerService {
  private readonly identities: CustomerIdentityService;
  private readonly imports: CustomerImportService;
  private readonly reads = new CustomerReadsService();
  /** The customers a segment's audience filter selects (segments' counts, previews and pagers). */
  readonly audience = new CustomerAudienceQueries();
  /** Shoppers' sign-in sessions: their version, sign-out, revocation. */
  readonly sessions: ShopperSessionService;

  constructor(
    private readonly deps: Deps,
    private readonly hooks: DomainHooks,
    merges: CustomerMergeService,
  ) {
    this.identities = new CustomerIdentityService(hooks, merges);
    this.imports = new CustomerImportService(this.identities, merges);
    this.sessions = new ShopperSessionService(deps);
  }

  identify(...args: Parameters<CustomerIdentityService['identify']>) {
    return this.identities.identify(...args);
  }

  identifyMany(...args: Parameters<CustomerIdentityService['identifyMany']>) {
    return this.identities.identifyMany(...args);
  }

  findByIdentity(...args: Parameters<CustomerIdentityService['findByIdentity']>) {
    return this.identities.findByIdentity(...args);
  }

  importMany(...args: Parameters<CustomerImportService['importMany']>) {
    return this.imports.importMany(...args);
  }

  // Reads for other modules, each one named query (documented in customer-reads.service.ts).
  recipientFacts(...args: Parameters<CustomerReadsService['recipientFacts']>) {
    return this.reads.recipientFacts(...args);
  }

  recipientProfile(...args: Parameters<CustomerReadsService['recipientProfile']>) {
    return this.reads.recipientProfile(...args);
  }

  externalUserIds(...args: Parameters<CustomerReadsService['externalUserIds']>) {
    return this.reads.externalUserIds(...args);
  }

  lastOrderDates(...args: Parameters<CustomerReadsService['lastOrderDates']>) {
    return this.reads.lastOrderDates(...args);
  }

  bornOnPage(...args: Parameters<CustomerReadsService['bornOnPage']>) {
    return this.reads.bornOnPage(...args);
  }

  dormantBuyersPage(...args: Parameters<CustomerReadsService['dormantBuyersPage']>) {
    return this.reads.dormantBuyersPage(...args);
  }

  taggedPage(...args: Parameters<CustomerReadsService['taggedPage']>) {
    return this.reads.taggedPage(...args);
  }

  bornOnCursor(...args: Parameters<CustomerReadsService['bornOnCursor']>) {
    return this.reads.bornOnCursor(...args);
  }

  lifecycleStageCounts(...args: Parameters<CustomerReadsService['lifecycleStageCounts']>) {
    return this.reads.lifecycleStageCounts(...args);
  }

  wecomContactsPerDay(...args: Parameters<CustomerReadsService['wecomContactsPerDay']>) {
    return this.reads.wecomContactsPerDay(...args);
  }

  rfmGrid(...args: Parameters<CustomerReadsService['rfmGrid']>) {
    return this.reads.rfmGrid(...args);
  }

  rfmInputs(...args: Parameters<CustomerReadsService['rfmInputs']>) {
    return this.reads.rfmInputs(...args);
  }

  rfmBuyers(...args: Parameters<CustomerReadsService['rfmBuyers']>) {
    return this.reads.rfmBuyers(...args);
  }

  unclockedBuyers(...args: Parameters<CustomerReadsService['unclockedBuyers']>) {
    return this.reads.unclockedBuyers(...args);
  }

  churnDue(...args: Parameters<CustomerReadsService['churnDue']>) {
    return this.reads.churnDue(...args);
  }

  churnPastWindow(...args: Parameters<CustomerReadsService['churnPastWindow']>) {
    return this.reads.churnPastWindow(...args);
  }

  lostContactsUnmarked(...args: Parameters<CustomerReadsService['lostContactsUnmarked']>) {
    return this.reads.lostContactsUnmarked(...args);
  }

  tenantIds(...args: Parameters<CustomerReadsService['tenantIds']>) {
    return this.reads.tenantIds(...args);
  }

  /** Streams every live profile (export, privacy, batch jobs) in _id order. */
  async *iterate(tenantId: string, batchSize = 500) {
    let after: Types.ObjectId | undefined;
    for (;;) {
      const batch = await CustomerModel.find({ tenantId, status: 'active', ...(after ? { _id: { $gt: after } } : {}) })
        .sort({ _id: 1 })
        .limit(batchSize)
        .lean();
      if (!batch.length) return;
      yield batch;
      after = batch[batch.length - 1]._id as Types.ObjectId;
    }
  }

  /**
   * Live profiles for many ids at once (a group's members), each with the id it was asked for: a merged
   * id answers with the profile it was merged into, an erased or unknown one is left out.
   */
  async getMany(tenantId: string, ids: string[]): Promise<Array<{ linkedId: string; doc: CustomerDoc }>> {
    const valid = [...new Set(ids)].filter((i) => Types.ObjectId.isValid(i));
    if (!valid.length) return [];
    const docs = await CustomerModel.find({ tenantId, _id: { $in: valid }, status: { $in: ['active', 'merged'] } }).lean();
    const into = [...new Set(docs.filter((d) => d.status === 'merged' && d.mergedInto).map((d) => String(d.mergedInto)))];
    const survivors = into.length ? await CustomerModel.find({ tenantId, _id: { $in: into }, status: 'active' }).lean() : [];
    const byId = new Map([...docs.filter((d) => d.status === 'active'), ...survivors].map((d) => [String(d._id), d]));
    return docs.flatMap((d) => {
      const live = byId.get(d.status === 'merged' ? String(d.mergedInto) : String(d._id));
      return live ? [{ linkedId: String(d._id), doc: live }] : [];
    });
  }

  /** The live profile; a merged id answers with the profile it was merged into. */
  async get(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) throw notFound('Customer');
    let doc = await CustomerModel.findOne({ tenantId, _id: id, status: { $ne: 'erased' } }).lean();
    if (doc?.status === 'merged' && doc.mergedInto) doc = await CustomerModel.findOne({ tenantId, _id: doc.mergedInto }).lean();
    if (!doc) throw notFound('Customer');
    return doc;
  }

  /** Display names by id, for lists that show many customers (transfer records). */
  async namesOf(tenantId: string, ids: string[]): Promise<Map<string, string>> {
    const valid = ids.filter((i) => Types.ObjectId.isValid(i));
    const docs = valid.length ? await CustomerModel.find({ tenantId, _id: { $in: valid } }, { name: 1 }).lean() : [];
    return new Map(docs.map((d) => [String(d._id), d.name ?? '']));
  }

  async search(tenantId: string, query: SearchQuery) {
    const filter: Record<string, unknown> = { tenantId, status: 'active' };
    if (query.q) {
      const rx = { $regex: escapeRegex(query.q.trim()), $options: 'i' };
      filter.$or = [{ name: rx }, { phone: rx }, { remark: rx }];
    }
    if (query.tag) filter.tags = query.tag;
    if (query.ownerStaffId) filter.ownerStaffId = query.ownerStaffId;
    if (query.rfmClass) filter['rfm.class'] = query.rfmClass;
    if (query.rfmR) filter['rfm.r'] = query.rfmR;
    if (query.rfmF) filter['rfm.f'] = query.rfmF;
    if (query.churnState) filter['rfm.churn.state'] = query.churnState;
    if (query.sourceChannel) filter.sourceChannel = query.sourceChannel;
    if (query.relation) filter['wecom.relation'] = query.relation;
    if (query.visibleTo) filter.$and = [{ $or: [{ ownerStaffId: query.visibleTo }, { followerStaffIds: query.visibleTo }] }];
    const dir = query.order === 'asc' ? 1 : -1;
    const [items, total] = await Promise.all([
      CustomerModel.find(filter)
        .sort({ [CUSTOMER_SORTS[query.sort ?? 'updatedAt']]: dir, _id: dir })
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .select({ notes: 0 })
        .lean(),
      CustomerModel.countDocuments(filter),
    ]);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  private readonly profileObservers: Array<(tenantId: string, customerId: string) => void> = [];

  /**
   * In-process observers of a change to a profile's name, owner or followers (what chats show and
   * whom the desk's live events go to): the desk drops its kept copy. Called after the write; must not throw.
   */
  onProfileChanged(observer: (tenantId: string, customerId: string) => void): void {
    this.profileObservers.push(observer);
  }

  private profileChanged(tenantId: string, ids: string[]): void {
    for (const id of ids) for (const observe of this.profileObservers) observe(tenantId, String(id));
  }

  async update(tenantId: string, id: string, attrs: CustomerAttributes) {
    const doc = await CustomerModel.findOneAndUpdate({ tenantId, _id: id, status: 'active' }, { $set: attrs }, { returnDocument: 'after' }).lean();
    if (!doc) throw notFound('Customer');
    this.profileChanged(tenantId, [id]);
    return doc;
  }

  async addNote(tenantId: string, id: string, note: { staffId: string; staffName: string; text: string }) {
    const at = this.deps.now();
    const doc = await CustomerModel.findOneAndUpdate(
      { tenantId, _id: id, status: 'active' },
      { $push: { notes: { ...note, at } } },
      { returnDocument: 'after', projection: { notes: 1 } },
    ).lean();
    if (!doc) throw notFound('Customer');
    return doc.notes[doc.notes.length - 1];
  }

  /**
   * Tags (and untags) many customers at once, from the console's table. One write for all; then each
   * customer whose tags changed is announced as a single tagging would be, so WeCom's corp tags follow.
   */
  async tagMany(tenantId: string, ids: string[], add: string[], remove: string[], actorId?: string): Promise<{ matched: number }> {
    const filter = { tenantId, _id: { $in: ids }, status: 'active' as const };
    const matched = await CustomerModel.find(filter, { _id: 1 }).lean();
    if (add.length) await CustomerModel.updateMany(filter, { $addToSet: { tags: { $each: add } } });
    if (remove.length) await CustomerModel.updateMany(filter, { $pull: { tags: { $in: remove } } });
    for (const c of matched) await this.hooks.emit('customer.tagged', { tenantId, customerId: String(c._id), added: add, removed: remove, actorId });
    return { matched: matched.length };
  }

  /** Gives many customers one owner (the console's bulk action); the staff member is checked by the caller. */
  async assignOwner(tenantId: string, ids: string[], ownerStaffId: string): Promise<{ matched: number; modified: number }> {
    const res = await CustomerModel.updateMany({ tenantId, _id: { $in: ids }, status: 'active' }, { $set: { ownerStaffId } });
    this.profileChanged(tenantId, ids);
    return { matched: res.matchedCount, modified: res.modifiedCount };
  }

  /** How many active customers carry the tag: a count on the {tenantId, tags} index, no profiles loaded. */
  countTagged(tenantId: string, tagId: string): Promise<number> {
    return CustomerModel.countDocuments({ tenantId, tags: tagId, status: 'active' });
  }

  /**
   * Takes deleted tags off every profile in one write. Not announced per customer: WeCom's
   * del_corp_tag (queued by the tag's own 'tag.changed') takes the corp tag off every contact itself.
   */
  async untagAll(tenantId: string, tagIds: string[]): Promise<number> {
    if (!tagIds.length) return 0;
    const res = await CustomerModel.updateMany({ tenantId, tags: { $in: tagIds } }, { $pull: { tags: { $in: tagIds } } });
    return res.modifiedCount;
  }

  /** Adds and removes tag ids; announces the change so WeCom's corp tags follow. */
  async tag(tenantId: string, id: string, add: string[], remove: string[], actorId?: string): Promise<string[]> {
    if (add.length) await CustomerModel.updateOne({ tenantId, _id: id, status: 'active' }, { $addToSet: { tags: { $each: add } } });
    if (remove.length) await CustomerModel.updateOne({ tenantId, _id: id, status: 'active' }, { $pull: { tags: { $in: remove } } });
    const doc = await CustomerModel.findOne({ tenantId, _id: id, status: 'active' }, { tags: 1 }).lean();
    if (!doc) throw notFound('Customer');
    await this.hooks.emit('customer.tagged', { tenantId, customerId: id, added: add, removed: remove, actorId });
    return doc.tags;
  }

  /**
   * The WeCom relation as the WeCom adapter last saw it: a following staff member becomes a follower,
   * and the owner when the profile has none; 'lost' when no staff member has the customer any more.
   */
  async setWecomRelation(tenantId: string, id: string, change: { relation: 'active' | 'lost'; at: Date; staffId?: string }): Promise<void> {
    if (change.relation === 'lost') {
      await CustomerModel.updateOne({ tenantId, _id: id }, { $set: { 'wecom.relation': 'lost', 'wecom.lostAt': change.at } });
      return;
    }
    // Owner first: a reader who sees the relation active also sees who owns the profile.
    if (change.staffId) await CustomerModel.updateOne({ tenantId, _id: id, ownerStaffId: { $in: [null, ''] } }, { $set: { ownerStaffId: change.staffId } });
    await CustomerModel.updateOne(
      { tenantId, _id: id },
      {
        $set: { 'wecom.relation': 'active' },
        $min: { 'wecom.addedAt': change.at },
        ...(change.staffId ? { $addToSet: { followerStaffIds: change.staffId } } : {}),
      },
    );
    if (change.staffId) this.profileChanged(tenantId, [id]);
  }

  /**
   * A customer handed from one staff member to another (WeCom 在职/离职继承 completed): the taker
   * replaces the giver among the followers, and as owner when the giver owned the profile (or nobody
   * did). Conditional on the giver, so running it again changes nothing.
   */
  async handOver(tenantId: string, id: string, fromStaffId: string | undefined, toStaffId: string): Promise<void> {
    await CustomerModel.updateOne({ tenantId, _id: id }, { $addToSet: { followerStaffIds: toStaffId } });
    if (fromStaffId && fromStaffId !== toStaffId) await CustomerModel.updateOne({ tenantId, _id: id }, { $pull: { followerStaffIds: fromStaffId } });
    await CustomerModel.updateOne(
      { tenantId, _id: id, ownerStaffId: { $in: [null, '', ...(fromStaffId ? [fromStaffId] : [])] } },
      { $set: { ownerStaffId: toStaffId } },
    );
    this.profileChanged(tenantId, [id]);
  }

  /**
   * Applies aggregate changes from the events module in one bulk write. Raw driver: the updates are
   * already typed (numbers, Dates), and mongoose's per-op casting cost as much as the write on an
   * ingest batch. What mongoose would add is added here: `updatedAt` (the profile list sorts on it),
   * from the one clock (`deps.now`).
   */
  async applyAggregates(tenantId: string, updates: Array<{ customerId: string; update: Record<string, unknown> }>): Promise<void> {
    if (!updates.length) return;
    const updatedAt = this.deps.now();
    await CustomerModel.collection.bulkWrite(
      updates.map((u) => ({
        updateOne: {
          filter: { tenantId, _id: new Types.ObjectId(u.customerId) },
          update: { ...u.update, $set: { ...(u.update.$set as Record<string, unknown> | undefined), updatedAt } },
        },
      })),
      { ordered: false },
    );
  }

  async setAggregates(tenantId: string, customerId: string, aggregates: Record<string, unknown>): Promise<void> {
    await CustomerModel.updateOne({ tenantId, _id: customerId }, { $set: { aggregates } });
  }
}
