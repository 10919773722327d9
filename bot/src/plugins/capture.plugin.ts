import type { Message, Wechaty, WechatyPlugin, Room, Contact } from 'wechaty';
import { fileEcho, withRetry, type BotContext, type Turn } from '../bot-context.js';
import { chatContact, messageContent } from '../message-payload.js';

/**
 * Capture: every message of private chats and rooms, in and out, is stored in its conversation and
 * linked to the profile (idempotent on the puppet's message id); room joins and leaves update the
 * group's members. When the bot holds the chat, the answer chain runs (the bot stays silent while
 * a human or the queue has it).
 */
export function capturePlugin(ctx: BotContext): WechatyPlugin {
  return (bot: Wechaty) => {
    const onMessage = (msg: Message) => {
      // The echo of a text we said is only its id to note: done at once, not queued behind other chats'
      // work, so the answer's row (held for it) is written with it instead of being updated after.
      if (msg.self() && msg.type() === bot.Message.Type.Text) {
        const stored = ctx.takeEcho(msg.room()?.id ?? msg.listener()?.id ?? '', msg.text());
        if (stored)
          return void ctx
            .track(ctx.s.desk.conversations.attachEcho(ctx.tenantId, stored, msg.id))
            .catch((err) => ctx.log.error({ err, messageId: msg.id }, 'bot echo not noted'));
      }
      const chat = msg.room()?.id ?? (msg.self() ? msg.listener()?.id : msg.talker().id) ?? msg.id;
      void ctx.serial(chat, () => handle(ctx, msg)).catch((err) => ctx.log.error({ err, messageId: msg.id }, 'bot message handling failed'));
    };
    const onJoin = (room: Room, invitees: Contact[]) =>
      void ctx
        .track(
          room
            .topic()
            .then((topic) => ctx.s.desk.groups.roomJoined(ctx.tenantId, ctx.selfId!, { id: room.id, topic }, invitees.map(chatContact), ctx.s.deps.now())),
        )
        .catch((err) => ctx.log.warn({ err, roomId: room.id }, 'room join not recorded'));
    const onLeave = (room: Room, leavers: Contact[]) =>
      void ctx
        .track(
          ctx.s.desk.groups.roomLeft(
            ctx.tenantId,
            room.id,
            leavers.map((c) => c.id),
          ),
        )
        .catch((err) => ctx.log.warn({ err, roomId: room.id }, 'room leave not recorded'));
    bot.on('message', onMessage);
    bot.on('room-join', onJoin);
    bot.on('room-leave', onLeave);
    return () => {
      bot.off('message', onMessage);
      bot.off('room-join', onJoin);
      bot.off('room-leave', onLeave);
    };
  };
}

async function handle(ctx: BotContext, msg: Message): Promise<void> {
  const botAccountId = ctx.selfId;
  if (!botAccountId) return;
  const self = msg.self();
  const room = msg.room();
  const other = self ? msg.listener() : msg.talker();
  if (!room && !other) return;
  const peerId = room ? room.id : other!.id;
  const { file, ...content } = await messageContent(msg);
  if (self) {
    const stored = ctx.takeEcho(peerId, file ? fileEcho(file.name) : (content.text ?? ''));
    if (stored) return ctx.s.desk.conversations.attachEcho(ctx.tenantId, stored, msg.id);
  }
  if (file && (content.type === 'image' || content.type === 'file' || content.type === 'audio' || content.type === 'video')) {
    // Kept before the message is stored, so the inbox can show it; a puppet redelivery keeps a second copy, never a second message.
    const kept = await ctx.s.desk.attachments
      .keepIncoming(ctx.tenantId, content.type, file)
      .catch((err) => ctx.log.warn({ err: (err as Error).message, messageId: msg.id }, 'attachment not kept'));
    if (kept) content.media = { ...content.media, attachmentId: kept.attachmentId, name: kept.name, mime: kept.mime, size: kept.size };
  }
  const peer = room ? { kind: 'room' as const, roomId: room.id, topic: await room.topic() } : { kind: 'private' as const, contact: chatContact(other!) };
  const result = await withRetry(() =>
    ctx.s.desk.handleInbound(ctx.tenantId, {
      botAccountId,
      peer,
      talker: self ? 'self' : chatContact(msg.talker()),
      externalId: msg.id,
      ...content,
      at: msg.date(),
      author: 'account',
    }),
  );
  if (!result.botMayReply || content.type !== 'text' || !content.text?.trim()) return;
  // In rooms the bot answers only when spoken to.
  if (room && !(await msg.mentionSelf())) return;
  const conversation = result.conversation;
  const turn: Turn = {
    message: msg,
    text: room ? await msg.mentionText() : content.text.trim(),
    tenantId: ctx.tenantId,
    conversationId: String(conversation._id),
    customerId: result.customerId,
    customer: result.customer,
    inRoom: !!room,
    reply: async (text) => {
      const messageId = await ctx.s.desk.conversations.recordBotReply(ctx.tenantId, conversation, text, result.customer);
      if (!messageId) return; // an agent took the chat meanwhile: the bot stays silent
      try {
        await ctx.say({ kind: conversation.kind, peerId: conversation.peerId }, text, messageId);
        await ctx.s.desk.conversations.setDelivery(ctx.tenantId, messageId, 'sent', undefined, { echoExpected: true });
      } catch (err) {
        await ctx.s.desk.conversations.setDelivery(ctx.tenantId, messageId, 'failed', (err as Error).message);
        throw err;
      }
    },
    matched: () => ctx.s.desk.matched(ctx.tenantId, String(conversation._id), conversation.noMatchStreak),
  };
  for (const responder of ctx.responders) {
    if (await responder.handle(turn)) return;
  }
}
