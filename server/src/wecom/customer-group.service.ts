import type { Deps } from '../shared/deps.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { StaffService } from '../modules/staff/staff.service.js';
import type { WecomClient } from './wecom.client.js';
import { isWecomErrcode } from './wecom.exception.js';
import { CustomerGroupModel } from './customer-group.model.js';

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
          ? await this.s.customers.identify(tenantId, { externalUserId: m.userid, unionId: m.unionid || undefined }, { name: m.name || m.group_nickname || undefined }, 'wecom-group')
          : undefined;
      members.push({ userid: m.userid, type: m.type, joinedAt: new Date(m.join_time * 1000), joinScene: m.join_scene, name: m.name || m.group_nickname, customerId });
    }
    const owner = await this.s.staff.findByWecomUserId(tenantId, g.owner);
    await CustomerGroupModel.updateOne(
      { tenantId, chatId },
      {
        $set: { name: g.name, ownerUserid: g.owner, ownerStaffId: owner?.id, notice: g.notice, status: 'active', members, memberCount: members.length, createdInWecomAt: new Date(g.create_time * 1000) },
        $unset: { dismissedAt: 1 },
      },
      { upsert: true },
    );
  }

  async dismiss(tenantId: string, chatId: string, options: { onlyKnown?: boolean } = {}): Promise<void> {
    await CustomerGroupModel.updateOne({ tenantId, chatId }, { $set: { status: 'dismissed', dismissedAt: this.deps.now() }, $setOnInsert: { name: '' } }, { upsert: !options.onlyKnown });
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

  async get(tenantId: string, chatId: string) {
    return CustomerGroupModel.findOne({ tenantId, chatId }).lean();
  }
}
