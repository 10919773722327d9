import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import { AppError, CommonErrorCode, conflict, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { TagModel } from './tag.model.js';

export interface TagView {
  id: string;
  groupName: string;
  name: string;
  order: number;
  wecomTagId?: string;
  wecomGroupId?: string;
}
const view = (t: any): TagView => ({ id: String(t._id), groupName: t.groupName, name: t.name, order: t.order, wecomTagId: t.wecomTagId ?? undefined, wecomGroupId: t.wecomGroupId ?? undefined });

export class TagService {
  constructor(private readonly deps: Deps, private readonly hooks?: DomainHooks) {}

  async list(tenantId: string): Promise<TagView[]> {
    return (await TagModel.find({ tenantId, deleted: false }).sort({ groupName: 1, order: 1, name: 1 }).lean()).map(view);
  }

  /** Creates a tag, or returns the existing one with the same group and name (idempotent). */
  async ensure(tenantId: string, groupName: string, name: string, extra: { wecomTagId?: string; wecomGroupId?: string; order?: number } = {}): Promise<TagView> {
    try {
      const doc = await TagModel.findOneAndUpdate(
        { tenantId, groupName, name },
        { $setOnInsert: { tenantId, groupName, name, order: extra.order ?? 0 }, $set: { deleted: false, ...(extra.wecomTagId ? { wecomTagId: extra.wecomTagId, wecomGroupId: extra.wecomGroupId } : {}) } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      return view(doc);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return view(await TagModel.findOne({ tenantId, groupName, name }).lean());
    }
  }

  async rename(tenantId: string, id: string, patch: { name?: string; groupName?: string; order?: number }, source = 'api'): Promise<TagView> {
    try {
      const doc = await TagModel.findOneAndUpdate({ tenantId, _id: id, deleted: false }, { $set: patch }, { returnDocument: 'after' }).lean();
      if (!doc) throw notFound('Tag');
      await this.hooks?.emit('tag.changed', { tenantId, tagId: id, change: 'updated', source });
      return view(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('TAG_EXISTS', 'A tag with that name already exists in the group');
      throw err;
    }
  }

  /** Records the WeCom corp tag now standing for this tag (a move replaces it); WeCom's own state, so no hook. */
  async linkWecom(tenantId: string, id: string, ids: { wecomTagId: string; wecomGroupId?: string }): Promise<void> {
    await TagModel.updateOne({ tenantId, _id: id }, { $set: ids });
  }

  async remove(tenantId: string, id: string, source = 'api'): Promise<TagView> {
    const doc = await TagModel.findOneAndUpdate({ tenantId, _id: id }, { $set: { deleted: true } }, { returnDocument: 'after' }).lean();
    if (!doc) throw notFound('Tag');
    await this.hooks?.emit('tag.changed', { tenantId, tagId: id, change: 'removed', source });
    return view(doc);
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
    if (found !== new Set(ids).size) throw new AppError(CommonErrorCode.VALIDATION, 'One or more tags do not exist; pick tags from GET /api/v1/tags', { status: 400 });
  }
}
