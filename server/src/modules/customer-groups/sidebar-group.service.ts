import type { Deps } from '../../shared/deps.js';
import { notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { StaffService } from '../staff/staff.service.js';
import { canSeeCustomer } from '../customers/customer-access.js';
import { maskCustomer } from '../privacy/masking.js';
import type { CustomerGroupService } from './customer-group.service.js';
import type { CustomerDoc } from '../customers/customer.service.js';

const DAY_MS = 86_400_000;

/**
 * The customer group behind a group chat, for the WeCom sidebar (getCurExternalChat): WeCom tells the
 * page only the chat id; this turns it into our group, asking WeCom once when the group has not
 * reached us yet (a callback still queued, or a group older than the last full sync).
 */
export class SidebarGroupService {
  constructor(
    private readonly deps: Deps,
    private readonly groups: CustomerGroupService,
    private readonly s: { customers: CustomerService; staff: StaffService },
  ) {}

  /**
   * A customer group as a sales member needs it in the group's toolbar: who is in it, which of them
   * are known buyers, who joined lately. Sales see only groups they own or are in.
   */
  async group(tenantId: string, principal: Principal, chatId: string) {
    let g = await this.groups.get(tenantId, chatId);
    if (!g) {
      await this.groups.refresh(tenantId, chatId);
      g = await this.groups.get(tenantId, chatId);
    }
    if (!g || g.status !== 'active') throw notFound('Customer group');
    if (principal.kind === 'staff' && principal.role === 'sales' && g.ownerStaffId !== principal.id) {
      const me = await this.s.staff.get(tenantId, principal.id);
      if (!me.wecomUserId || !g.members.some((m) => m.type === 1 && m.userid === me.wecomUserId)) throw notFound('Customer group');
    }
    const externals = g.members.filter((m) => m.type === 2);
    const profiles = new Map(
      (
        await this.s.customers.getMany(
          tenantId,
          externals.flatMap((m) => (m.customerId ? [m.customerId] : [])),
        )
      ).map((p) => [p.linkedId, p.doc]),
    );
    const owner = g.ownerStaffId ? await this.s.staff.get(tenantId, g.ownerStaffId).catch(() => null) : null;
    const weekAgo = this.deps.now().getTime() - 7 * DAY_MS;
    const customers = externals
      .map((m) => {
        const doc = m.customerId ? profiles.get(m.customerId) : undefined;
        const agg: Partial<NonNullable<CustomerDoc['aggregates']>> = doc?.aggregates ?? {};
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
