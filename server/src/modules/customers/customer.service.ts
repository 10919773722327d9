import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import { AppError, CommonErrorCode, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CustomerModel, IdentityModel } from './customer.model.js';
import { identityKeys, keyId, type IdentityInput, type IdentityKey } from './identity.js';
import type { CustomerMergeService } from './customer-merge.service.js';

export interface CustomerAttributes {
  name?: string;
  gender?: 'male' | 'female' | 'unknown';
  birthday?: { month: number; day: number; year?: number };
  city?: string;
  remark?: string;
  avatar?: string;
  sourceChannel?: string;
  ownerStaffId?: string;
}

export interface SearchQuery {
  q?: string;
  tag?: string;
  ownerStaffId?: string;
  /** Restricts to customers this staff member owns or follows (sales). */
  visibleTo?: string;
  page: number;
  pageSize: number;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class CustomerService {
  constructor(
    private readonly deps: Deps,
    private readonly hooks: DomainHooks,
    private readonly merges: CustomerMergeService,
  ) {}

  /**
   * Finds the one profile these identities belong to, creating it when none does and merging when
   * they prove two profiles are one person. Identity rows are claimed with an upsert on a unique
   * index, so concurrent callers converge on one profile.
   */
  async identify(tenantId: string, input: IdentityInput, attrs: CustomerAttributes = {}, source = 'api'): Promise<string> {
    const keys = identityKeys(input);
    if (!keys.length) throw new AppError(CommonErrorCode.VALIDATION, 'give at least one identity', { status: 400 });
    const found = await IdentityModel.find({ tenantId, $or: keys.map((k) => ({ type: k.type, key: k.key })) }).lean();
    const owners = [...new Set(found.map((f) => String(f.customerId)))];
    let customerId: string;
    if (owners.length === 0) {
      customerId = await this.create(tenantId, keys, attrs, source);
    } else {
      customerId = owners[0];
      for (const other of owners.slice(1)) customerId = await this.merges.merge(tenantId, customerId, other, `identities ${keys.map((k) => k.type).join('+')} link both`);
    }
    const known = new Set(found.map((f) => keyId(f)));
    for (const k of keys.filter((k) => !known.has(keyId(k)))) customerId = await this.claim(tenantId, k, customerId);
    await this.fillMissing(tenantId, customerId, attrs);
    return customerId;
  }

  /** Batch form of identify for ingest: one lookup for the whole batch, identify() only where needed. */
  async identifyMany(tenantId: string, inputs: Array<IdentityInput & { name?: string }>, source: string): Promise<string[]> {
    const keysPer = inputs.map(identityKeys);
    const all = keysPer.flat();
    const found = all.length ? await IdentityModel.find({ tenantId, key: { $in: [...new Set(all.map((k) => k.key))] } }).lean() : [];
    const owner = new Map(found.map((f) => [keyId(f), String(f.customerId)]));
    const result: string[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const owners = new Set(keysPer[i].map((k) => owner.get(keyId(k))));
      const [only] = owners;
      if (owners.size === 1 && only) {
        result.push(only);
        continue;
      }
      const { name, ...identity } = inputs[i];
      const id = await this.identify(tenantId, identity, { name }, source);
      for (const k of keysPer[i]) owner.set(keyId(k), id);
      result.push(id);
    }
    return result;
  }

  /**
   * Bulk import (CSV, demo data, migrations): one lookup for the batch, new profiles inserted in bulk,
   * existing ones updated with the given attributes. Rows whose identities collide with a concurrent
   * writer fall back to identify(), so the result is the same as importing row by row.
   */
  async importMany(tenantId: string, rows: Array<{ identity: IdentityInput; attrs: CustomerAttributes; tags?: string[] }>, source = 'import') {
    const keysPer = rows.map((r) => identityKeys(r.identity));
    const all = keysPer.flat();
    const found = all.length ? await IdentityModel.find({ tenantId, key: { $in: [...new Set(all.map((k) => k.key))] } }).lean() : [];
    const owner = new Map(found.map((f) => [keyId(f), String(f.customerId)]));
    const ids: string[] = new Array(rows.length);
    const fresh: Array<{ i: number; _id: Types.ObjectId }> = [];
    const updates: Array<{ i: number; id: string }> = [];
    const claimedHere = new Map<string, string>();
    rows.forEach((row, i) => {
      const owners = new Set(keysPer[i].map((k) => owner.get(keyId(k)) ?? claimedHere.get(keyId(k))).filter(Boolean) as string[]);
      if (owners.size === 1) updates.push({ i, id: [...owners][0] });
      else if (owners.size === 0) {
        const _id = new Types.ObjectId();
        fresh.push({ i, _id });
        for (const k of keysPer[i]) claimedHere.set(keyId(k), String(_id));
      } else updates.push({ i, id: '' });
    });
    if (fresh.length) {
      await CustomerModel.insertMany(
        fresh.map(({ i, _id }) => ({
          _id,
          tenantId,
          ...rows[i].attrs,
          sourceChannel: rows[i].attrs.sourceChannel ?? source,
          phone: keysPer[i].find((k) => k.type === 'phone')?.value,
          tags: rows[i].tags ?? [],
          identities: keysPer[i].map(({ type, value, appId }) => ({ type, value, appId })),
        })),
        // Hydrated, not lean: defaults (status, aggregates) and timestamps must be set as on create().
        { ordered: false },
      );
      const identityRows = fresh.flatMap(({ i, _id }) => keysPer[i].map((k) => ({ tenantId, type: k.type, key: k.key, customerId: _id })));
      const collided = new Set<number>();
      try {
        await IdentityModel.insertMany(identityRows, { ordered: false, lean: true });
      } catch (err: any) {
        if (!isDuplicateKeyError(err) && !err?.writeErrors) throw err;
        for (const we of [err.writeErrors ?? []].flat()) collided.add(we.index);
      }
      let n = 0;
      for (const { i, _id } of fresh) {
        const mine = keysPer[i].map(() => n++);
        if (mine.some((x) => collided.has(x))) {
          ids[i] = await this.identify(tenantId, rows[i].identity, rows[i].attrs, source);
          if (ids[i] !== String(_id)) await this.merges.merge(tenantId, ids[i], String(_id), 'import collided with a concurrent writer');
        } else ids[i] = String(_id);
      }
    }
    for (const { i, id } of updates) {
      ids[i] = id || (await this.identify(tenantId, rows[i].identity, rows[i].attrs, source));
      const $set = Object.fromEntries(Object.entries(rows[i].attrs).filter(([, v]) => v !== undefined && v !== ''));
      const update: Record<string, unknown> = {};
      if (Object.keys($set).length) update.$set = $set;
      if (rows[i].tags?.length) update.$addToSet = { tags: { $each: rows[i].tags } };
      if (Object.keys(update).length) await CustomerModel.updateOne({ tenantId, _id: ids[i] }, update);
    }
    return { ids, created: fresh.length, updated: updates.length };
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

  private async create(tenantId: string, keys: IdentityKey[], attrs: CustomerAttributes, source: string): Promise<string> {
    const _id = new Types.ObjectId();
    const phone = keys.find((k) => k.type === 'phone')?.value;
    await CustomerModel.create({
      _id,
      tenantId,
      ...attrs,
      phone,
      sourceChannel: attrs.sourceChannel ?? source,
      identities: keys.map(({ type, value, appId }) => ({ type, value, appId })),
    });
    let id = String(_id);
    for (const k of keys) id = await this.claim(tenantId, k, id);
    if (id === String(_id)) await this.hooks.emit('customer.created', { tenantId, customerId: id, source });
    return id;
  }

  /** Attaches an identity to a profile; if someone else got there first, the two profiles are merged. */
  private async claim(tenantId: string, k: IdentityKey, customerId: string): Promise<string> {
    let row;
    try {
      row = await IdentityModel.findOneAndUpdate(
        { tenantId, type: k.type, key: k.key },
        { $setOnInsert: { customerId: new Types.ObjectId(customerId) } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
    } catch (err) {
      // Two upserts raced on the unique index; the loser reads the winner's row.
      if (!isDuplicateKeyError(err)) throw err;
      row = await IdentityModel.findOne({ tenantId, type: k.type, key: k.key }).lean();
    }
    const owner = String(row!.customerId);
    if (owner !== customerId) return this.merges.merge(tenantId, owner, customerId, `${k.type} already belonged to another profile`);
    const $set: Record<string, unknown> = {};
    if (k.type === 'phone') $set.phone = k.value;
    await CustomerModel.updateOne(
      { tenantId, _id: customerId },
      { $addToSet: { identities: { type: k.type, value: k.value, ...(k.appId ? { appId: k.appId } : {}) } }, ...(Object.keys($set).length ? { $set } : {}) },
    );
    return customerId;
  }

  private async fillMissing(tenantId: string, customerId: string, attrs: CustomerAttributes): Promise<void> {
    const entries = Object.entries(attrs).filter(([, v]) => v !== undefined && v !== '');
    if (!entries.length) return;
    const current = await CustomerModel.findOne({ tenantId, _id: customerId }).lean();
    if (!current) return;
    const $set = Object.fromEntries(entries.filter(([k]) => !(current as any)[k] || (current as any)[k] === 'unknown'));
    if (Object.keys($set).length) await CustomerModel.updateOne({ tenantId, _id: customerId }, { $set });
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

  async findByIdentity(tenantId: string, input: IdentityInput): Promise<string | null> {
    const keys = identityKeys(input);
    const row = await IdentityModel.findOne({ tenantId, $or: keys.map((k) => ({ type: k.type, key: k.key })) }).lean();
    return row ? String(row.customerId) : null;
  }

  async search(tenantId: string, query: SearchQuery) {
    const filter: Record<string, unknown> = { tenantId, status: 'active' };
    if (query.q) {
      const rx = { $regex: escapeRegex(query.q.trim()), $options: 'i' };
      filter.$or = [{ name: rx }, { phone: rx }, { remark: rx }];
    }
    if (query.tag) filter.tags = query.tag;
    if (query.ownerStaffId) filter.ownerStaffId = query.ownerStaffId;
    if (query.visibleTo) filter.$and = [{ $or: [{ ownerStaffId: query.visibleTo }, { followerStaffIds: query.visibleTo }] }];
    const [items, total] = await Promise.all([
      CustomerModel.find(filter)
        .sort({ updatedAt: -1, _id: -1 })
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .select({ notes: 0 })
        .lean(),
      CustomerModel.countDocuments(filter),
    ]);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  async update(tenantId: string, id: string, attrs: CustomerAttributes) {
    const doc = await CustomerModel.findOneAndUpdate({ tenantId, _id: id, status: 'active' }, { $set: attrs }, { returnDocument: 'after' }).lean();
    if (!doc) throw notFound('Customer');
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

  /** Adds and removes tag ids; announces the change so WeCom's corp tags follow. */
  async tag(tenantId: string, id: string, add: string[], remove: string[], actorId?: string): Promise<string[]> {
    if (add.length) await CustomerModel.updateOne({ tenantId, _id: id, status: 'active' }, { $addToSet: { tags: { $each: add } } });
    // $pullAll, not $pull with $in: same meaning on MongoDB, and the embedded server rejects $in there.
    if (remove.length) await CustomerModel.updateOne({ tenantId, _id: id, status: 'active' }, { $pullAll: { tags: remove } });
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
      { $set: { 'wecom.relation': 'active' }, $min: { 'wecom.addedAt': change.at }, ...(change.staffId ? { $addToSet: { followerStaffIds: change.staffId } } : {}) },
    );
  }

  /**
   * A customer handed from one staff member to another (WeCom 在职/离职继承 completed): the taker
   * replaces the giver among the followers, and as owner when the giver owned the profile (or nobody
   * did). Conditional on the giver, so running it again changes nothing.
   */
  async handOver(tenantId: string, id: string, fromStaffId: string | undefined, toStaffId: string): Promise<void> {
    await CustomerModel.updateOne({ tenantId, _id: id }, { $addToSet: { followerStaffIds: toStaffId } });
    if (fromStaffId && fromStaffId !== toStaffId) await CustomerModel.updateOne({ tenantId, _id: id }, { $pull: { followerStaffIds: fromStaffId } });
    await CustomerModel.updateOne({ tenantId, _id: id, ownerStaffId: { $in: [null, '', ...(fromStaffId ? [fromStaffId] : [])] } }, { $set: { ownerStaffId: toStaffId } });
  }

  /** Applies aggregate changes from the events module in one bulk write. */
  async applyAggregates(tenantId: string, updates: Array<{ customerId: string; update: Record<string, unknown> }>): Promise<void> {
    if (!updates.length) return;
    await CustomerModel.bulkWrite(
      updates.map((u) => ({ updateOne: { filter: { tenantId, _id: new Types.ObjectId(u.customerId) }, update: u.update } })),
      { ordered: false },
    );
  }

  async setAggregates(tenantId: string, customerId: string, aggregates: Record<string, unknown>): Promise<void> {
    await CustomerModel.updateOne({ tenantId, _id: customerId }, { $set: { aggregates } });
  }
}
