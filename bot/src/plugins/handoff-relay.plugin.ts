import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Wechaty, WechatyPlugin } from 'wechaty';
import type { BotContext } from '../bot-context.js';
import { FileBox, type FileBoxInterface } from 'file-box';
import { outboundChannel } from '../../../server/src/modules/conversations/desk-live.js';

/** An agent's image or file, read from the desk's attachment store, as Wechaty sends it. */
async function attachmentBox(ctx: BotContext, a: { attachmentId?: string | null }): Promise<FileBoxInterface> {
  const file = a.attachmentId ? await ctx.s.desk.attachments.get(ctx.tenantId, a.attachmentId) : null;
  if (!file) throw new Error('the attachment is no longer stored; upload it again');
  return FileBox.fromBase64(file.bytes.toString('base64'), file.name);
}

/**
 * Handoff relay: `人工`/"human" hands the chat to the desk, and replies written by agents (and desk
 * notices) reach the customer. Delivery reads the outbound rows: a Redis notice or the poll wakes the
 * relay, it claims one row at a time with a lease, sends, and confirms. A bot that stops mid-send
 * leaves the lease to expire and the row is sent by the next claim, so no reply is lost.
 */
export function handoffRelayPlugin(ctx: BotContext): WechatyPlugin {
  return (bot: Wechaty) => {
    const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    let running = false;
    let again = false;
    let stopped = false;
    let poll: NodeJS.Timeout | undefined;
    let unsubscribe: (() => Promise<void>) | undefined;

    const removeResponder = ctx.addResponder({
      name: 'handoff',
      priority: 200,
      async handle(turn) {
        // The tenant's words for the 'human' command (人工, 转人工… and any a manager added).
        if (turn.inRoom || (await ctx.s.desk.commands.which(turn.tenantId, turn.text, false)) !== 'human') return false;
        await ctx.s.desk.handoff.requestHuman(turn.tenantId, turn.conversationId, 'customer asked for a human');
        return true;
      },
    });

    const deliverOne = async (): Promise<boolean> => {
      const row = await ctx.s.desk.outbound.claim(ctx.tenantId, ctx.selfId!, owner);
      if (!row) return false;
      try {
        const conversation = await ctx.s.desk.conversations.get(ctx.tenantId, String(row.conversationId));
        await ctx.say(
          { kind: conversation.kind, peerId: row.peerId },
          row.attachment ? await attachmentBox(ctx, row.attachment) : row.text,
          String(row.messageId),
        );
        await ctx.s.desk.outbound.markSent(ctx.tenantId, String(row._id), owner);
      } catch (err) {
        ctx.log.warn({ err: (err as Error).message, outboundId: String(row._id) }, 'outbound send failed; will retry');
        await ctx.s.desk.outbound.markFailed(ctx.tenantId, String(row._id), owner, (err as Error).message);
      }
      return true;
    };

    const drain = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          while (!stopped && ctx.selfId && (await deliverOne()));
        } while (again && !stopped);
      } catch (err) {
        ctx.log.warn({ err: (err as Error).message }, 'outbound drain failed; the poll retries');
      } finally {
        running = false;
      }
    };
    const wake = () => {
      if (!stopped) void ctx.track(drain());
    };

    const onLogin = async () => {
      if (stopped || !ctx.selfId) return;
      const subscribed = await ctx.s.desk.live.subscribe(outboundChannel(ctx.selfId), wake);
      // Stopped while subscribing (a bot stopped right after its login): nothing may outlive the stop.
      if (stopped) return void subscribed();
      unsubscribe = subscribed;
      poll ??= setInterval(wake, ctx.s.deps.config.BOT_OUTBOUND_POLL_MS);
      wake();
    };
    const onLogout = () => {
      void unsubscribe?.();
      unsubscribe = undefined;
    };
    bot.on('login', onLogin);
    bot.on('logout', onLogout);
    if (ctx.selfId) void onLogin();

    return () => {
      stopped = true;
      removeResponder();
      if (poll) clearInterval(poll);
      void unsubscribe?.();
      bot.off('login', onLogin);
      bot.off('logout', onLogout);
    };
  };
}
