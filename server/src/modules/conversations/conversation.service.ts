import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { Extensions } from '../../shared/extensions.js';
import { notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import type { CustomerService } from '../customers/customer.service.js';
import { ConversationModel, MessageModel, type ChatRef, type ConversationDoc, type MessageType } from './conversation.model.js';
import type { ChatGroupService } from './chat-group.service.js';
import type { DeskLive } from './desk-live.js';
import { messageView, type MessageFields } from './conversation.view.js';
import type { AttachmentRef } from './attachment.service.js';
import { ChatProfiles, contactIdentity, profileStaff, type ChatProfile } from './chat-profile.js';
import { MessageWriter } from './message-writer.js';

/** A chat contact as the bot adapter describes it; no Wechaty types cross into the module. */
export interface ChatContact {
  id: string;
  name?: string;
  avatar?: string;
  /** WeChat's unionid, where the puppet exposes one: it joins the chat to the member it names. */
  unionId?: string;
  /** What kind of id `id` is: a puppet's contact id (default) or WeCom's external_userid (微信客服). */
  idType?: 'wechatyContactId' | 'externalUserId';
}

export interface CaptureInput {
  botAccountId: string;
  /** Set on the conversation when it is first opened; the bot's chats are `wechaty`. */
  channel?: 'wechaty' | 'wechat_kf';
  /** The other side of a private chat (also for messages the account sent), or the room. */
  peer: { kind: 'private'; contact: ChatContact } | { kind: 'room'; roomId: string; topic?: string };
  /** Who spoke: a contact, or the bot account itself. */
  talker: ChatContact | 'self';
  externalId: string;
  type: MessageType;
  text?: string;
  media?: {
    url?: string;
    name?: string;
    title?: string;
    description?: string;
    appId?: string;
    pagePath?: string;
    attachmentId?: string;
    mime?: string;
    size?: number;
  };
  at: Date;
  /** For the account's own messages: who wrote it (bot auto-reply, agent via outbound, or a person on the phone). */
  author?: 'bot' | 'agent' | 'account' | 'system';
}

export interface CaptureResult {
  duplicate: boolean;
  conversation: ConversationDoc;
  messageId?: string;
  customerId?: string;
  /** The talker's profile as read for this message; valid for this turn only. */
  customer?: ChatProfile;
}

const PROFILE_CHANNEL = 'desk:profiles';
/** The longest a bot answer's row waits for the puppet's echo before it is written without its id. */
const REPLY_HOLD_MS = 200;
const preview = (type: string, text?: string) => (type === 'text' ? (text ?? '').slice(0, 80) : `[${type}]`);

/** Conversations and their messages: capture from the bot, history and notes for agents. */
/** Which conversations a list shows: by state, assignee, customers, or having breached a response target. */
export interface ListFilter {
  state?: string[];
  assigneeId?: string;
  customerIds?: string[];
  breached?: boolean;
  /** A team manager's 升级给我: the chats whose missed target was escalated to them. */
  escalatedToId?: string;
  /** One of the agents' labels. */
  label?: string;
  /** Snoozed chats (until a time still ahead): left out of the list, or the only ones in it. */
  snoozed?: 'hide' | 'only';
}

export class ConversationService {
  private readonly profiles: ChatProfiles;
  /** Chat messages from the bot and 微信客服 are written in batches (message-writer.ts). */
  readonly writer: MessageWriter;

  constructor(
    private readonly deps: Deps,
    private readonly customers: CustomerService,
    private readonly live: DeskLive,
    private readonly groups: ChatGroupService,
    private readonly extensions?: Extensions,
  ) {
    this.profiles = new ChatProfiles(customers);
    this.writer = new MessageWriter(deps.log);
    // A name, owner or follower edit: chats answer with it and route live events by it from the next message.
    customers.onProfileChanged?.((tenantId, id) => void this.forgetProfile(tenantId, id).catch(() => undefined));
  }

  private profileNotices?: Promise<unknown>;

  /**
   * A profile was merged or erased: chats must not go on with the copy read before. Dropped here at
   * once, and in every other process (a bot on its own) through the desk's Redis channel.
   */
  async forgetProfile(tenantId: string, customerId: string): Promise<void> {
    this.profiles.forget(tenantId, customerId);
    await this.live.publish(PROFILE_CHANNEL, { tenantId, customerId });
  }

  private listenForProfileChanges(): Promise<unknown> {
    this.profileNotices ??= this.live
      .subscribe(PROFILE_CHANNEL, (p: { tenantId?: string; customerId?: string }) => {
        if (p?.tenantId && p.customerId) this.profiles.forget(p.tenantId, p.customerId);
      })
      .catch((err) => {
        // Without the channel a cached profile serves for PROFILE_CACHE_MS at most; tried again next message.
        this.profileNotices = undefined;
        this.deps.log.warn({ err: (err as Error).message }, 'profile change notices not subscribed');
      });
    return this.profileNotices;
  }

  /** The profile behind a chat contact; created with source `bot` the first time it speaks. */
  identifyContact(tenantId: string, contact: ChatContact): Promise<string> {
    return this.customers.identify(tenantId, contactIdentity(contact), { name: contact.name || undefined, avatar: contact.avatar || undefined }, 'bot');
  }

  /**
   * Stores one message and links it to its conversation and profile. The puppet's message id is the
   * idempotency key: a second delivery finds the unique index taken and changes nothing.
   */
  async capture(tenantId: string, input: CaptureInput): Promise<CaptureResult> {
    const { peer } = input;
    const inbound = input.talker !== 'self';
    const customerContact = peer.kind === 'private' ? peer.contact : inbound ? (input.talker as ChatContact) : undefined;
    if (!this.profileNotices) await this.listenForProfileChanges();
    const customer = customerContact ? await this.profiles.of(tenantId, customerContact) : undefined;
    const customerId = customer?.id;
    // One write opens the chat and moves its last message; the state it returns decides the rest.
    const last = { lastMessageAt: input.at, lastMessagePreview: preview(input.type, input.text) };
    let conversation = await this.openConversation(tenantId, input.botAccountId, peer, peer.kind === 'private' ? customerId : undefined, input.channel, last);

    const fields = {
      tenantId,
      conversationId: conversation._id,
      customerId: customerId ? new Types.ObjectId(customerId) : undefined,
      direction: inbound ? 'in' : 'out',
      author: inbound ? 'customer' : (input.author ?? 'account'),
      talkerId: inbound ? (input.talker as ChatContact).id : input.botAccountId,
      talkerName: inbound ? (input.talker as ChatContact).name : undefined,
      type: input.type,
      text: input.text ?? '',
      media: input.media,
      externalId: input.externalId,
      delivery: inbound ? undefined : 'sent',
      at: input.at,
    };
    // Acknowledged only once stored (its batch is written); the unique externalId tells a redelivery.
    const { id, stored } = this.writer.insert(fields);
    if ((await stored) === 'duplicate') return { duplicate: true, conversation, customerId, customer };

    const update: { $inc?: { unread: number }; $unset?: { snoozedUntil: 1 } } = {};
    if (inbound && ['queued', 'assigned'].includes(conversation.state)) update.$inc = { unread: 1 };
    // A customer who writes wakes a snoozed chat: it is back in its agent's list.
    if (inbound && conversation.snoozedUntil) update.$unset = { snoozedUntil: 1 };
    if (Object.keys(update).length)
      conversation =
        (await ConversationModel.findOneAndUpdate({ tenantId, _id: conversation._id }, update, { returnDocument: 'after' }).lean()) ?? conversation;
    await this.announce(tenantId, conversation, 'message.created', { ...fields, _id: id }, customer);
    return { duplicate: false, conversation, messageId: String(id), customerId, customer };
  }

  /** Finds or creates the conversation; the unique (account, peer) index settles concurrent first messages. */
  async openConversation(
    tenantId: string,
    botAccountId: string,
    peer: CaptureInput['peer'],
    customerId?: string,
    channel?: CaptureInput['channel'],
    last?: { lastMessageAt: Date; lastMessagePreview: string },
  ) {
    const peerId = peer.kind === 'private' ? peer.contact.id : peer.roomId;
    const title = peer.kind === 'private' ? peer.contact.name : peer.topic;
    const groupId = peer.kind === 'room' ? await this.groups.ensure(tenantId, botAccountId, peer.roomId, peer.topic) : undefined;
    const filter = { tenantId, botAccountId, peerId };
    const update = {
      $setOnInsert: { tenantId, botAccountId, peerId, kind: peer.kind, state: 'bot', ...(groupId ? { groupId } : {}), ...(channel ? { channel } : {}) },
      $set: { ...(title ? { title } : {}), ...(customerId ? { customerId: new Types.ObjectId(customerId) } : {}), ...last },
    };
    try {
      return (await ConversationModel.findOneAndUpdate(filter, update, { upsert: true, returnDocument: 'after' }).lean())!;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return (await ConversationModel.findOneAndUpdate(filter, { $set: update.$set }, { returnDocument: 'after' }).lean())!;
    }
  }

  async get(tenantId: string, id: string) {
    if (!Types.ObjectId.isValid(id)) throw notFound('Conversation');
    const doc = await ConversationModel.findOne({ tenantId, _id: id }).lean();
    if (!doc) throw notFound('Conversation');
    return doc;
  }

  findByPeer(tenantId: string, botAccountId: string, peerId: string) {
    return ConversationModel.findOne({ tenantId, botAccountId, peerId }).lean();
  }

  private listQuery(tenantId: string, filter: ListFilter) {
    const q: Record<string, unknown> = { tenantId };
    if (filter.breached) q['sla.breaches.0'] = { $exists: true };
    if (filter.state?.length) q.state = { $in: filter.state };
    if (filter.assigneeId) q.assigneeId = filter.assigneeId;
    if (filter.escalatedToId) q.escalatedToId = filter.escalatedToId;
    if (filter.customerIds) q.customerId = { $in: filter.customerIds.map((id) => new Types.ObjectId(id)) };
    if (filter.label) q.labels = filter.label;
    // Due snoozes count as awake at once, before the sweep clears them: the clock alone decides.
    if (filter.snoozed === 'only') q.snoozedUntil = { $gt: this.deps.now() };
    if (filter.snoozed === 'hide') q.$or = [{ snoozedUntil: { $exists: false } }, { snoozedUntil: { $lte: this.deps.now() } }];
    return q;
  }

  /** How many conversations a list view holds (the inbox's counts). */
  count(tenantId: string, filter: ListFilter) {
    return ConversationModel.countDocuments(this.listQuery(tenantId, filter));
  }

  async list(tenantId: string, filter: ListFilter & { limit: number; before?: Date }) {
    const q = this.listQuery(tenantId, filter);
    if (filter.before) q.lastMessageAt = { $lt: filter.before };
    const sort: Record<string, 1 | -1> = filter.state?.length === 1 && filter.state[0] === 'queued' ? { queuedAt: 1 } : { lastMessageAt: -1 };
    return ConversationModel.find(q).sort(sort).limit(filter.limit).lean();
  }

  /** Newest first, paged by time. Opening the chat as its assignee clears the unread count. */
  async history(tenantId: string, conversationId: string, opts: { limit: number; before?: Date; readerId?: string }) {
    const q: Record<string, unknown> = { tenantId, conversationId: new Types.ObjectId(conversationId) };
    if (opts.before) q.at = { $lt: opts.before };
    const items = await MessageModel.find(q).sort({ at: -1, _id: -1 }).limit(opts.limit).lean();
    if (opts.readerId) {
      await ConversationModel.updateOne({ tenantId, _id: conversationId, assigneeId: opts.readerId }, { $set: { unread: 0 } });
      // Opening the chat reads the notes that mention the reader: they leave 提及我.
      await MessageModel.updateMany(
        { tenantId, conversationId: new Types.ObjectId(conversationId), mentionsUnread: opts.readerId },
        { $pull: { mentionsUnread: opts.readerId } },
      );
    }
    return items;
  }

  /**
   * Everything a customer said and was told, across their private chats and the rooms they spoke in,
   * newest first: the history shown on the profile. Room chatter of others is not theirs and stays out.
   */
  async customerHistory(tenantId: string, customerId: string, opts: { limit: number; before?: Date }) {
    const q: Record<string, unknown> = { tenantId, customerId: new Types.ObjectId(customerId) };
    if (opts.before) q.at = { $lt: opts.before };
    const items = await MessageModel.find(q).sort({ at: -1, _id: -1 }).limit(opts.limit).lean();
    const ids = [...new Set(items.map((m) => String(m.conversationId)))];
    const own = await ConversationModel.find({ tenantId, customerId: new Types.ObjectId(customerId) })
      .sort({ lastMessageAt: -1 })
      .limit(50)
      .lean();
    const missing = ids.filter((id) => !own.some((c) => String(c._id) === id));
    const rooms = missing.length ? await ConversationModel.find({ tenantId, _id: { $in: missing.map((id) => new Types.ObjectId(id)) } }).lean() : [];
    return { items, conversations: [...own, ...rooms] };
  }

  /** `mentions`: colleagues' staff ids, already checked to be this brand's (mention.service.ts). */
  async addNote(tenantId: string, conversationId: string, staff: { id: string; name: string }, text: string, mentions: string[] = []) {
    const conversation = await this.get(tenantId, conversationId);
    const doc = await MessageModel.create({
      tenantId,
      conversationId: conversation._id,
      customerId: conversation.customerId,
      direction: 'internal',
      author: 'agent',
      staffId: staff.id,
      staffName: staff.name,
      type: 'text',
      text,
      ...(mentions.length ? { mentions, mentionsUnread: mentions } : {}),
      at: this.deps.now(),
    });
    await this.announce(tenantId, conversation, 'message.created', doc.toObject());
    return doc.toObject();
  }

  /** A desk event in the history (a transfer and its reason): an internal row by the desk, never delivered. */
  async addEvent(tenantId: string, conversation: ChatRef, actor: { id: string; name: string }, text: string) {
    const doc = await MessageModel.create({
      tenantId,
      conversationId: conversation._id,
      customerId: conversation.customerId,
      direction: 'internal',
      author: 'system',
      staffId: actor.id,
      type: 'text',
      text,
      at: this.deps.now(),
    });
    await this.announce(tenantId, conversation, 'message.created', doc.toObject());
    return doc.toObject();
  }

  /**
   * Agent replies and desk notices: stored now with delivery queued, delivered by the bot via the
   * outbound row. Upserted by outbound id, so completing a half-queued reply twice stores it once.
   */
  async recordQueuedReply(
    tenantId: string,
    conversation: ChatRef,
    input: {
      messageId: Types.ObjectId;
      author: 'agent' | 'system';
      text: string;
      attachment?: AttachmentRef;
      staffId?: string | null;
      staffName?: string | null;
      outboundId: Types.ObjectId;
      at: Date;
    },
  ) {
    const a = input.attachment;
    const filter = { tenantId, outboundId: input.outboundId };
    const fields = {
      _id: input.messageId,
      tenantId,
      conversationId: conversation._id,
      customerId: conversation.customerId,
      direction: 'out',
      author: input.author,
      staffId: input.staffId,
      staffName: input.staffName,
      talkerId: conversation.botAccountId,
      type: a ? a.kind : 'text',
      text: input.text,
      ...(a ? { media: { attachmentId: a.attachmentId, name: a.name, mime: a.mime, size: a.size } } : {}),
      outboundId: input.outboundId,
      delivery: 'queued',
      at: input.at,
    };
    let created = false;
    try {
      const res = await MessageModel.updateOne(filter, { $setOnInsert: fields }, { upsert: true });
      created = res.upsertedCount > 0;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    if (!created) return;
    // The stored row is `fields` (nothing else is set on insert): open inboxes are told from them,
    // beside the chat's last-message update rather than after it and a read-back.
    await Promise.all([
      ConversationModel.updateOne(
        { tenantId, _id: conversation._id },
        { $set: { lastMessageAt: input.at, lastMessagePreview: preview(a ? a.kind : 'text', input.text) } },
      ),
      this.announce(tenantId, conversation, 'message.created', fields),
    ]);
  }

  /** The bot's own answer, stored before it is said so the puppet's echo can be matched to it. */
  /**
   * Records the bot's answer, or returns null when the chat is no longer the bot's: an agent may have
   * taken it while the answer was being worked out (the handoff state was read when the message came
   * in), and a bot talking over the agent is what customers hold against other bots. The guard is the
   * conversation update this needed anyway, made conditional on the state.
   */
  async recordBotReply(tenantId: string, conversation: ChatRef, text: string, customer?: ChatProfile): Promise<string | null> {
    const at = this.deps.now();
    const still = await ConversationModel.updateOne(
      { tenantId, _id: conversation._id, state: 'bot' },
      { $set: { lastMessageAt: at, lastMessagePreview: preview('text', text) } },
    );
    if (!still.matchedCount) return null;
    // Queued, not awaited: the answer is said at once; its delivery mark and echo id join the queued row.
    const fields = {
      tenantId,
      conversationId: conversation._id,
      customerId: conversation.customerId,
      direction: 'out',
      author: 'bot',
      talkerId: conversation.botAccountId,
      type: 'text',
      text,
      delivery: 'queued',
      at,
    };
    // Held until said (setDelivery) and, where the channel echoes, until the echo's id is known.
    const { id } = this.writer.insert(fields, { holdMs: REPLY_HOLD_MS });
    await this.announce(tenantId, conversation, 'message.created', { ...fields, _id: id }, customer);
    return String(id);
  }

  /**
   * The bot's own answer was said (or not). A failure keeps the channel's reason and tells open
   * inboxes; a success stays one write, as the bot's answer path is counted in database calls.
   */
  async setDelivery(tenantId: string, messageId: string, delivery: 'sent' | 'failed', error?: string, opts: { echoExpected?: boolean } = {}): Promise<void> {
    if (delivery === 'sent') {
      // Where the channel echoes, the row waits for the echo's id too (whichever comes second releases it).
      const complete = (doc: Record<string, unknown>) => !opts.echoExpected || !!doc.externalId;
      if (!(await this.writer.patch(messageId, { delivery }, complete))) await MessageModel.updateOne({ tenantId, _id: messageId }, { $set: { delivery } });
      return;
    }
    // A failure is rare and shown at once: the row is written first, then marked.
    this.writer.release(messageId);
    await this.writer.flush();
    const msg = await MessageModel.findOneAndUpdate(
      { tenantId, _id: messageId },
      { $set: { delivery, ...(error ? { deliveryError: error.slice(0, 300) } : {}) } },
      { returnDocument: 'after' },
    ).lean();
    const conversation = msg && (await ConversationModel.findOne({ tenantId, _id: msg.conversationId }).lean());
    if (conversation) await this.announce(tenantId, conversation, 'message.delivery', msg);
  }

  async message(tenantId: string, id: string) {
    const doc = Types.ObjectId.isValid(id) ? await MessageModel.findOne({ tenantId, _id: id }).lean() : null;
    if (!doc) throw notFound('Message');
    return doc;
  }

  /** The puppet echoed a message we sent: remember its id, so a redelivered echo is not stored again. */
  async attachEcho(tenantId: string, messageId: string, externalId: string): Promise<void> {
    if (await this.writer.patch(messageId, { externalId }, (doc) => doc.delivery !== 'queued')) return;
    try {
      await MessageModel.updateOne({ tenantId, _id: messageId, externalId: { $exists: false } }, { $set: { externalId } });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  /** The bot confirmed (or gave up on) a queued reply; the puppet's id is attached when known. */
  async markDelivery(tenantId: string, outboundId: string, delivery: 'queued' | 'sent' | 'failed', externalId?: string, error?: string): Promise<void> {
    // The reason stays only while the message is failed: a retry that is queued or sent clears it.
    const state =
      delivery === 'failed' && error ? { $set: { delivery, deliveryError: error.slice(0, 300) } } : { $set: { delivery }, $unset: { deliveryError: 1 } };
    const filter = { tenantId, outboundId: new Types.ObjectId(outboundId) };
    try {
      await MessageModel.updateOne(filter, externalId ? { ...state, $set: { ...state.$set, externalId } } : state);
    } catch (err) {
      // The echo was stored on its own already; the delivery state still matters.
      if (!isDuplicateKeyError(err)) throw err;
      await MessageModel.updateOne(filter, state);
    }
    const msg = await MessageModel.findOne({ tenantId, outboundId: new Types.ObjectId(outboundId) }).lean();
    if (msg) {
      const conversation = await ConversationModel.findOne({ tenantId, _id: msg.conversationId }).lean();
      if (conversation) await this.announce(tenantId, conversation, 'message.delivery', msg);
    }
  }

  /**
   * Which of these customers are in a service chat now (queued for or with an agent): marketing must
   * not land in the middle of it (the broadcasts skip them with `in_service_chat`).
   */
  async customersInService(tenantId: string, customerIds: string[]): Promise<Set<string>> {
    if (!customerIds.length) return new Set();
    const ids = await ConversationModel.distinct('customerId', {
      tenantId,
      customerId: { $in: customerIds.map((id) => new Types.ObjectId(id)) },
      state: { $in: ['queued', 'assigned'] },
    });
    return new Set(ids.map(String));
  }

  /** Moves chats and messages when two profiles turn out to be one person (idempotent). */
  async moveCustomer(tenantId: string, fromId: string, toId: string): Promise<void> {
    const [from, to] = [new Types.ObjectId(fromId), new Types.ObjectId(toId)];
    await ConversationModel.updateMany({ tenantId, customerId: from }, { $set: { customerId: to } });
    await MessageModel.updateMany({ tenantId, customerId: from }, { $set: { customerId: to } });
    // Room member rows keep the old id: a merged id still resolves to the surviving profile.
  }

  /** `customer`, when the caller read the profile this turn, spares reading it again (used only if it is the chat's). */
  async announce(
    tenantId: string,
    conversation: ChatRef,
    type: 'message.created' | 'message.delivery' | 'conversation.updated',
    message?: MessageFields,
    customer?: ChatProfile,
  ): Promise<void> {
    if (type === 'conversation.updated') for (const o of this.extensions?.all('desk.conversation-observer') ?? []) o.onUpdated(tenantId, conversation);
    const chatCustomer = conversation.customerId ? String(conversation.customerId) : undefined;
    const staffIds = !chatCustomer ? [] : customer?.id === chatCustomer ? profileStaff(customer) : await this.customerStaff(tenantId, chatCustomer);
    await this.live.event({
      type,
      tenantId,
      conversationId: String(conversation._id),
      state: conversation.state,
      assigneeId: conversation.assigneeId,
      customerStaffIds: staffIds,
      message: message ? messageView(message) : undefined,
    });
  }

  private async customerStaff(tenantId: string, customerId: string): Promise<string[]> {
    const c = await this.customers.get(tenantId, customerId).catch(() => null);
    return c ? [c.ownerStaffId, ...(c.followerStaffIds ?? [])].filter((x): x is string => !!x) : [];
  }
}
