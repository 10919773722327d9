import type { Deps } from '../../shared/deps.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { EventService } from '../events/event.service.js';
import type { SegmentService } from '../segments/segment.service.js';
import type { StaffService } from '../staff/staff.service.js';
import { BroadcastDispatcher, type CouponPort } from './broadcast-dispatch.service.js';
import { BroadcastService } from './broadcast.service.js';
import { BroadcastResultsService } from './broadcast-results.service.js';
import { FrequencyCapService } from './frequency-cap.service.js';
import { GroupChatDispatcher, type CustomerGroupPort } from './group-chat-dispatch.service.js';
import type { DeskService } from '../conversations/desk.service.js';
import type { ChannelName, ChannelProvider, GroupChannel } from './channels/channel.provider.js';
import { WecomGroupMsgProvider } from './channels/wecom-group-msg.provider.js';
import { BotPrivateProvider } from './channels/bot-private.provider.js';
import { deskBotChats } from './channels/bot-chat.port.js';
import { BotRoomDispatcher } from './bot-room-dispatch.service.js';
import { BroadcastFunnel } from './broadcast-funnel.js';
import type { LoyaltyFactsPort } from './recipient-content.js';
import { BroadcastReach } from './broadcast-reach.js';
import { BroadcastSenders } from './broadcast-senders.service.js';

/**
 * Builds the broadcasts module: the console-facing service plus the dispatcher the worker runs.
 * Channel providers are registered here. The bot channels (private chats, rooms) queue on the service
 * desk's durable outbound rows, which the bot delivers.
 */
export function createBroadcasts(
  deps: Deps,
  m: {
    segments: SegmentService;
    customers: CustomerService;
    events: EventService;
    staff: StaffService;
    wecomClient: WecomClient;
    coupons?: CouponPort;
    loyalty?: LoyaltyFactsPort;
    groups?: CustomerGroupPort;
    desk?: DeskService;
  },
) {
  const botChats = m.desk ? deskBotChats(m.desk) : undefined;
  const providers = new Map<ChannelName, ChannelProvider>([
    ['wecom_group_msg', new WecomGroupMsgProvider(m.wecomClient, m.staff, deps.now, deps.config.BROADCAST_WECOM_TASK_SIZE)],
    ['bot_private', new BotPrivateProvider(() => botChats, deps.config.BROADCAST_BOT_PER_MINUTE)],
  ]);
  const caps = new FrequencyCapService(deps);
  const service = new BroadcastService(deps, { segments: m.segments, events: m.events });
  const botRooms = new BotRoomDispatcher(deps, () => botChats);
  const groupChannels = new Map<ChannelName, GroupChannel>([
    ['wecom_group_chat', new GroupChatDispatcher(deps, m.wecomClient, m.groups)],
    ['bot_room', botRooms],
  ]);
  const inService = m.desk ? (tenantId: string, ids: string[]) => m.desk!.conversations.customersInService(tenantId, ids) : undefined;
  const dispatcher = new BroadcastDispatcher(deps, {
    segments: m.segments,
    customers: m.customers,
    caps,
    providers,
    coupons: m.coupons,
    loyalty: m.loyalty,
    groupChannels,
    inService,
  });
  const provider = (name: ChannelName): ChannelProvider => {
    const p = providers.get(name);
    if (!p) throw new Error(`channel ${name} is not registered`);
    return p;
  };
  const results = new BroadcastResultsService(deps, providers, m.customers, (tenantId, refs) => botRooms.results(tenantId, refs));
  /** Rooms the bot is in, for a bot_room campaign's form (none without the service desk). */
  const botRoomList = async (tenantId: string) => (botChats ? botChats.rooms(tenantId) : []);
  const reach = new BroadcastReach(deps, {
    segments: m.segments,
    customers: m.customers,
    dispatcher,
    caps,
    provider,
    groupChannels,
    coupons: m.coupons,
    loyalty: m.loyalty,
  });
  return Object.assign(service, {
    dispatcher,
    caps,
    provider,
    deliveryResults: results,
    botRoomList,
    funnel: new BroadcastFunnel(),
    reach,
    senders: new BroadcastSenders(deps, m.wecomClient, m.staff),
  });
}
export type Broadcasts = ReturnType<typeof createBroadcasts>;
