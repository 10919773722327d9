import type { WechatyPlugin } from 'wechaty';
import type { BotContext, Turn } from '../bot-context.js';

const FALLBACK = '抱歉，我没有听懂。您可以换个说法，或回复「人工」转人工客服。';

/**
 * Auto-reply: the tenant's keyword/regex rules by priority, then its FAQ entries. A rule may hand
 * the chat to a human instead of answering. The second unanswered question in a row hands over too,
 * so a customer is never stuck with a bot that does not understand. Last in the answer chain.
 */
export function autoReplyPlugin(ctx: BotContext): WechatyPlugin {
  return () =>
    ctx.addResponder({
      name: 'auto-reply',
      priority: 0,
      async handle(turn: Turn) {
        const match = await ctx.s.desk.rules.match(turn.tenantId, turn.text);
        if (match) {
          await turn.matched();
          if (match.action === 'handoff' && !turn.inRoom) {
            await ctx.s.desk.handoff.requestHuman(turn.tenantId, turn.conversationId, `rule ${match.ruleId}`);
            return true;
          }
          if (match.reply) await turn.reply(await ctx.s.desk.render(turn.tenantId, match.reply, turn.customerId, turn.customer));
          return true;
        }
        if (turn.inRoom) return true;
        const streak = await ctx.s.desk.noMatch(turn.tenantId, turn.conversationId);
        if (streak >= 2) await ctx.s.desk.handoff.requestHuman(turn.tenantId, turn.conversationId, 'no answer twice in a row');
        else await turn.reply(FALLBACK);
        return true;
      },
    });
}
