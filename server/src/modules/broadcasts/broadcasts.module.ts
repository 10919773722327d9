import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import type { EventService } from '../events/event.service.js';
import type { SegmentService } from '../segments/segment.service.js';
import type { StaffService } from '../staff/staff.service.js';
import { BroadcastDispatcher, type CouponPort } from './broadcast-dispatch.service.js';
import { BroadcastService } from './broadcast.service.js';
import { BroadcastResultsService } from './broadcast-results.service.js';
import { FrequencyCapService } from './frequency-cap.service.js';
import { GroupChatDispatcher, type CustomerGroupPort } from './group-chat-dispatch.service.js';
import type { ChannelName, ChannelProvider } from './channels/channel.provider.js';
import { WecomGroupMsgProvider } from './channels/wecom-group-msg.provider.js';

/**
 * Builds the broadcasts module: the console-facing service plus the dispatcher the worker runs.
 * Channel providers are registered here; bot channels (private chats, rooms) join once the
 * conversations module exposes an outbound port for campaigns.
 */
export function createBroadcasts(deps: Deps, m: { segments: SegmentService; events: EventService; staff: StaffService; wecomClient: WecomClient; coupons?: () => CouponPort | undefined; groups?: () => CustomerGroupPort | undefined; hooks?: DomainHooks }) {
  const providers = new Map<ChannelName, ChannelProvider>([['wecom_group_msg', new WecomGroupMsgProvider(m.wecomClient, m.staff, deps.now)]]);
  const caps = new FrequencyCapService(deps);
  const service = new BroadcastService(deps, { segments: m.segments, events: m.events });
  m.hooks?.on('customer.merged', ({ tenantId, fromId, toId }) => service.moveOptOut(tenantId, fromId, toId));
  const groupChats = new GroupChatDispatcher(deps, m.wecomClient, m.groups);
  const dispatcher = new BroadcastDispatcher(deps, { segments: m.segments, caps, providers, coupons: m.coupons, groupChats });
  const provider = (name: ChannelName): ChannelProvider => {
    const p = providers.get(name);
    if (!p) throw new Error(`channel ${name} is not registered`);
    return p;
  };
  const results = new BroadcastResultsService(deps, providers);
  return Object.assign(service, { dispatcher, caps, provider, deliveryResults: results });
}
export type Broadcasts = ReturnType<typeof createBroadcasts>;
