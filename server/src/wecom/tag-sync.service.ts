import type { Deps } from '../shared/deps.js';
import type { TagService, TagView } from '../modules/tags/tag.service.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { HookPayloads } from '../shared/hooks.js';
import type { WecomClient } from './wecom.client.js';
import type { FollowUserTag } from './wecom-api.types.js';
import { isWecomErrcode } from './wecom.exception.js';
import { WecomFollowModel } from './external-contact.model.js';
import { WecomTagOpModel } from './wecom-sync.model.js';

const loadOp = (opId: string) => WecomTagOpModel.findOne({ _id: opId, status: 'pending' }).lean();
type TagOp = NonNullable<Awaited<ReturnType<typeof loadOp>>>;

/** The actor we tag customers as when the change came from WeCom, so it is not pushed back. */
export const WECOM_ACTOR = 'wecom-sync';
const MAX_ATTEMPTS = 10;

export interface TagSyncState {
  state: 'synced' | 'local' | 'pending' | 'failed';
  wecomTagId?: string;
  error?: string;
  at?: Date;
  attempts?: number;
}

export type Enqueue = (name: string, data: Record<string, unknown>) => Promise<void>;

/**
 * Our tags mirror WeCom's corp tags both ways. WeCom → us: corp tags become tags carrying wecomTagId
 * (on change_external_tag and in full sync), and a contact's corp tags become the profile's tags.
 * Us → WeCom: a tag change in the SCRM is written to an outbox row and a job calls mark_tag, so a WeCom
 * outage never fails the staff member's request; the row stays pending and is retried. While a tag's
 * change is pending, ours leads: reads from WeCom neither undo it nor split a moving tag in two.
 */
