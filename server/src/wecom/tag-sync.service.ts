import type { Deps } from '../shared/deps.js';
import type { TagService, TagView } from '../modules/tags/tag.service.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { HookPayloads } from '../shared/hooks.js';
import type { WecomClient } from './wecom.client.js';
import type { FollowUserTag } from './wecom-api.types.js';
import { isWecomErrcode } from './wecom.exception.js';
import { WecomFollowModel } from './external-contact.model.js';
import { WecomTagOpModel } from './wecom-sync.model.js';

/** The actor we tag customers as when the change came from WeCom, so it is not pushed back. */
export const WECOM_ACTOR = 'wecom-sync';
const MAX_ATTEMPTS = 10;

export type Enqueue = (name: string, data: Record<string, unknown>) => Promise<void>;

/**
 * Our tags mirror WeCom's corp tags both ways. WeCom → us: corp tags become tags carrying wecomTagId
 * (on change_external_tag and in full sync), and a contact's corp tags become the profile's tags.
 * Us → WeCom: a tag change in the SCRM is written to an outbox row and a job calls mark_tag, so a WeCom
 * outage never fails the staff member's request; the row stays pending and is retried.
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
    const seen = new Set<string>();
    let created = 0;
    let renamed = 0;
    for (const g of groups) {
      for (const t of g.tag.filter((x) => !x.deleted)) {
        seen.add(t.id);
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
      if (seen.has(wecomId)) continue;
      await this.tags.remove(tenantId, t.id, 'wecom');
      removed++;
    }
    return { created, renamed, removed };
  }

  /** Our tags that WeCom does not know yet become corp tags (add_corp_tag); returns ours → WeCom id. */
  async ensureCorpTags(tenantId: string, tagIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const t of await this.tags.byIds(tenantId, tagIds)) {
      if (t.wecomTagId) {
        out.set(t.id, t.wecomTagId);
        continue;
      }
      out.set(t.id, await this.createCorpTag(tenantId, t));
    }
    return out;
  }

  private async createCorpTag(tenantId: string, t: TagView): Promise<string> {
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
    await this.tags.ensure(tenantId, t.groupName, t.name, { wecomTagId, wecomGroupId });
    return wecomTagId;
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

  /** A renamed tag is renamed in WeCom; a deleted one deleted (already gone there counts as done). */
  private async pushTagDefinition(tenantId: string, tagId: string, change: string): Promise<void> {
    const [t] = await this.tags.byIds(tenantId, [tagId]);
    if (!t?.wecomTagId) return;
    if (change === 'removed') {
      await this.client.delCorpTag({ tag_id: [t.wecomTagId] }).catch((err) => {
        if (!isWecomErrcode(err, 40068)) throw err;
      });
    } else {
      // WeCom cannot move a tag between groups; the name and order follow.
      await this.client.editCorpTag({ id: t.wecomTagId, name: t.name, order: t.order });
    }
  }

  /** The job: mark_tag for every staff member who has the customer, or a tag's rename/delete. Safe to run twice. */
  async pushOp(opId: string): Promise<void> {
    const op = await WecomTagOpModel.findOne({ _id: opId, status: 'pending' }).lean();
    if (!op) return;
    try {
      if (op.kind === 'tag') {
        await this.pushTagDefinition(op.tenantId, op.tagId!, op.change!);
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
      await WecomTagOpModel.updateOne({ _id: opId }, { $set: { status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending', error: (err as Error).message }, $inc: { attempts: 1 } });
      throw err;
    }
  }

  /** Retries pushes left pending (WeCom was down, or the queue was). */
  async retryPending(olderThanMs = 30_000): Promise<number> {
    const before = new Date(this.deps.now().getTime() - olderThanMs);
    const ops = await WecomTagOpModel.find({ status: 'pending', updatedAt: { $lt: before } }).sort({ updatedAt: 1 }).limit(100).lean();
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
   * member's). Tags of ours without a WeCom id are left alone.
   */
  async applyContactTags(tenantId: string, customerId: string, wecomTags: Array<Pick<FollowUserTag, 'group_name' | 'tag_name' | 'tag_id' | 'type'>>): Promise<void> {
    const desired = new Map<string, string>();
    for (const t of wecomTags) {
      if (t.type !== 1 || !t.tag_id) continue;
      const known = (await this.tags.byWecomIds(tenantId, [t.tag_id]))[0];
      desired.set(t.tag_id, known?.id ?? (await this.tags.ensure(tenantId, t.group_name, t.tag_name, { wecomTagId: t.tag_id })).id);
    }
    const doc = await this.customers.get(tenantId, customerId);
    const current = await this.tags.byIds(tenantId, doc.tags ?? []);
    const mirrored = current.filter((t) => t.wecomTagId);
    const add = [...desired.values()].filter((id) => !(doc.tags ?? []).includes(id));
    const remove = mirrored.filter((t) => !desired.has(t.wecomTagId!)).map((t) => t.id);
    if (add.length || remove.length) await this.customers.tag(tenantId, String(doc._id), add, remove, WECOM_ACTOR);
  }

  /** The tag ids WeCom lists on a follow (batch/get_by_user gives ids only) as full tags. */
  async tagsFromIds(tenantId: string, wecomTagIds: string[]): Promise<Array<Pick<FollowUserTag, 'group_name' | 'tag_name' | 'tag_id' | 'type'>>> {
    const known = await this.tags.byWecomIds(tenantId, wecomTagIds);
    return known.map((t) => ({ group_name: t.groupName, tag_name: t.name, tag_id: t.wecomTagId, type: 1 as const }));
  }
}
