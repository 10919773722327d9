/**
 * The bot's built-in commands: a customer message that is exactly one of a command's words (case,
 * spaces and punctuation aside) runs it instead of the reply rules. `human` is answered by the
 * handoff relay (and the 微信客服 channel), the others by bot/src/plugins/commands.plugin.ts.
 * `locked` commands cannot be switched off and keep their default words (a manager may add more):
 * a customer must always be able to reach a person and to stop marketing (回复 TD 退订).
 */
export const BOT_COMMANDS = [
  { id: 'human', words: ['人工', '人工客服', '转人工', 'human', 'agent'], rooms: false, locked: true },
  { id: 'points', words: ['积分', '查积分', '我的积分', 'point', 'points'], rooms: true, locked: false },
  { id: 'check-in', words: ['签到', 'checkin', 'check-in', 'check in'], rooms: true, locked: false },
  { id: 'coupons', words: ['优惠券', '我的优惠券', 'coupon', 'coupons'], rooms: true, locked: false },
  { id: 'bind', words: ['绑定', '绑定会员', '关联会员', 'bind'], rooms: false, locked: false },
  { id: 'stop', words: ['TD', '退订', '取消订阅', 'unsubscribe', 'stop'], rooms: false, locked: true },
  { id: 'resume', words: ['恢复订阅', '订阅', 'subscribe'], rooms: false, locked: false },
] as const;

export type BotCommandId = (typeof BOT_COMMANDS)[number]['id'];
export const BOT_COMMAND_IDS = BOT_COMMANDS.map((c) => c.id) as [BotCommandId, ...BotCommandId[]];
