import type { Deps } from '../shared/deps.js';
import { AppError, notFound } from '../shared/app-error.js';
import type { Principal } from '../shared/http/principal.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { StaffService } from '../modules/staff/staff.service.js';
import { canSeeCustomer } from '../modules/customers/customer-access.js';
import { maskCustomer } from '../modules/privacy/masking.js';
import type { WecomClient } from './wecom.client.js';
import type { ExternalContactService } from './external-contact.service.js';
import type { CustomerGroupService } from './customer-group.service.js';
import type { TagSyncService } from './tag-sync.service.js';
import { Errcode, WecomErrorCode, isWecomErrcode } from './wecom.exception.js';

const DAY_MS = 86_400_000;

/**
 * What the sidebar is looking at when WeCom opens it from a chat's toolbar: the chat's external contact
 * (single chat) or customer group (group chat). WeCom tells the page only an id; this turns it into our
 * profile or group, asking WeCom once when the contact or group has not reached us yet (a callback
 * still queued, or a relation older than the last full sync).
 */
export class SidebarContextService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly s: { customers: CustomerService; staff: StaffService; contacts: ExternalContactService; groups: CustomerGroupService; tagSync: TagSyncService },
  ) {}

  /** The profile id of a chat's external contact, created from WeCom if we have none yet. */
  async contact(tenantId: string, principal: Principal, externalUserId: string): Promise<{ customerId: string }> {
    let customerId = await this.s.customers.findByIdentity(tenantId, { externalUserId });
    if (!customerId) {
      let r;
      try {
        r = await this.client.getExternalContact(externalUserId);
      } catch (err) {
        if (isWecomErrcode(err, Errcode.INVALID_EXTERNAL_USERID, Errcode.NOT_EXTERNAL_CONTACT)) throw notFound('WeCom contact');
        throw err;
      }
      const me = principal.kind === 'staff' ? await this.s.staff.get(tenantId, principal.id) : null;
      const follow = r.follow_user.find((f) => f.userid === me?.wecomUserId) ?? r.follow_user[0];
      if (!follow) throw notFound('WeCom contact');
      customerId = await this.s.contacts.upsertContact(tenantId, r.external_contact, follow);
      await this.s.tagSync.applyContactTags(tenantId, customerId, r.follow_user.flatMap((f) => f.tags ?? []));
    }
    const doc = await this.s.customers.get(tenantId, customerId);
    // A sales member sees only their own book; a chat with someone else's customer stays closed to them.
    // They are chatting with this person in WeCom already, so saying why reveals nothing new.
    if (!canSeeCustomer(principal, doc)) {
      throw new AppError(WecomErrorCode.CUSTOMER_NOT_YOURS, 'This customer is in another staff member’s book: ask their owner or an admin to hand them over or add you as a follower', { status: 404 });
    }
    return { customerId: String(doc._id) };
  }

  /**
   * A customer group as a sales member needs it in the group's toolbar: who is in it, which of them
   * are known buyers, who joined lately. Sales see only groups they own or are in.
   */
  async group(tenantId: string, principal: Principal, chatId: string) {
    let g = await this.s.groups.get(tenantId, chatId);
    if (!g) {
      await this.s.groups.refresh(tenantId, chatId);
      g = await this.s.groups.get(tenantId, chatId);
    }
    if (!g || g.status !== 'active') throw notFound('Customer group');
    if (principal.kind === 'staff' && principal.role === 'sales' && g.ownerStaffId !== principal.id) {
      const me = await this.s.staff.get(tenantId, principal.id);
      if (!me.wecomUserId || !g.members.some((m) => m.type === 1 && m.userid === me.wecomUserId)) throw notFound('Customer group');
    }
    const externals = g.members.filter((m) => m.type === 2);
    const profiles = new Map((await this.s.customers.getMany(tenantId, externals.flatMap((m) => (m.customerId ? [m.customerId] : [])))).map((p) => [p.linkedId, p.doc]));
    const owner = g.ownerStaffId ? await this.s.staff.get(tenantId, g.ownerStaffId).catch(() => null) : null;
    const weekAgo = this.deps.now().getTime() - 7 * DAY_MS;
    const customers = externals
      .map((m) => {
        const doc = m.customerId ? profiles.get(m.customerId) : undefined;
        const agg = doc?.aggregates ?? {};
        // A member without a profile yet is a person all the same: the same policy masks their group nickname.
        const shown = maskCustomer({ name: doc?.name ?? m.name, phone: doc?.phone, ownerStaffId: doc?.ownerStaffId }, principal);
        return {
          customerId: doc ? String(doc._id) : null,
          name: shown.name ?? '',
          joinedAt: m.joinedAt ?? null,
          orderCount: agg.orderCount ?? 0,
          totalPaid: agg.totalPaid ?? 0,
          rfmClass: doc?.rfm?.class ?? null,
          atRisk: doc?.rfm?.churn?.state === 'at_risk',
          /** Whether the caller may open the full profile (sales: their own book). */
          open: !!doc && canSeeCustomer(principal, doc),
        };
      })
      .sort((a, b) => b.totalPaid - a.totalPaid || +new Date(b.joinedAt ?? 0) - +new Date(a.joinedAt ?? 0));
    return {
      chatId: g.chatId,
      name: g.name,
      notice: g.notice ?? '',
      owner: owner ? { id: owner.id, name: owner.name } : null,
      createdAt: g.createdInWecomAt ?? null,
      memberCount: g.memberCount,
      staffCount: g.members.length - externals.length,
      customerCount: externals.length,
      buyers: customers.filter((c) => c.orderCount > 0).length,
      joinedThisWeek: externals.filter((m) => m.joinedAt && +m.joinedAt >= weekAgo).length,
      atRisk: customers.filter((c) => c.atRisk).length,
      customers,
    };
  }
}
