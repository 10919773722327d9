import type { Deps } from '../../shared/deps.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { StaffService } from '../staff/staff.service.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import { isWecomErrcode } from '../../wecom/wecom.exception.js';
import { CustomerGroupModel } from './customer-group.model.js';
import { CustomerGroupDepartureModel } from './customer-group-departure.model.js';
import { isDuplicateKeyError } from '../../shared/db.js';

/** The console's table of groups: filters, sort and page. */
export interface GroupPageQuery {
  status?: 'active' | 'dismissed';
  ownerStaffId?: string;
  /** Part of the group's name. */
  q?: string;
  sort: 'updatedAt' | 'memberCount' | 'createdInWecomAt';
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
  /** Joins and leaves are counted from this time on. */
  since: Date;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Customer groups (客户群) mirrored from WeCom. Every change event re-reads the group with
 * groupchat/get and replaces our copy, so a missed or reordered member event cannot leave it wrong.
 * External members get a profile (by external_userid and unionid) so a group can be an audience.
 */
export class CustomerGroupService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly s: { customers: CustomerService; staff: StaffService },
  ) {}

  async refresh(tenantId: string, chatId: string): Promise<void> {
    let g;
    try {
      g = await this.client.groupChatGet(chatId);
    } catch (err) {
      // The group is gone in WeCom (dismissed before we looked): a group we knew is dismissed. One we
      // never knew stays unknown: the sidebar asks for any chat id a caller sends, and each used to
      // leave a row behind.
      if (isWecomErrcode(err, 40050)) return this.dismiss(tenantId, chatId, { onlyKnown: true });
      throw err;
    }
    const members = [];
    for (const m of g.member_list) {
      const customerId =
        m.type === 2
          ? await this.s.customers.identify(
              tenantId,
              { externalUserId: m.userid, unionId: m.unionid || undefined },
              { name: m.name || m.group_nickname || undefined },
              'wecom-group',
            )
          : undefined;
      members.push({
        userid: m.userid,
        type: m.type,
        joinedAt: new Date(m.join_time * 1000),
        joinScene: m.join_scene,
        name: m.name || m.group_nickname,
        customerId,
      });
    }
    const owner = await this.s.staff.findByWecomUserId(tenantId, g.owner);
    const before = await CustomerGroupModel.findOne({ tenantId, chatId }, { members: 1 }).lean();
    await this.recordDepartures(tenantId, chatId, before?.members ?? [], members);
    await CustomerGroupModel.updateOne(
      { tenantId, chatId },
      {
        $set: {
          name: g.name,
          ownerUserid: g.owner,
          ownerStaffId: owner?.id,
          notice: g.notice,
          status: 'active',
          members,
          memberCount: members.length,
          createdInWecomAt: new Date(g.create_time * 1000),
        },
        $unset: { dismissedAt: 1 },
      },
      { upsert: true },
    );
  }

  async dismiss(tenantId: string, chatId: string, options: { onlyKnown?: boolean } = {}): Promise<void> {
    await CustomerGroupModel.updateOne(
      { tenantId, chatId },
      { $set: { status: 'dismissed', dismissedAt: this.deps.now() }, $setOnInsert: { name: '' } },
      { upsert: !options.onlyKnown },
    );
  }

  async list(tenantId: string, filter: { status?: 'active' | 'dismissed'; ownerStaffId?: string } = {}) {
    const q: Record<string, unknown> = { tenantId };
    if (filter.status) q.status = filter.status;
    if (filter.ownerStaffId) q.ownerStaffId = filter.ownerStaffId;
    const docs = await CustomerGroupModel.find(q).sort({ updatedAt: -1 }).limit(500).lean();
    return docs.map((d) => ({
      id: String(d._id),
      chatId: d.chatId,
      name: d.name,
      ownerStaffId: d.ownerStaffId,
      ownerUserid: d.ownerUserid,
      status: d.status,
      memberCount: d.memberCount,
      members: d.members,
      dismissedAt: d.dismissedAt,
    }));
  }

  /** Members in `before` and not in `after` left; each stay is recorded once (unique index). */
  private async recordDepartures(
    tenantId: string,
    chatId: string,
    before: Array<{ userid: string; type: number; name?: string | null; customerId?: string | null; joinedAt?: Date | null }>,
    after: Array<{ userid: string }>,
  ) {
    const still = new Set(after.map((m) => m.userid));
    for (const m of before.filter((x) => !still.has(x.userid))) {
      try {
        await CustomerGroupDepartureModel.create({
          tenantId,
          chatId,
          userid: m.userid,
          type: m.type,
          name: m.name ?? undefined,
          customerId: m.customerId ?? undefined,
          joinedAt: m.joinedAt ?? null,
          leftAt: this.deps.now(),
        });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
  }

  /**
   * One page of groups for the console: each with its owner, members (customers among them), who
   * joined and who left since `since`, the tags its customers carry most, and when it was last synced.
   */
  async page(tenantId: string, query: GroupPageQuery) {
    const q: Record<string, unknown> = { tenantId };
    if (query.status) q.status = query.status;
    if (query.ownerStaffId) q.ownerStaffId = query.ownerStaffId;
    if (query.q) q.name = { $regex: escapeRegex(query.q), $options: 'i' };
    const dir = query.order === 'asc' ? 1 : -1;
    const [docs, total] = await Promise.all([
      CustomerGroupModel.find(q)
        .sort({ [query.sort]: dir, _id: dir })
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .lean(),
      CustomerGroupModel.countDocuments(q),
    ]);
    const leaves = await Promise.all(
      docs.map((d) => CustomerGroupDepartureModel.countDocuments({ tenantId, chatId: d.chatId, leftAt: { $gte: query.since } })),
    );
    const profiles = await this.s.customers.getMany(tenantId, docs.flatMap((d) => d.members.map((m) => m.customerId ?? '')).filter(Boolean));
    const tagsOf = new Map(profiles.map((p) => [p.linkedId, (p.doc.tags ?? []) as string[]]));
    const items = docs.map((d, i) => {
      const counts = new Map<string, number>();
      for (const m of d.members) for (const tag of m.customerId ? (tagsOf.get(m.customerId) ?? []) : []) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      return {
        id: String(d._id),
        chatId: d.chatId,
        name: d.name,
        ownerStaffId: d.ownerStaffId,
        ownerUserid: d.ownerUserid,
        status: d.status,
        memberCount: d.memberCount,
        customerCount: d.members.filter((m) => m.type === 2).length,
        joined: d.members.filter((m) => m.joinedAt && m.joinedAt >= query.since).length,
        left: leaves[i],
        topTags: [...counts.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([tagId, customers]) => ({ tagId, customers })),
        createdInWecomAt: d.createdInWecomAt,
        dismissedAt: d.dismissedAt,
        syncedAt: (d as { updatedAt?: Date }).updatedAt,
      };
    });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  /** One group with its members (each customer with its tags) and who left lately, newest first. */
  async detail(tenantId: string, chatId: string) {
    const g = await CustomerGroupModel.findOne({ tenantId, chatId }).lean();
    if (!g) return null;
    const profiles = await this.s.customers.getMany(tenantId, g.members.map((m) => m.customerId ?? '').filter(Boolean));
    const byId = new Map(profiles.map((p) => [p.linkedId, p.doc]));
    const departures = await CustomerGroupDepartureModel.find({ tenantId, chatId }).sort({ leftAt: -1 }).limit(50).lean();
    return {
      id: String(g._id),
      chatId: g.chatId,
      name: g.name,
      notice: g.notice,
      ownerStaffId: g.ownerStaffId,
      ownerUserid: g.ownerUserid,
      status: g.status,
      memberCount: g.memberCount,
      syncedAt: (g as { updatedAt?: Date }).updatedAt,
      members: g.members.map((m) => {
        const p = m.customerId ? byId.get(m.customerId) : undefined;
        return {
          userid: m.userid,
          type: m.type,
          name: m.name,
          joinedAt: m.joinedAt,
          joinScene: m.joinScene,
          customerId: p ? String(p._id) : undefined,
          ownerStaffId: p?.ownerStaffId,
          tags: (p?.tags ?? []) as string[],
        };
      }),
      departures: departures.map((d) => ({ userid: d.userid, type: d.type, name: d.name, customerId: d.customerId, joinedAt: d.joinedAt, leftAt: d.leftAt })),
    };
  }

  async get(tenantId: string, chatId: string) {
    return CustomerGroupModel.findOne({ tenantId, chatId }).lean();
  }

  /** The standing groups a member owns (a group transfer's subject): chat id and name. */
  async ownedBy(tenantId: string, ownerUserid: string): Promise<Array<{ chatId: string; name?: string | null }>> {
    return CustomerGroupModel.find({ tenantId, ownerUserid, status: 'active' }, { chatId: 1, name: 1 }).lean();
  }

  countOwnedBy(tenantId: string, ownerUserid: string): Promise<number> {
    return CustomerGroupModel.countDocuments({ tenantId, ownerUserid, status: 'active' });
  }

  /** A transfer gave the group a new owner; WeCom's change_owner callback refreshes it too, this shows it at once. */
  async setOwner(tenantId: string, chatId: string, owner: { userid: string; staffId?: string }): Promise<void> {
    await CustomerGroupModel.updateOne({ tenantId, chatId }, { $set: { ownerUserid: owner.userid, ownerStaffId: owner.staffId } });
  }

  /** Hook handler for 'customer.merged': group memberships follow the surviving profile. */
  async onMerged(p: { tenantId: string; fromId: string; toId: string }): Promise<void> {
    // Group copies are replaced whole on every WeCom event, so rewriting the members array here is safe.
    for (const g of await CustomerGroupModel.find({ tenantId: p.tenantId, 'members.customerId': p.fromId }, { members: 1 }).lean()) {
      const members = g.members.map((m) => (m.customerId === p.fromId ? { ...m, customerId: p.toId } : m));
      await CustomerGroupModel.updateOne({ _id: g._id }, { $set: { members } });
    }
  }
}