export class TagSyncService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly tags: TagService,
    private readonly customers: CustomerService,
    private readonly enqueue: Enqueue,
  ) {}

  /** Mirrors every WeCom corp tag into our tags: creates, renames, and retires the ones WeCom deleted. */
  async pullCorpTags(tenantId: string): Promise<{ created: number; renamed: number; removed: number }> {
    const groups = await this.client.getCorpTagList();
    const ours = await this.tags.list(tenantId);
    const byWecomId = new Map(ours.filter((t) => t.wecomTagId).map((t) => [t.wecomTagId!, t]));
    const pending = await this.pendingTags(tenantId);
    const seen = new Set<string>();
    let created = 0;
    let renamed = 0;
    for (const g of groups) {
      for (const t of g.tag.filter((x) => !x.deleted)) {
        seen.add(t.id);
        if (pending.wecomIds.has(t.id)) continue;
        const mine = byWecomId.get(t.id);
        if (!mine) {
          await this.tags.ensure(tenantId, g.group_name, t.name, { wecomTagId: t.id, wecomGroupId: g.group_id, order: t.order });
          created++;
        } else if (mine.name !== t.name || mine.groupName !== g.group_name) {
          await this.tags.rename(tenantId, mine.id, { name: t.name, groupName: g.group_name }, 'wecom');
          renamed++;
        }
      }
    }
    let removed = 0;
    for (const [wecomId, t] of byWecomId) {
      if (seen.has(wecomId) || pending.tagIds.has(t.id)) continue;
      await this.tags.remove(tenantId, t.id, 'wecom');
      removed++;
    }
    return { created, renamed, removed };
  }

  /** Our tags that WeCom does not know yet become corp tags (add_corp_tag); returns ours → WeCom id (deleted tags left out). */
  async ensureCorpTags(tenantId: string, tagIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const t of await this.tags.byIds(tenantId, tagIds)) {
      // Deleted meanwhile (a tagging's push still queued): not to be re-created in WeCom, nor here.
      if (t.deleted) continue;
      if (t.wecomTagId) {
        out.set(t.id, t.wecomTagId);
        continue;
      }
      const ids = await this.addCorpTag(t);
      // Linked by id (ensure would revive a tag deleted meanwhile); deleted meanwhile, its delete push
      // may have found nothing to delete yet, so the corp tag just made goes too.
      await this.tags.linkWecom(tenantId, t.id, ids);
      if ((await this.tags.byIds(tenantId, [t.id]))[0]?.deleted) {
        await this.delCorpTag(ids.wecomTagId);
        continue;
      }
      out.set(t.id, ids.wecomTagId);
    }
    return out;
  }

  /** add_corp_tag for our tag in its group; a name WeCom already has there is adopted. */
  private async addCorpTag(t: TagView): Promise<{ wecomTagId: string; wecomGroupId?: string }> {
    let wecomTagId: string | undefined;
    let wecomGroupId: string | undefined;
    try {
      // An existing group_name makes WeCom add the tag into that group.
      const g = await this.client.addCorpTag({ group_name: t.groupName, tag: [{ name: t.name, order: t.order }] });
      wecomTagId = g.tag[0]?.id;
      wecomGroupId = g.group_id;
    } catch (err) {
      // 40071: the name exists in WeCom already (created there, or by an earlier attempt): adopt it.
      if (!isWecomErrcode(err, 40071)) throw err;
      const g = (await this.client.getCorpTagList()).find((x) => x.group_name === t.groupName);
      wecomTagId = g?.tag.find((x) => x.name === t.name)?.id;
      wecomGroupId = g?.group_id;
    }
    if (!wecomTagId) throw new Error(`WeCom did not return an id for tag ${t.groupName}/${t.name}`);
    return { wecomTagId, wecomGroupId };
  }

  /**
   * Our tags with a rename, move or delete not yet pushed, and their WeCom ids (a move's old and new
   * corp tag both) → our tag id. Until the push, WeCom shows the old state.
   */
  private async pendingTags(tenantId: string): Promise<{ tagIds: Set<string>; wecomIds: Map<string, string> }> {
    const ops = await WecomTagOpModel.find({ tenantId, kind: 'tag', status: 'pending' }, { tagId: 1, move: 1 }).lean();
    if (!ops.length) return { tagIds: new Set(), wecomIds: new Map() };
    const tagIds = new Set(ops.map((o) => o.tagId!));
    const wecomIds = new Map<string, string>();
    for (const t of await this.tags.byIds(tenantId, [...tagIds])) if (t.wecomTagId) wecomIds.set(t.wecomTagId, t.id);
    for (const o of ops) for (const id of [o.move?.from, o.move?.to]) if (id) wecomIds.set(id, o.tagId!);
    return { tagIds, wecomIds };
  }

  /**
   * Where each tag stands with WeCom, for the 标签 page: 'failed' (a push gave up; its error), 'pending'
   * (a push waits or is being retried; its error so far), 'synced' (a corp tag mirrors it) or 'local'
   * (WeCom gets it on its first use). `at` is when the push last moved; `lastPushAt` the tenant's last
   * finished push.
   */
  async tagStates(tenantId: string, tags: TagView[]): Promise<{ states: Map<string, TagSyncState>; lastPushAt?: Date }> {
    const ids = tags.map((t) => t.id);
    const open = ids.length
      ? await WecomTagOpModel.find(
          { tenantId, status: { $in: ['pending', 'failed'] }, $or: [{ tagId: { $in: ids } }, { addTagIds: { $in: ids } }, { removeTagIds: { $in: ids } }] },
          { tagId: 1, addTagIds: 1, removeTagIds: 1, status: 1, error: 1, attempts: 1, updatedAt: 1 },
        )
          .sort({ updatedAt: 1 })
          .lean()
      : [];
    const states = new Map<string, TagSyncState>();
    for (const t of tags) states.set(t.id, { state: t.wecomTagId ? 'synced' : 'local', wecomTagId: t.wecomTagId });
    for (const op of open) {
      for (const id of new Set([op.tagId, ...op.addTagIds, ...op.removeTagIds])) {
        const s = id && states.get(id);
        if (!s || s.state === 'failed') continue;
        Object.assign(s, { state: op.status as 'pending' | 'failed', error: op.error ?? undefined, at: op.updatedAt, attempts: op.attempts });
      }
    }
    const last = await WecomTagOpModel.findOne({ status: 'done', tenantId }, { updatedAt: 1 }).sort({ updatedAt: -1 }).lean();
    return { states, lastPushAt: last?.updatedAt ?? undefined };
  }

  /** Hook handler for 'customer.tagged': queue the mark_tag unless the change came from WeCom itself. */
  async onCustomerTagged(p: HookPayloads['customer.tagged']): Promise<void> {
    if (p.actorId === WECOM_ACTOR || (!p.added.length && !p.removed.length)) return;
    const op = await WecomTagOpModel.create({ tenantId: p.tenantId, customerId: p.customerId, addTagIds: p.added, removeTagIds: p.removed });
    await this.enqueue('wecom.push-tags', { opId: String(op._id) }).catch((err) =>
      this.deps.log.warn({ err: (err as Error).message }, 'could not queue the WeCom tag push; the retry job will pick it up'),
    );
  }

  /** Hook handler for 'tag.changed': a rename or delete made here is queued for WeCom's corp tags. */
  async onTagChanged(p: HookPayloads['tag.changed']): Promise<void> {
    if (p.source === 'wecom') return;
    const op = await WecomTagOpModel.create({ tenantId: p.tenantId, kind: 'tag', tagId: p.tagId, change: p.change });
    await this.enqueue('wecom.push-tags', { opId: String(op._id) }).catch((err) =>
      this.deps.log.warn({ err: (err as Error).message }, 'could not queue the WeCom tag push; the retry job will pick it up'),
    );
  }

  /**
   * A renamed tag is renamed in WeCom, a moved one re-created in its new group (moveCorpTag); a deleted
   * one deleted. A tag WeCom does not know yet needs nothing: its first mark creates it where it is.
   */
  private async pushTagDefinition(op: TagOp): Promise<void> {
    const [t] = await this.tags.byIds(op.tenantId, [op.tagId!]);
    if (!t?.wecomTagId) return;
    if (op.change === 'removed') return this.delCorpTag(t.wecomTagId);
    let from = op.move?.from;
    if (!from) {
      const [where] = await this.client.getCorpTagList({ tag_id: [t.wecomTagId] });
      if (!where || where.group_name === t.groupName) {
        await this.client.editCorpTag({ id: t.wecomTagId, name: t.name, order: t.order });
        return;
      }
      from = t.wecomTagId;
      await WecomTagOpModel.updateOne({ _id: op._id }, { $set: { 'move.from': from } });
    }
    await this.moveCorpTag(op, t, from);
  }

  /**
   * WeCom has no move between groups: add_corp_tag in the new group, mark the new id on every active
   * follow of every customer with the tag, then del_corp_tag the old one (WeCom takes it off every
   * contact, and drops its group with its last tag). Each step's result is saved on the op row (and
   * add_corp_tag adopts the name if only the save was lost), so a retry continues where it stopped
   * with no second corp tag; marking a follow twice is harmless.
   */
  private async moveCorpTag(op: TagOp, t: TagView, from: string): Promise<void> {
    let { to, toGroupId } = op.move ?? {};
    if (!to) {
      ({ wecomTagId: to, wecomGroupId: toGroupId } = await this.addCorpTag(t));
      await WecomTagOpModel.updateOne({ _id: op._id }, { $set: { 'move.to': to, 'move.toGroupId': toGroupId } });
    }
    // Linked before marking, so a customer tagged meanwhile is marked with the new id by their own push.
    await this.tags.linkWecom(op.tenantId, t.id, { wecomTagId: to, wecomGroupId: toGroupId ?? undefined });
    for (let after = op.move?.after ?? null; ;) {
      const page = await this.customers.taggedPage(op.tenantId, t.id, after);
      if (!page.length) break;
      const follows = await WecomFollowModel.find({ tenantId: op.tenantId, customerId: { $in: page.map((c) => c._id) }, status: 'active' }).lean();
      for (const f of follows) {
        await this.client.markTag({ userid: f.userid, external_userid: f.externalUserId, add_tag: [to] }).catch((err) => {
          // 84061: WeCom no longer has this relation (our row is behind), so there is nothing to mark.
          if (!isWecomErrcode(err, 84061)) throw err;
        });
      }
      after = page[page.length - 1]._id;
      await WecomTagOpModel.updateOne({ _id: op._id }, { $set: { 'move.after': after } });
    }
    await this.delCorpTag(from);
  }

  /** Already gone in WeCom (40068) counts as done. */
  private async delCorpTag(wecomTagId: string): Promise<void> {
    await this.client.delCorpTag({ tag_id: [wecomTagId] }).catch((err) => {
      if (!isWecomErrcode(err, 40068)) throw err;
    });
  }

  /** The job: mark_tag for every staff member who has the customer, or a tag's rename/move/delete. Safe to run twice. */
  async pushOp(opId: string): Promise<void> {
    const op = await loadOp(opId);
    if (!op) return;
    try {
      if (op.kind === 'tag') {
        await this.pushTagDefinition(op);
        await WecomTagOpModel.updateOne({ _id: opId }, { $set: { status: 'done' }, $inc: { attempts: 1 }, $unset: { error: 1 } });
        return;
      }
      const ids = await this.ensureCorpTags(op.tenantId, [...op.addTagIds, ...op.removeTagIds]);
      const add = op.addTagIds.map((t) => ids.get(t)).filter(Boolean) as string[];
      const remove = op.removeTagIds.map((t) => ids.get(t)).filter(Boolean) as string[];
      const follows = await WecomFollowModel.find({ tenantId: op.tenantId, customerId: op.customerId, status: 'active' }).lean();
      for (const f of follows) {
        if (add.length || remove.length) await this.client.markTag({ userid: f.userid, external_userid: f.externalUserId, add_tag: add, remove_tag: remove });
      }
      await WecomTagOpModel.updateOne({ _id: opId }, { $set: { status: 'done' }, $inc: { attempts: 1 }, $unset: { error: 1 } });
    } catch (err) {
      const attempts = op.attempts + 1;
      await WecomTagOpModel.updateOne(
        { _id: opId },
        { $set: { status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending', error: (err as Error).message }, $inc: { attempts: 1 } },
      );
      throw err;
    }
  }

  /** Retries pushes left pending (WeCom was down, or the queue was). */
  async retryPending(olderThanMs = 30_000): Promise<number> {
    const before = new Date(this.deps.now().getTime() - olderThanMs);
    const ops = await WecomTagOpModel.find({ status: 'pending', updatedAt: { $lt: before } })
      .sort({ updatedAt: 1 })
      .limit(100)
      .lean();
    let done = 0;
    for (const op of ops) {
      try {
        await this.pushOp(String(op._id));
        done++;
      } catch {
        /* recorded on the row; next round */
      }
    }
    return done;
  }

  /**
   * Makes the profile's WeCom-mirrored tags equal the corp tags WeCom shows on the contact (any staff
   * member's). Tags of ours without a WeCom id are left alone; during a move either corp tag is ours.
   */
  async applyContactTags(
    tenantId: string,
    customerId: string,
    wecomTags: Array<Pick<FollowUserTag, 'group_name' | 'tag_name' | 'tag_id' | 'type'>>,
  ): Promise<void> {
    const { wecomIds } = await this.pendingTags(tenantId);
    const desired = new Set<string>();
    for (const t of wecomTags) {
      if (t.type !== 1 || !t.tag_id) continue;
      const known = wecomIds.get(t.tag_id) ?? (await this.tags.byWecomIds(tenantId, [t.tag_id]))[0]?.id;
      desired.add(known ?? (await this.tags.ensure(tenantId, t.group_name, t.tag_name, { wecomTagId: t.tag_id })).id);
    }
    const doc = await this.customers.get(tenantId, customerId);
    const current = await this.tags.byIds(tenantId, doc.tags ?? []);
    const mirrored = current.filter((t) => t.wecomTagId);
    const add = [...desired].filter((id) => !(doc.tags ?? []).includes(id));
    const remove = mirrored.filter((t) => !desired.has(t.id)).map((t) => t.id);
    if (add.length || remove.length) await this.customers.tag(tenantId, String(doc._id), add, remove, WECOM_ACTOR);
  }

  /** The tag ids WeCom lists on a follow (batch/get_by_user gives ids only) as full tags; a moving tag's old id included. */
  async tagsFromIds(tenantId: string, wecomTagIds: string[]): Promise<Array<Pick<FollowUserTag, 'group_name' | 'tag_name' | 'tag_id' | 'type'>>> {
    const { wecomIds } = await this.pendingTags(tenantId);
    const known = new Map((await this.tags.byWecomIds(tenantId, wecomTagIds)).map((t) => [t.wecomTagId!, t]));
    const moving = new Map((await this.tags.byIds(tenantId, [...wecomIds.values()])).map((t) => [t.id, t]));
    return wecomTagIds.flatMap((id) => {
      const t = known.get(id) ?? moving.get(wecomIds.get(id) ?? '');
      return t ? [{ group_name: t.groupName, tag_name: t.name, tag_id: id, type: 1 as const }] : [];
    });
  }
}
