/**
 * What the server itself says to people in Chinese — the bot's and the desk's replies in a customer's
 * chat — as data, out of the services. `{name}` is filled by say(); the default room welcome keeps its
 * `{name}`/`{topic}` for the bot to fill per room (it is a tenant-editable template, returned as is).
 * The pages' words are the H5 locale files (h5/src/locales), request validation's validation.zh-CN.ts (zod's words) and validation-messages.ts (the schemas').
 */
export const zhCN = {
  /** The customer asked for a person and joined the queue; followed by their place (handoff.*). */
  'handoff.queued': '已为您转接人工客服',
  /** The customer asked again while queued. */
  'handoff.stillQueued': '您仍在排队',
  'handoff.afterHours': '{lead}。现在是非工作时间，客服将于 {opening} 上班后第一时间回复您。',
  'handoff.nobodyOnline': '{lead}。现在客服都不在线，您的留言已记录，客服上线后会第一时间回复您。',
  'handoff.ahead': '{lead}，您前面还有 {ahead} 位，请稍候。',
  'handoff.transferred': '已为您转接至 {name}。',
  /** An agent handed the chat to a team: the customer hears this; the history and the queue keep the reason. */
  'handoff.toTeam': '已为您转接至{team}，请稍候。',
  'handoff.teamReason': '转给团队',
  'handoff.teamReasonWith': '转给团队：{reason}',
  /** History lines (staff only) of a transfer, with the reason given. */
  'history.toTeam': '{actor} 转给团队「{team}」',
  'history.toTeamWith': '{actor} 转给团队「{team}」：{reason}',
  'history.toStaff': '{actor} 转给 {to}',
  'history.toStaffWith': '{actor} 转给 {to}：{reason}',
  'handoff.resolved': '本次人工服务已结束，感谢您的耐心。如需帮助，随时留言。',
  'handoff.assigned': '您好，我是 {name}，很高兴为您服务。',
  /** `{name}` in a reply for a customer whose name is unknown. */
  'bot.unknownName': '亲',
  'bot.roomWelcome': '欢迎 {name} 加入「{topic}」！回复「积分」查积分，回复「人工」找客服。',
} as const;

export type ServerMessageKey = keyof typeof zhCN;

/** A line of the catalog with its `{name}`s filled from params (a missing one reads as nothing). */
export const say = (key: ServerMessageKey, params: Record<string, string | number> = {}): string =>
  zhCN[key].replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
