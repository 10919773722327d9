import type { Context } from 'koa';
import type { z } from 'zod';
import { zodIssueWords, zodTypeWords, type ZodIssueKey } from '../../i18n/validation.zh-CN.js';

/**
 * Request validation in Chinese, for a caller who asks for it (`Accept-Language: zh…`; the H5 pages
 * send the language they are showing, the mini-app zh-CN). The API's words stay English for everyone
 * else. zod's own refusals are said by issue code and params from a catalog (a per-parse error map:
 * a schema's own message takes precedence, as zod defines); the schemas' own English sentences are looked up in SAID
 * (`tests/unit/validation-zh.test.ts` fails when a schema gains one without a Chinese line).
 */

export const SAID: Record<string, string> = {
  'must be a 24-character hex id': '应为 24 位十六进制编号',
  'write something': '请填写内容',
  'mention at most 10 colleagues': '一条备注最多提及 10 位同事',
  'give the file name': '请提供文件名',
  'send a JPG or PNG image, or a PDF, Word, Excel, PowerPoint, text, CSV or ZIP file': '只能发送 JPG/PNG 图片，或 PDF、Word、Excel、PPT、文本、CSV、ZIP 文件',
  'write the message text': '请填写消息内容',
  'scores run from 1 to 5': '分值为 1 到 5',
  'months run from 1 to 12': '月份为 1 到 12',
  'month 1–12': '月份为 1 到 12',
  'that month has no such day': '这个月没有这一天',
  'min must not exceed max': '最小值不能大于最大值',
  'give min, max or both': '请填写最小值、最大值或两者',
  'days must be 1 to 90': '天数为 1 到 90',
  'to must be a date like 2026-03-31': '结束日期应为有效日期，例如 2026-03-31',
  'now must be true or false': 'now 应为 true 或 false',
  'idempotencyKey: send a fresh random string (8–64 characters) per intended action': '请为每次操作提供一个新的随机编号（8–64 个字符）',
  'idempotencyKey: send a fresh random string (8–64 characters) per requestSubscribeMessage call': '每次订阅请求请提供一个新的随机编号（8–64 个字符）',
  'variant keys must be unique': 'A/B 版本的编号不能重复',
  'a journey message may use the placeholders {name}, {points} and {tier} only': '旅程消息只能使用占位符 {name}、{points} 和 {tier}',
  'variant keys are short letters/digits': 'A/B 版本的编号只能是字母或数字',
  'validity.to must be after validity.from': '有效期的结束时间必须晚于开始时间',
  'use HH:MM, e.g. 09:00': '请使用 时:分 格式，例如 09:00',
  'use a date like 2027-01-01': '请使用日期格式，例如 2027-01-01',
  'close must be after open': '下班时间必须晚于上班时间',
  'one opening time per weekday': '每个星期几只能设置一段营业时间',
  'a day cannot be both a holiday and a make-up working day': '同一天不能既是节假日又是调休工作日',
  'use 2-64 letters, digits, dot, dash or underscore': '请使用 2–64 个字母、数字、点、短横线或下划线',
  'type must be order.paid, order.refunded, cart.added, product.viewed, review.posted or custom.<name>':
    '事件类型应为 order.paid、order.refunded、cart.added、product.viewed、review.posted 或 custom.<名称>',
  'tiers and points apply to members; drop them or member: false': '等级和积分条件只适用于会员：请去掉它们，或设置 member: false',
  'tier thresholds must rise strictly, lowest tier first': '等级门槛必须从最低等级开始逐级升高',
  'tier codes must be unique': '等级代码不能重复',
  'tier code: lowercase letters, digits, _ or -': '等级代码只能使用小写字母、数字、_ 或 -',
  'the first tier must start at growth 0, so every member has a tier': '第一个等级的门槛必须为 0，这样每位会员都有等级',
  'the bot sends text and links only: remove the image or mini-program card, or use a WeCom channel':
    '机器人只能发送文字和链接：请去掉图片或小程序卡片，或改用企业微信渠道',
  'state: 8-64 letters, digits, _ or -': '渠道参数应为 8–64 个字母、数字、_ 或 -',
  'start and end of the send window must differ': '发送时段的开始和结束时间不能相同',
  'send at most 1,000 rows per request': '每次最多提交 1,000 行',
  'from must be before to': '开始时间必须早于结束时间',
  'send at least one row': '请至少提交一行',
  'send the file as text/csv': '请以 CSV 文件（text/csv）提交',
  'the file is empty': '文件是空的',
  'R is a score from 1 to 5': 'R 分应为 1 到 5',
  'F is a score from 1 to 5': 'F 分应为 1 到 5',
  'send at least one event': '请至少提交一个事件',
  'say why (e.g. the ticket of the request)': '请说明原因（例如工单编号）',
  'say marketing and/or profiling: true or false': '请选择是否接收营销消息和/或个性化推荐',
  'points must not be 0': '积分不能为 0',
  'points are never negative': '积分不能为负数',
  'path must be a page under /h5/': '路径必须是 /h5/ 下的页面',
  'openId needs the appId it belongs to': 'openId 需要同时提供所属的 appId',
  'occurredAt must be an ISO date-time': '发生时间应为 ISO 日期时间',
  'name at least one value': '请至少选择一个值',
  'name at least one tag': '请至少选择一个标签',
  'name at least one tag to add or remove': '请至少选择一个要添加或移除的标签',
  'select at least one customer': '请至少选择一位客户',
  'change at least one of name, description or audience': '请至少修改名称、说明或人群条件中的一项',
  'change at least one of name, groupName or order': '请至少修改名称、分组或排序中的一项',
  'must be the code from the chat link': '应为聊天中链接里的绑定码',
  'a channel code takes at most 100 staff members (WeCom limit)': '一个渠道活码最多 100 位成员（企业微信限制）',
  'a channel code takes at most 100 backup staff members (WeCom limit)': '一个渠道活码最多 100 位备用成员（企业微信限制）',
  'select at most 500 customers at once': '一次最多选择 500 位客户',
  'name at least one customer group': '请至少选择一个客户群',
  'name at least one bot room': '请至少选择一个机器人群聊',
  'must be the `next` value of the previous page': '应为上一页返回的 next 值',
  'must be at least 8 characters': '至少需要 8 个字符',
  'give the welcome message a text or a link': '欢迎语需要文字或链接',
  'give the segment a name': '请填写人群名称',
  'give the campaign a name': '请填写群发名称',
  'give mediaId or picUrl': '请提供 mediaId 或 picUrl',
  'give exactly one of handoverStaffId or handoverUserid': '原跟进成员请只选择一种方式指定（员工或企业微信 userid）',
  'give one of text, cannedReplyId or attachmentId': '请填写回复内容、选择一条快捷回复，或发送一张图片或一个文件（只选其一）',
  'give either content or variants (for an A/B test), not both': '请提供内容或 A/B 版本，二者选一',
  'give at least one identity: externalUserId, unionId, openId, phone or shopMemberId':
    '请至少提供一种身份：externalUserId、unionId、openId、手机号或店铺会员号',
  'give a reason the member would understand': '请填写会员能看懂的原因',
  'give a new title or text': '请填写新的标题或内容',
  'discountTenths is the price paid in tenths of 折: 85 = 8.5折': '折扣以十分之一折计：85 表示 8.5 折',
  'custom event data is limited to 4 KB': '自定义事件数据不能超过 4 KB',
  'nested deeper than 32 levels; send flatter JSON': '嵌套超过 32 层，请发送层级更少的数据',
  'configure at least one tier': '请至少设置一个等级',
  'code: send the code WeChat gave the mini-app': '请提供微信给小程序的登录凭证 code',
  'choose at least one staff member': '请至少选择一位员工',
  'choose at least one customer, or leave customerIds out for all': '请至少选择一位客户，或不选以转接全部客户',
  'choose at least one channel': '请至少选择一个渠道',
  'change at least one field': '请至少修改一项',
  'birthdayTemplateId must be a coupon template id': '生日礼券必须是一个优惠券模板',
  'at most 200 values': '最多 200 个值',
  'an rfm condition needs classes, r, f or m': 'RFM 条件需要分层、R、F 或 M 之一',
  'an exchange coupon needs pointsCost > 0': '积分兑换券的所需积分必须大于 0',
  'an amount coupon needs amountOff > 0 (fen)': '满减券的减免金额必须大于 0（分）',
  'amountOff cannot exceed the threshold': '减免金额不能超过使用门槛',
  'a wecom_group_msg or bot_private campaign goes to a segment: give segmentId (not chatIds or roomIds)':
    '这类群发发给人群：请选择人群（不要选客户群或机器人群聊）',
  'a wecom_group_chat campaign goes to customer groups: give chatIds (not segmentId or roomIds)':
    '客户群群发发给客户群：请选择客户群（不要选人群或机器人群聊）',
  'a reply rule needs the reply text': '自动回复规则需要回复内容',
  'a regex rule needs a pattern, a keyword rule keywords, an FAQ entry its question or keywords':
    '正则规则需要匹配表达式，关键词规则需要关键词，常见问题需要问题或关键词',
  'a similar question needs at least 2 characters': '相似问法至少 2 个字',
  'give at least one trigger word': '请至少填写一个触发词',
  'give enabled or words': '请选择开关或填写触发词',
  'give either toStaffId (an agent) or toTeamId (a team)': '请选择一位客服或一个团队',
  'keep the reason under 200 characters': '原因请控制在 200 字以内',
  'a percentage coupon needs discountTenths 1–99 (85 = 8.5折)': '折扣券的折扣应为 1–99（85 表示 8.5 折）',
  'a message to the customer is only sent for in-service transfers': '只有在职转接才会给客户发送消息',
  'a mainland mobile number, 11 digits': '请填写 11 位中国大陆手机号',
  'a loyalty condition needs member, tiers, points or coupon': '会员条件需要会员、等级、积分或优惠券之一',
  'a journey needs at least one step': '旅程至少需要一个步骤',
  'WeCom allows tag names up to 30 characters': '企业微信的标签名最多 30 个字符',
  'WeCom allows welcome text up to 4000 bytes': '企业微信的欢迎语最多 4000 字节',
  'WeCom allows at most 200 characters': '企业微信最多允许 200 个字符',
  'must be an IANA time zone such as Asia/Shanghai': '应为 IANA 时区，例如 Asia/Shanghai',
  'a bot_room campaign goes to bot rooms: give roomIds (not segmentId or chatIds)': '机器人群聊群发发给机器人群聊：请选择群聊（不要选人群或客户群）',
  'A/B variants, a holdout and coupons need individual customers; a group campaign sends one content to each group':
    'A/B 版本、对照组和优惠券需要发给单个客户；群聊群发给每个群发送同一内容',
  'a gift coupon needs giftName': '礼品券需要填写礼品名称',
  'a group needs at least one rule': '条件组至少需要一条条件',
  'a group holds at most 50 rules': '一个条件组最多 50 条条件',
};

