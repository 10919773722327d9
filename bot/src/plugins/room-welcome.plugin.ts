import type { Contact, Room, Wechaty, WechatyPlugin } from 'wechaty';
import type { BotContext } from '../bot-context.js';

/** Room welcome: greets people who join a room the bot is in, with the tenant's welcome text. */
export function roomWelcomePlugin(ctx: BotContext): WechatyPlugin {
  return (bot: Wechaty) => {
    const onJoin = (room: Room, invitees: Contact[]) =>
      void ctx.track(welcome(ctx, room, invitees)).catch((err) => ctx.log.warn({ err: (err as Error).message, roomId: room.id }, 'room welcome failed'));
    bot.on('room-join', onJoin);
    return () => bot.off('room-join', onJoin);
  };
}

async function welcome(ctx: BotContext, room: Room, invitees: Contact[]): Promise<void> {
  const newcomers = invitees.filter((c) => c.id !== ctx.selfId);
  if (!newcomers.length || !ctx.selfId) return;
  const topic = await room.topic();
  const settings = await ctx.s.desk.rules.settings(ctx.tenantId);
  const text = settings.roomWelcome.replaceAll('{name}', newcomers.map((c) => c.name()).join('、')).replaceAll('{topic}', topic);
  const conversation = await ctx.s.desk.conversations.openConversation(ctx.tenantId, ctx.selfId, { kind: 'room', roomId: room.id, topic });
  const messageId = await ctx.s.desk.conversations.recordBotReply(ctx.tenantId, conversation, text);
  if (!messageId) return; // an agent holds the room's chat: the bot does not speak over them
  await ctx.say({ kind: 'room', peerId: room.id }, text, messageId);
  await ctx.s.desk.conversations.setDelivery(ctx.tenantId, messageId, 'sent');
}
