import type { DeskService } from '../../conversations/desk.service.js';
import type { BroadcastContent, DeliveryStatus } from './channel.provider.js';
import type { Types } from 'mongoose';

/** A bot chat a campaign message can be queued in (a private chat or a room). */
export interface BotChat {
  _id: Types.ObjectId;
  botAccountId: string;
  peerId: string;
  kind: 'private' | 'room';
  customerId?: Types.ObjectId | null;
}

/**
 * What the bot channels need from the service desk: find the chat, queue a message on the desk's
 * durable outbound rows (the same rows agent replies use, delivered by the bot's relay plugin), and
 * read back what became of them. Keys are the campaign's delivery ids, so a message is queued once.
 */
export interface BotChatPort {
  /** Private chats of these customers with any bot account. */
  privateChats(tenantId: string, customerIds: string[]): Promise<BotChat[]>;
  chat(tenantId: string, botAccountId: string, peerId: string): Promise<BotChat | null>;
  /** The room's chat, opened if the bot knows the room only from joins; null for a room it never saw. */
  room(tenantId: string, roomId: string): Promise<BotChat | null>;
  queue(tenantId: string, chat: BotChat, text: string, key: string): Promise<string>;
  /** Outbound rows by key or id: their id, key and where they stand. */
  rows(tenantId: string, by: { keys?: string[]; ids?: string[] }): Promise<Array<{ id: string; key: string; state: string }>>;
  /** Rooms a bot_room campaign can name. */
  rooms(tenantId: string): Promise<Array<{ roomId: string; topic?: string; members: number }>>;
}

export function deskBotChats(desk: DeskService): BotChatPort {
  return {
    async privateChats(tenantId, customerIds) {
      const list = await desk.conversations.list(tenantId, { customerIds, limit: customerIds.length * 4 + 10 });
      return list.filter((c) => c.kind === 'private') as BotChat[];
    },
    chat: (tenantId, botAccountId, peerId) => desk.conversations.findByPeer(tenantId, botAccountId, peerId) as Promise<BotChat | null>,
    async room(tenantId, roomId) {
      const g = await desk.groups.group(tenantId, roomId);
      if (!g) return null;
      return (await desk.conversations.openConversation(tenantId, g.botAccountId, { kind: 'room', roomId, topic: g.topic ?? undefined })) as BotChat;
    },
    // Desk notices and campaigns are both the brand speaking, not a named agent: author 'system'.
    queue: async (tenantId, chat, text, key) => (await desk.outbound.enqueue(tenantId, chat, { author: 'system', text, key })).id,
    rows: async (tenantId, by) => (await desk.outbound.findMany(tenantId, by)).map((r) => ({ id: String(r._id), key: r.key, state: r.state })),
    rooms: async (tenantId) =>
      (await desk.groups.list(tenantId, 500)).map((g) => ({ roomId: g.roomId, topic: g.topic ?? undefined, members: g.members?.length ?? 0 })),
  };
}

/** The outbound row's state as a campaign delivery status. */
export function outboundStatus(state: string): DeliveryStatus {
  return state === 'sent' ? 'delivered' : state === 'failed' ? 'undelivered' : 'awaiting_confirmation';
}

export const outboundKey = (deliveryId: string) => `broadcast:${deliveryId}`;

/**
 * The bot says text: a link goes as its title and URL on their own line. Images and mini-program
 * cards are not sent by the bot; null with the reason.
 */
export function botText(c: BroadcastContent): { text: string } | { reason: string } {
  if (c.image) return { reason: 'bot_cannot_send_image' };
  if (c.miniprogram) return { reason: 'bot_cannot_send_miniprogram' };
  return { text: c.link ? `${c.text}\n${c.link.title} ${c.link.url}` : c.text };
}
