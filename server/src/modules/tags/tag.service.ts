import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import { AppError, CommonErrorCode, conflict, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError, type LeanDoc } from '../../shared/db.js';
import { TagModel } from './tag.model.js';

export interface TagView {
  id: string;
  groupName: string;
  name: string;
  order: number;
  wecomTagId?: string;
  wecomGroupId?: string;
  /** Only on a deleted tag (byIds returns those too, for WeCom's pushes). */
  deleted?: true;
}
/** What the tag service needs of the customers: counts and untagging in bulk. */
export interface TaggedCustomers {
  countTagged(tenantId: string, tagId: string): Promise<number>;
  untagAll(tenantId: string, tagIds: string[]): Promise<number>;
}

export interface TagGroupView {
  name: string;
  tags: Array<TagView & { customers: number }>;
}

const view = (t: LeanDoc<typeof TagModel>): TagView => ({
  id: String(t._id),
  groupName: t.groupName,
  name: t.name,
  order: t.order,
  wecomTagId: t.wecomTagId ?? undefined,
  wecomGroupId: t.wecomGroupId ?? undefined,
  ...(t.deleted ? { deleted: true } : {}),
});

export class TagService {
  constructor(
    private readonly deps: Deps,
    private readonly hooks?: DomainHooks,
    private readonly customers?: TaggedCustomers,
  ) {}

  async list(tenantId: string): Promise<TagView[]> {
    return (await TagModel.find({ tenantId, deleted: false }).sort({ groupName: 1, order: 1, name: 1 }).lean()).map(view);
  }

  /** Creates a tag, or returns the existing one with the same group and name (idempotent). */
  async ensure(
    tenantId: string,
    groupName: string,
    name: string,
    extra: { wecomTagId?: string; wecomGroupId?: string; order?: number } = {},
  ): Promise<TagView> {
    // A deleted tag made again here: its corp tag was deleted in WeCom, so it starts unlinked (the
    // next tagging creates a fresh one) instead of marking customers with a dead WeCom id.
    if (!extra.wecomTagId) await TagModel.updateOne({ tenantId, groupName, name, deleted: true }, { $unset: { wecomTagId: 1, wecomGroupId: 1 } });
    try {
      const doc = await TagModel.findOneAndUpdate(
        { tenantId, groupName, name },
        {
          $setOnInsert: { tenantId, groupName, name, order: extra.order ?? 0 },
          $set: { deleted: false, ...(extra.wecomTagId ? { wecomTagId: extra.wecomTagId, wecomGroupId: extra.wecomGroupId } : {}) },
        },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      return view(doc);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // The unique key was taken: the tag is there.
      return view((await TagModel.findOne({ tenantId, groupName, name }).lean())!);
    }
  }

  async rename(tenantId: string, id: string, patch: { name?: string; groupName?: string; order?: number }, source = 'api', retry = true): Promise<TagView> {
    try {
      const doc = await TagModel.findOneAndUpdate({ tenantId, _id: id, deleted: false }, { $set: patch }, { returnDocument: 'after' }).lean();
      if (!doc) throw notFound('Tag');
      await this.hooks?.emit('tag.changed', { tenantId, tagId: id, change: 'updated', source });
      return view(doc);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      if (!retry) throw conflict('TAG_EXISTS', 'A tag with that name already exists in the group');
      // A deleted tag still holds the name (kept for the WeCom push): step it aside, then try once more.
      const cur = await TagModel.findOne({ tenantId, _id: id }).lean();
      const target = { groupName: patch.groupName ?? cur?.groupName, name: patch.name ?? cur?.name };
      const holder = await TagModel.findOne({ tenantId, ...target, deleted: true }, { _id: 1 }).lean();
      if (!holder) throw conflict('TAG_EXISTS', 'A tag with that name already exists in the group');
      await TagModel.updateOne({ _id: holder._id, deleted: true }, { $set: { name: `${target.name}~deleted~${String(holder._id)}` } });
      return this.rename(tenantId, id, patch, source, false);
    }
  }

  /** Records the WeCom corp tag now standing for this tag (a move replaces it); WeCom's own state, so no hook. */
  async linkWecom(tenantId: string, id: string, ids: { wecomTagId: string; wecomGroupId?: string }): Promise<void> {
    await TagModel.updateOne({ tenantId, _id: id }, { $set: ids });
  }

  /**
   * Deletes a tag: marked deleted first (so nobody can be tagged with it any more, and a retry finds
   * it again), then taken off every customer in one write; 'tag.changed' queues WeCom's del_corp_tag.
   */
  async remove(tenantId: string, id: string, source = 'api'): Promise<TagView & { customers: number }> {
    const doc = await TagModel.findOneAndUpdate({ tenantId, _id: id }, { $set: { deleted: true } }, { returnDocument: 'after' }).lean();
    if (!doc) throw notFound('Tag');
    const customers = (await this.customers?.untagAll(tenantId, [id])) ?? 0;
    await this.hooks?.emit('tag.changed', { tenantId, tagId: id, change: 'removed', source });
    return { ...view(doc), customers };
  }

  /** Deletes every tag of a group (WeCom drops a group with its last tag); one untag write for all. */
  async removeGroup(tenantId: string, groupName: string, source = 'api'): Promise<{ groupName: string; tags: number; customers: number }> {
    const docs = await TagModel.find({ tenantId, groupName, deleted: false }, { _id: 1 }).lean();
    if (!docs.length) throw notFound('Tag group');
    const ids = docs.map((d) => String(d._id));
    await TagModel.updateMany({ tenantId, _id: { $in: ids } }, { $set: { deleted: true } });
    const customers = (await this.customers?.untagAll(tenantId, ids)) ?? 0;
    for (const tagId of ids) await this.hooks?.emit('tag.changed', { tenantId, tagId, change: 'removed', source });
    return { groupName, tags: ids.length, customers };
  }

  /** Groups with their tags, each with how many active customers carry it (one indexed count per tag). */
  async overview(tenantId: string): Promise<TagGroupView[]> {
    const tags = await this.list(tenantId);
    const counts = await Promise.all(tags.map((t) => this.customers?.countTagged(tenantId, t.id) ?? 0));
    const groups = new Map<string, TagGroupView>();
    tags.forEach((t, i) => {
      const g = groups.get(t.groupName) ?? { name: t.groupName, tags: [] };
      g.tags.push({ ...t, customers: counts[i] });
      groups.set(t.groupName, g);
    });
    return [...groups.values()];
  }

  async byIds(tenantId: string, ids: string[]): Promise<TagView[]> {
    const valid = ids.filter((i) => Types.ObjectId.isValid(i));
    // No ids, no round trip (contact sync asks for the moving tags on every contact, usually none).
    if (!valid.length) return [];
    return (await TagModel.find({ tenantId, _id: { $in: valid } }).lean()).map(view);
  }

  async byWecomIds(tenantId: string, wecomTagIds: string[]): Promise<TagView[]> {
    return (await TagModel.find({ tenantId, wecomTagId: { $in: wecomTagIds }, deleted: false }).lean()).map(view);
  }

  async assertExist(tenantId: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const found = await TagModel.countDocuments({ tenantId, _id: { $in: ids }, deleted: false });
    if (found !== new Set(ids).size)
      throw new AppError(CommonErrorCode.VALIDATION, 'One or more tags do not exist; pick tags from GET /api/v1/tags', { status: 400 });
  }
}
