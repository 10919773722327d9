import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { StaffService } from '../staff/staff.service.js';
import type { Wecom } from '../../wecom/wecom.adapter.js';
import { CustomerGroupService } from './customer-group.service.js';
import { SidebarGroupService } from './sidebar-group.service.js';
import { customerGroupRoutes, type CustomerGroupRouteApis } from './customer-group.routes.js';

/**
 * Customer groups (客户群) mirrored from WeCom. `wecom` is the adapter: its client reads the groups;
 * its callback router hands this module change_external_chat and its full sync mirrors each group
 * through it (the manifest provides `wecom.callback-handler` and `wecom.group-mirror`).
 */
export function createCustomerGroups(deps: Deps, ports: { wecom: Wecom; customers: CustomerService; staff: StaffService }) {
  const groups = new CustomerGroupService(deps, ports.wecom.client, { customers: ports.customers, staff: ports.staff });
  const sidebarGroup = new SidebarGroupService(deps, groups, { customers: ports.customers, staff: ports.staff });
  return { groups, sidebarGroup };
}

export type CustomerGroups = ReturnType<typeof createCustomerGroups>;

export function customerGroupsManifest(api: CustomerGroups, uses: Omit<CustomerGroupRouteApis, 'groups' | 'sidebarGroup'>): ModuleManifest {
  return {
    name: 'customer-groups',
    routes: () => [customerGroupRoutes({ ...uses, ...api })],
    provides: [
      { point: 'wecom.group-mirror', name: 'customer-groups', impl: api.groups },
      {
        point: 'wecom.callback-handler',
        name: 'customer-groups',
        impl: {
          event: 'change_external_chat',
          handle: (tenantId, f) => (f.ChangeType === 'dismiss' ? api.groups.dismiss(tenantId, f.ChatId) : api.groups.refresh(tenantId, f.ChatId)),
        },
      },
    ],
    hooks: [{ on: 'customer.merged', name: 'customer-groups.move-members', run: (p) => api.groups.onMerged(p) }],
  };
}
