import type { Logger } from '../../shared/logger.js';
import type { DeskService, InboundResult } from '../conversations/desk.service.js';
import type { ChatRef } from '../conversations/desk.service.js';

const FALLBACK = '抱歉，我没有听懂。您可以换个说法，或回复「人工」转人工客服。';

/**
 * The bot's answer to one 微信客服 customer message: the same desk rules as the Wechaty bot's
 * handoff and auto-reply plugins (`人工` hands over; rules by priority; two unanswered questions in
 * a row hand over), said through kf/send_msg instead of a puppet.
 */
export class KfTurn {
  constructor(
    private readonly desk: DeskService,
    private readonly say: (tenantId: string, conversation: ChatRef, text: string, r: InboundResult) => Promise<void>,
    private readonly log: Logger,
  ) {}

  async answer(tenantId: string, r: InboundResult, text: string): Promise<void> {
    const conversationId = String(r.conversation._id);
    // The tenant's words for the 'human' command, as on the Wechaty bot.
    if ((await this.desk.commands.which(tenantId, text, false)) === 'human') {
      await this.desk.handoff.requestHuman(tenantId, conversationId, 'customer asked for a human');
      return;
    }
    const match = await this.desk.rules.match(tenantId, text);
    if (match) {
      await this.desk.matched(tenantId, conversationId, r.conversation.noMatchStreak ?? 0);
      if (match.action === 'handoff') {
        await this.desk.handoff.requestHuman(tenantId, conversationId, `rule ${match.ruleId}`);
        return;
      }
      if (match.reply) await this.say(tenantId, r.conversation, await this.desk.render(tenantId, match.reply, r.customerId, r.customer), r);
      return;
    }
    const streak = await this.desk.noMatch(tenantId, conversationId);
    if (streak >= 2) await this.desk.handoff.requestHuman(tenantId, conversationId, 'no answer twice in a row');
    else await this.say(tenantId, r.conversation, FALLBACK, r);
    this.log.debug({ conversationId, streak }, 'kf message matched no rule');
  }
}
