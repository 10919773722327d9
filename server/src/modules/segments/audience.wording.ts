import type { z } from 'zod';
import type { IssueWords } from '../../shared/http/validation-zh.js';
import { msg, sayIssue } from '../../shared/http/validation-message.js';

/**
 * A refused audience said the way the builder shows it: "第 2 组第 1 条：金额下限不能大于上限" rather
 * than `audience.rules.1.rules.0 min must not exceed max`. Each step into the tree is named by what
 * it is and its place among its siblings (第 n 组 for a group, 第 n 条 for a condition, counting from 1
 * in the order the builder lists them), then the field by the builder's label for that condition.
 * The response keeps the raw path beside the sentence, so the page can mark the row.
 */

type Words = readonly [zh: string, en: string];

/** Field labels by condition type, as the builder labels its inputs. */
const FIELDS: Record<string, Record<string, Words>> = {
  group: { op: ['且/或', 'AND/OR'], not: ['排除', 'NOT'], rules: ['', ''] },
  tags: { match: ['匹配方式', 'match'], tagIds: ['标签', 'tags'] },
  rfm: { classes: ['RFM 分层', 'RFM classes'], r: ['R 分', 'R score'], f: ['F 分', 'F score'], m: ['M 分', 'M score'] },
  orders: { metric: ['消费指标', 'order figure'] },
  behaviour: { action: ['行为', 'action'], productId: ['商品编号', 'product id'], category: ['品类', 'category'], withinDays: ['天数', 'days'] },
  loyalty: { member: ['是否会员', 'member'], tiers: ['会员等级', 'tiers'], points: ['积分', 'points'], coupon: ['优惠券', 'coupon'] },
  city: { in: ['城市', 'cities'] },
  gender: { in: ['性别', 'genders'] },
  birthdayMonth: { in: ['生日月份', 'birthday months'] },
  sourceChannel: { in: ['来源渠道', 'source channels'] },
  owner: { staffIds: ['跟进员工', 'owners'] },
  wecomRelation: { in: ['企业微信关系', 'WeCom relations'] },
  churn: { in: ['流失状态', 'churn states'] },
  consent: { purpose: ['授权类型', 'purpose'], granted: ['是否同意', 'granted'] },
};
const TYPE: Words = ['条件类型', 'condition type'];
/** What an orders condition's min and max bound, by its metric (amounts are shown in 元, stored in fen). */
const ORDERS: Record<string, Words> = {
  totalPaid: ['金额', 'amount paid'],
  orderCount: ['订单数', 'order count'],
  lastOrderDays: ['距上次下单天数', 'days since the last order'],
};
const BOUND: Record<string, Words> = { min: ['下限', ' min'], max: ['上限', ' max'] };

type Node = { type?: unknown; metric?: unknown; rules?: unknown };
const asNode = (v: unknown): Node => (v && typeof v === 'object' ? (v as Node) : {});
const isGroup = (n: Node) => n.type === 'group' || (n.type === undefined && Array.isArray(n.rules));

/** The place of a node: 第 2 组第 1 条 / group 2, rule 1 (the root group is the audience itself). */
function place(steps: Array<{ group: boolean; n: number }>, zh: boolean): string {
  if (!steps.length) return zh ? '人群条件' : 'audience';
  return zh ? steps.map((s) => `第 ${s.n} ${s.group ? '组' : '条'}`).join('') : steps.map((s) => `${s.group ? 'group' : 'rule'} ${s.n}`).join(', ');
}

/** What a range (min/max) inside a node bounds: the orders metric, an RFM score, points. */
function rangeSubject(node: Node, field: PropertyKey | undefined, zh: boolean): string | undefined {
  const i = zh ? 0 : 1;
  if (node.type === 'orders' && field === undefined) return ORDERS[String(node.metric)]?.[i];
  if (field !== undefined) return FIELDS[String(node.type)]?.[String(field)]?.[i];
  return undefined;
}

/** The field's label: 金额下限, R 分上限, 标签, 条件类型. */
function fieldLabel(node: Node, rest: PropertyKey[], zh: boolean): string {
  const i = zh ? 0 : 1;
  const [first, second] = rest;
  if (first === undefined) return '';
  if (first === 'type') return TYPE[i];
  const bound = (key: PropertyKey | undefined) => (typeof key === 'string' ? BOUND[key]?.[i] : undefined);
  if (node.type === 'orders' && bound(first)) return `${ORDERS[String(node.metric)]?.[i] ?? ''}${bound(first)}`.trim();
  const label = FIELDS[isGroup(node) ? 'group' : String(node.type)]?.[String(first)]?.[i] ?? String(first);
  return bound(second) ? `${label}${bound(second)}` : label;
}

/** The sentences a range and the tree's bounds write, said about the thing they are in. */
function sentence(issue: z.core.$ZodIssue, node: Node, rest: PropertyKey[], zh: boolean): string | undefined {
  const subject = rangeSubject(node, rest[0], zh);
  if (issue.message === msg('RANGE_MIN_OVER_MAX') && subject) return zh ? `${subject}下限不能大于上限` : `${subject}: min must not exceed max`;
  if (issue.message === msg('RANGE_BOUND_REQUIRED') && subject) return zh ? `请填写${subject}的下限、上限或两者` : `${subject}: give min, max or both`;
  if (!zh) return undefined;
  if (issue.code === 'invalid_union' && rest[0] === 'type') return '不支持这种条件';
  return undefined;
}

/**
 * Words an issue under the body's `audience` (preview, create and edit of a segment); other fields
 * keep the general wording.
 */
export const audienceIssueWords: IssueWords = (issue, input, chinese) => {
  const path = issue.path;
  if (path[0] !== 'audience') return undefined;
  let node = asNode((input as { audience?: unknown } | null)?.audience);
  const steps: Array<{ group: boolean; n: number }> = [];
  let i = 1;
  while (path[i] === 'rules' && typeof path[i + 1] === 'number') {
    node = asNode((node.rules as unknown[] | undefined)?.[path[i + 1] as number]);
    steps.push({ group: isGroup(node), n: (path[i + 1] as number) + 1 });
    i += 2;
  }
  const rest = path.slice(i);
  const at = place(steps, chinese);
  const own = sentence(issue, node, rest, chinese);
  const label = own ? '' : fieldLabel(node, rest, chinese);
  const said = own ?? sayIssue(issue, chinese ? 'zh' : 'en');
  const message = chinese ? `${at}${label ? `，${label}` : ''}：${said}` : `${at}${label ? `, ${label}` : ''}: ${said}`;
  return { at, message };
};