/**
 * A route's own wording of a refused body's issue, for bodies a form builds (a nested audience): the
 * whole sentence, starting with the place as the form names it (`at`, e.g. 第 2 组第 1 条), so nobody
 * reads `audience.rules.1.rules.0`. Undefined leaves the issue to the general wording.
 */
export type IssueWords = (issue: z.core.$ZodIssue, input: unknown, chinese: boolean) => { at: string; message: string } | undefined;

/** Whether the caller asked for Chinese first (Koa's negotiation; no header means English). */
export const wantsChinese = (ctx: Pick<Context, 'acceptsLanguages'>): boolean => ctx.acceptsLanguages('en', 'zh') === 'zh';

/** `{name}` in a catalog line filled from params. */
const fill = (text: string, params: Record<string, string | number>): string => text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));

/** Which catalog line says an issue, and the params it names (undefined: zod's English, for codes not listed). */
function issueKey(issue: z.core.$ZodRawIssue): { key: ZodIssueKey; params: Record<string, string | number> } | undefined {
  type Said = { key: ZodIssueKey; params: Record<string, string | number> };
  const bySize = (bound: unknown, exclusive: boolean, code: 'too_small' | 'too_big', name: 'minimum' | 'maximum'): Said => {
    const origin = String(issue.origin);
    const n = Number(bound);
    if (origin === 'string') return { key: code === 'too_small' && n <= 1 ? 'too_small.string.one' : `${code}.string`, params: { [name]: n } };
    if (origin === 'array' || origin === 'set') return { key: `${code}.array`, params: { [name]: n } };
    if (origin === 'date') return { key: `${code}.date`, params: { [name]: new Date(n).toISOString() } };
    return { key: exclusive ? `${code}.other.exclusive` : `${code}.other`, params: { [name]: n } };
  };
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? { key: 'invalid_type.missing', params: {} }
        : { key: 'invalid_type', params: { expected: zodTypeWords[issue.expected] ?? issue.expected } };
    case 'too_small':
      return bySize(issue.minimum, issue.inclusive === false, 'too_small', 'minimum');
    case 'too_big':
      return bySize(issue.maximum, issue.inclusive === false, 'too_big', 'maximum');
    case 'invalid_format': {
      const key = `invalid_format.${issue.format}`;
      return { key: key in zodIssueWords ? (key as ZodIssueKey) : 'invalid_format.other', params: {} };
    }
    case 'invalid_value':
      return { key: 'invalid_value', params: { values: issue.values.map(String).join('、') } };
    case 'unrecognized_keys':
      return { key: 'unrecognized_keys', params: { keys: issue.keys.join('、') } };
    case 'not_multiple_of':
      return { key: 'not_multiple_of', params: { divisor: String(issue.divisor) } };
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return { key: issue.code, params: {} };
    default:
      return undefined;
  }
}

/** zod's own refusals in Chinese, by issue code and params from the catalog (server/src/i18n/validation.zh-CN.ts). */
export const zhIssue: z.core.$ZodErrorMap = (issue) => {
  const said = issueKey(issue);
  return said && fill(zodIssueWords[said.key], said.params);
};

/** One issue for a Chinese reader: zod's already in Chinese, a schema's own sentence looked up. */
export const zhMessage = (message: string): string => SAID[message] ?? message;
