import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { StaffService } from '../staff/staff.service.js';
import type { Wecom } from '../../wecom/wecom.adapter.js';
import { TransferService } from './transfer.service.js';
import { GroupTransferService, type GroupOwnership } from './group-transfer.service.js';
import { TransferResultService } from './transfer-result.service.js';
import { transferRoutes } from './transfer.routes.js';

/**
 * 在职继承 / 离职继承: a member's WeCom customers and groups handed to another member, and the result
 * followed. `wecom` is the adapter: its client asks WeCom for the transfer, its `follows` holds the
 * contact relations that move, `groups` (customer-groups) the groups a member owns, and its callback router
 * hands this module the contact events that settle one (the manifest provides the extension point
 * `wecom.transfer-events`).
 */
export function createWecomTransfers(
  deps: Deps,
  ports: { wecom: Wecom; customers: CustomerService; staff: StaffService; followUps: FollowUpService; groups: GroupOwnership },
) {
  const { client, follows } = ports.wecom;
  const transfers = new TransferService(deps, client, { customers: ports.customers, staff: ports.staff, follows, groups: ports.groups });
  const groupTransfers = new GroupTransferService(deps, client, transfers, ports.groups);
  const transferResults = new TransferResultService(deps, client, transfers, { customers: ports.customers, followUps: ports.followUps, follows });
  return { transfers, groupTransfers, transferResults };
}

export type WecomTransfers = ReturnType<typeof createWecomTransfers>;

export function wecomTransfersManifest(api: WecomTransfers, uses: { wecom: { enabled: boolean } }): ModuleManifest {
  return {
    name: 'wecom-transfers',
    routes: () => [transferRoutes(api)],
    provides: [{ point: 'wecom.transfer-events', name: 'wecom-transfers', impl: api.transferResults }],
    // Transfers take 24 h in WeCom; callbacks usually settle them first, this catches the rest.
    jobs: uses.wecom.enabled ? [{ name: 'wecom.transfers.poll', every: '5 minutes', run: () => api.transferResults.poll() }] : [],
    hooks: [{ on: 'customer.merged', name: 'wecom-transfers.move-transfers', run: (p) => api.transferResults.onMerged(p) }],
  };
}
