import mongoose, { Schema } from 'mongoose';
import type { LeanDoc } from '../../shared/db.js';

/**
 * A chat between one bot account and one peer (a contact or a room), and who holds it: the bot, the
 * queue, or one agent — never two at once (state + assigneeId change together in one update).
 * `resolved` behaves like `bot` for replies; the next customer message moves it back to `bot`.
 */
export const CONVERSATION_STATES = ['bot', 'queued', 'assigned', 'resolved'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/** Why a chat was resolved, chosen by the agent (shown in 已解决). */
export const RESOLVE_REASONS = ['solved', 'no_response', 'duplicate', 'spam', 'other'] as const;
export type ResolveReason = (typeof RESOLVE_REASONS)[number];

const breachSchema = new Schema(
  {
    kind: { type: String, enum: ['first', 'next'] },
    dueAt: Date,
    at: Date,
    assigneeId: String,
    escalatedTo: String,
    escalatedToId: String,
    escalatedToName: String,
  },
  { _id: false },
);

const conversationSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    /** `wechat_kf`: WeCom's 微信客服 (server/src/modules/wechat-kf/); botAccountId is then `kf:<open_kfid>`. */
    channel: { type: String, enum: ['wechaty', 'wechat_kf'], default: 'wechaty' },
    /** The logged-in bot account (Wechaty self contact id) that owns this chat and delivers its replies. */
    botAccountId: { type: String, required: true },
    /** Contact id for private chats, room id for rooms. */
    peerId: { type: String, required: true },
    kind: { type: String, enum: ['private', 'room'], required: true },
    title: { type: String },
    customerId: { type: Schema.Types.ObjectId },
    groupId: { type: Schema.Types.ObjectId },
    state: { type: String, enum: CONVERSATION_STATES, default: 'bot' },
    assigneeId: { type: String },
    assigneeName: { type: String },
    handoffReason: { type: String },
    /** The desk team whose queue (and members) the chat was routed to at handoff; unset: the general queue. */
    teamId: { type: String },
    teamName: { type: String },
    /** The team's manager a missed target was escalated to (已升级给), until the chat is handed over afresh. */
    escalatedToId: { type: String },
    escalatedToName: { type: String },
    queuedAt: { type: Date },
    assignedAt: { type: Date },
    resolvedAt: { type: Date },
    /** Why the agent ended the human part (RESOLVE_REASONS); cleared when the chat is worked again. */
    resolveReason: { type: String, enum: RESOLVE_REASONS },
    /** Agents' labels (售后, 发票…): a set, so adding one twice keeps one. */
    labels: { type: [String], default: [] },
    /** The assignee put the chat aside until then: it leaves 我的 and comes back when due (or when the customer writes). */
    snoozedUntil: { type: Date },
    /** Customer messages the assignee has not opened yet. */
    unread: { type: Number, default: 0 },
    /** Consecutive customer questions nothing answered; two in a row hand the chat to a human. */
    noMatchStreak: { type: Number, default: 0 },
    lastMessageAt: { type: Date },
    lastMessagePreview: { type: String },
    /** The account's owner wrote from the phone: the bot stays quiet in this chat until then. */
    botQuietUntil: { type: Date },
    /** Since when a customer message waits for a human answer (unset once an agent replies). */
    awaitingSince: { type: Date },
    sla: {
      kind: { type: String, enum: ['first', 'next'] },
      warnAt: { type: Date },
      dueAt: { type: Date },
      /** The due time that was breached while the customer still waits (unset once answered). */
      overdueSince: { type: Date },
      firstResponseMs: { type: Number },
      responses: { type: Number, default: 0 },
      totalResponseMs: { type: Number, default: 0 },
      breaches: { type: [breachSchema], default: [] },
    },
  },
  { timestamps: true, minimize: false },
);
conversationSchema.index({ tenantId: 1, botAccountId: 1, peerId: 1 }, { unique: true });
conversationSchema.index({ tenantId: 1, state: 1, queuedAt: 1 });
conversationSchema.index({ tenantId: 1, state: 1, teamId: 1, queuedAt: 1 });
conversationSchema.index({ tenantId: 1, assigneeId: 1, state: 1 });
conversationSchema.index({ tenantId: 1, customerId: 1 });
conversationSchema.index({ tenantId: 1, labels: 1 });
conversationSchema.index({ tenantId: 1, escalatedToId: 1, state: 1 }, { partialFilterExpression: { escalatedToId: { $type: 'string' } } });
conversationSchema.index({ snoozedUntil: 1 }, { partialFilterExpression: { snoozedUntil: { $type: 'date' } } });
conversationSchema.index({ 'sla.warnAt': 1 }, { partialFilterExpression: { 'sla.warnAt': { $type: 'date' } } });
conversationSchema.index({ 'sla.dueAt': 1 }, { partialFilterExpression: { 'sla.dueAt': { $type: 'date' } } });
export const ConversationModel = mongoose.model('Conversation', conversationSchema, 'conversations');
export type ConversationDoc = LeanDoc<typeof ConversationModel>;
/** What the outbound queue, the live notices and the channels read of a chat (a stored one, or the bot port's view of it). */
export type ChatRef = {
  _id: mongoose.Types.ObjectId;
  botAccountId: string;
  peerId: string;
  customerId?: mongoose.Types.ObjectId | null;
  channel?: string | null;
  state?: string | null;
  assigneeId?: string | null;
};

