import type { Deps } from '../../shared/deps.js';
import type { Extensions } from '../../shared/extensions.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { StaffService } from '../staff/staff.service.js';
import { DeskService } from './desk.service.js';
import type { LoyaltyPort } from './loyalty-port.js';
import { conversationRoutes, type ConversationRouteApis } from './conversation.routes.js';
import { deskRoutes } from './desk.routes.js';
import { deskTeamRoutes } from './desk-team.routes.js';
import { inboxRoutes } from './inbox.routes.js';

/** Conversations from bot and WeCom, the handoff, SLA, outbound delivery: the service desk. */
export type DeskApi = DeskService;

export function createDesk(deps: Deps, ports: { customers: CustomerService; staff: StaffService; loyalty?: LoyaltyPort; extensions?: Extensions }): DeskApi {
  return new DeskService(deps, ports.customers, ports.staff, ports.loyalty, ports.extensions);
}

export function deskManifest(desk: DeskApi, uses: Omit<ConversationRouteApis, 'desk'>): ModuleManifest {
  const apis = { ...uses, desk };
  const every = uses.deps.config.DESK_SWEEP_EVERY;
  return {
    name: 'conversations',
    routes: () => [conversationRoutes(apis), deskRoutes(apis), deskTeamRoutes(apis), inboxRoutes(apis)],
    jobs: [
      { name: 'conversations.deliver-outbound', every, run: () => desk.outbound.sweep() },
      { name: 'conversations.sla-sweep', every, run: () => desk.sla.sweep() },
      { name: 'conversations.assign-queued', every, run: () => desk.handoff.sweep() },
      { name: 'conversations.wake-snoozed', every, run: () => desk.triage.wakeDue() },
    ],
    hooks: [
      {
        on: 'customer.merged',
        name: 'conversations.move-customer',
        run: ({ tenantId, fromId, toId }) => desk.conversations.moveCustomer(tenantId, fromId, toId),
      },
      // The bot's kept profiles: the merged one must not be written to, the survivor changed too.
      {
        on: 'customer.merged',
        name: 'conversations.forget-profiles',
        run: async ({ tenantId, fromId, toId }) =>
          void (await Promise.all([desk.conversations.forgetProfile(tenantId, fromId), desk.conversations.forgetProfile(tenantId, toId)])),
      },
    ],
  };
}
