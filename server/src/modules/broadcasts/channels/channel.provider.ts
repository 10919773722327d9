import type { CampaignDoc } from '../broadcast.model.js';

/**
 * Channels are providers behind one contract (as Chatwoot's channels are): the dispatcher claims
 * delivery rows and hands them over in batches; the provider says where each recipient is reached,
 * sends, and after a crash tells which rows the outside system already has, so nobody is sent twice.
 */
/**
 * wecom_group_msg: each customer in a segment, by their owner (客户群发, chat_type single).
 * wecom_group_chat: WeCom customer groups named by chat id, by each group's owner (客户群群发, chat_type group).
 * bot_private: each customer in a segment, in their private chat with the bot's WeChat account.
 * bot_room: bot rooms (WeChat groups the bot is in) named by room id.
 */
export const CHANNELS = ['wecom_group_msg', 'wecom_group_chat', 'bot_private', 'bot_room'] as const;
export type ChannelName = (typeof CHANNELS)[number];
/** Channels whose rows are chats (group delivery rows), not customers. */
export const GROUP_CHANNELS: readonly ChannelName[] = ['wecom_group_chat', 'bot_room'];

/** A group campaign's sender: freezes the named chats into rows, then sends the pending ones. */
export interface GroupChannel {
  /** Each named chat's sender, or why it cannot be sent to: what the snapshot freezes, and the reach counts. */
  judge(c: Pick<CampaignDoc, 'tenantId' | 'chatIds' | 'roomIds'>): Promise<Map<string, { ok: true; sender: string } | { ok: false; reason: string }>>;
  snapshot(c: CampaignDoc): Promise<void>;
  sendPending(c: CampaignDoc, content: BroadcastContent, batch: number): Promise<'done' | 'in_flight'>;
  nextLease(c: CampaignDoc): Promise<Date | undefined>;
}

export interface BroadcastContent {
  text: string;
  image?: { mediaId?: string; picUrl?: string };
  link?: { title: string; url: string; desc?: string; picUrl?: string };
  miniprogram?: { title: string; appId: string; page: string; picMediaId: string };
  /** A coupon template issued to each recipient before the message (idempotent per delivery). */
  couponTemplateId?: string;
}

export interface RecipientProfile {
  customerId: string;
  ownerStaffId?: string | null;
  identities: Array<{ type?: string | null; value?: string | null }>;
  wecomRelation?: string;
}

/** Where a recipient is reached, or why they cannot be. `sender` groups recipients into one call. */
export type Address = { ok: true; sender: string; to: string } | { ok: false; reason: string };

export interface OutgoingRow {
  deliveryId: string;
  customerId: string;
  address: { sender: string; to: string };
  content: BroadcastContent;
}

export interface SendOutcome {
  deliveryId: string;
  ok: boolean;
  providerRef?: string;
  error?: string;
}

export interface ChannelProvider {
  readonly name: ChannelName;
  /** Recipients per call for one sender. */
  readonly batchSize: number;
  /** Rows claimed at a time, when the channel wants more than BROADCAST_BATCH_SIZE in one call. */
  readonly claimSize?: number;
  /** Recipients per minute for one sender, when stricter than BROADCAST_STAFF_PER_MINUTE. */
  readonly perMinute?: number;
  address(tenantId: string, recipients: RecipientProfile[]): Promise<Map<string, Address>>;
  /** Sends one sender's rows with the same content. */
  send(tenantId: string, rows: OutgoingRow[]): Promise<SendOutcome[]>;
  /**
   * True when `send` failed with an answer that says the channel did nothing (rate limit, rejected
   * token): the rows are sent again at once. Any other failure leaves the outcome unknown.
   */
  refusedOutright?(err: unknown): boolean;
  /** Rows left "sending" by a dead worker since `since`: those the outside system already accepted. */
  alreadySent(tenantId: string, rows: OutgoingRow[], since: Date): Promise<Map<string, string>>;
  /** What became of sent messages, per provider reference and recipient address (`to`). */
  results?(tenantId: string, refs: string[]): Promise<Map<string, Map<string, DeliveryStatus>>>;
}

/**
 * After "sent" (the channel accepted the task): WeCom group messages wait for the staff member to
 * confirm in their app, and may then fail for a recipient who is no longer a contact or who already
 * got a group message that day. Bot messages wait in the desk's outbound queue until the bot says
 * them (delivered) or gives up (undelivered).
 */
export const DELIVERY_STATUSES = ['awaiting_confirmation', 'delivered', 'not_a_contact', 'recipient_limit', 'undelivered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