export const MESSAGE_TYPES = ['text', 'image', 'file', 'url', 'mini-program', 'video', 'audio', 'emoticon', 'contact', 'location', 'other'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * One message. Inbound and bot-sent messages carry the puppet's message id (`externalId`), the
 * idempotency key: a message the puppet delivers twice is stored once. `internal` rows are agents'
 * notes and are never delivered.
 */
const messageSchema = new Schema({
  tenantId: { type: String, required: true },
  conversationId: { type: Schema.Types.ObjectId, required: true },
  customerId: { type: Schema.Types.ObjectId },
  direction: { type: String, enum: ['in', 'out', 'internal'], required: true },
  /** customer: the peer or a room member; bot: auto-reply; agent: a human; account: sent from the phone; system: desk notices. */
  author: { type: String, enum: ['customer', 'bot', 'agent', 'account', 'system'], required: true },
  staffId: { type: String },
  staffName: { type: String },
  talkerId: { type: String },
  talkerName: { type: String },
  type: { type: String, enum: MESSAGE_TYPES, default: 'text' },
  text: { type: String, default: '' },
  /** `attachmentId`, `mime`, `size`: an image or file kept in the desk's attachment store (attachment-store.ts). */
  media: { url: String, name: String, title: String, description: String, appId: String, pagePath: String, attachmentId: String, mime: String, size: Number },
  externalId: { type: String },
  outboundId: { type: Schema.Types.ObjectId },
  delivery: { type: String, enum: ['queued', 'sent', 'failed'] },
  /** Why the last delivery failed, in the channel's words (shown with 重试). */
  deliveryError: { type: String },
  /** Notes: the colleagues @mentioned, and those of them who have not opened the chat since (提及我). */
  mentions: { type: [String], default: undefined },
  mentionsUnread: { type: [String], default: undefined },
  at: { type: Date, required: true },
});
messageSchema.index({ tenantId: 1, externalId: 1 }, { unique: true, partialFilterExpression: { externalId: { $type: 'string' } } });
messageSchema.index({ tenantId: 1, conversationId: 1, at: -1 });
// The desk's figures for a period (desk-figures.service.ts): a brand's messages in or out between two times.
messageSchema.index({ tenantId: 1, direction: 1, at: 1 });
// 提及我: a colleague's unread mentions, newest first.
messageSchema.index({ tenantId: 1, mentionsUnread: 1, at: -1 });
// One message row per outbound row: completing a half-queued reply twice stores it once.
messageSchema.index({ tenantId: 1, outboundId: 1 }, { unique: true, partialFilterExpression: { outboundId: { $type: 'objectId' } } });
export const MessageModel = mongoose.model('ConversationMessage', messageSchema, 'conversation_messages');
export type MessageDoc = LeanDoc<typeof MessageModel>;

/** A room the bot is in, and who is in it now; joins and leaves are applied idempotently. */
const chatGroupSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    botAccountId: { type: String, required: true },
    roomId: { type: String, required: true },
    topic: { type: String },
    members: {
      type: [{ _id: false, contactId: String, name: String, customerId: Schema.Types.ObjectId, joinedAt: Date }],
      default: [],
    },
  },
  { timestamps: true },
);
chatGroupSchema.index({ tenantId: 1, roomId: 1 }, { unique: true });
chatGroupSchema.index({ tenantId: 1, 'members.customerId': 1 });
export const ChatGroupModel = mongoose.model('ChatGroup', chatGroupSchema, 'chat_groups');
