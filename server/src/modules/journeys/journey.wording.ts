import { sayIssue } from '../../shared/http/validation-message.js';
import type { IssueWords } from '../../shared/http/validation-zh.js';

/**
 * A refused journey said the way the step editor shows it: "第 2 步（发送消息），消息内容：请填写内容"
 * rather than `steps.1.text`; a step inside a condition's "no" branch is "第 3 步「否」分支第 1 步".
 * The labels are the editor's own (h5 journey editor), so the page and the server name a field alike.
 */
type Words = readonly [zh: string, en: string];
const KIND: Record<string, Words> = {
  wait: ['等待', 'wait'],
  condition: ['条件', 'condition'],
  send: ['发送消息', 'send'],
  coupon: ['发券', 'coupon'],
  tag: ['打标签', 'tag'],
  task: ['跟进任务', 'task'],
};
const FIELD: Record<string, Words> = {
  type: ['步骤类型', 'step type'],
  hours: ['等待时长', 'hours'],
  check: ['条件', 'check'],
  no: ['「否」分支', 'no branch'],
  text: ['消息内容', 'text'],
  channel: ['发送渠道', 'channel'],
  templateId: ['优惠券', 'coupon'],
  byTier: ['按等级发券', 'coupon by tier'],
  tagId: ['标签', 'tag'],
  title: ['任务内容', 'task title'],
  dueInHours: ['完成时限', 'due in hours'],
};
const TOP: Record<string, Words> = { name: ['旅程名称', 'name'], steps: ['步骤', 'steps'], trigger: ['触发条件', 'trigger'] };
const TRIGGER: Record<string, Words> = { type: ['触发方式', 'trigger type'], days: ['未下单天数', 'days without an order'] };

type StepLike = { type?: unknown; no?: unknown };
const asStep = (v: unknown): StepLike => (v && typeof v === 'object' ? (v as StepLike) : {});

export const journeyIssueWords: IssueWords = (issue, input, chinese) => {
  const i = chinese ? 0 : 1;
  const path = issue.path;
  const said = sayIssue(issue, chinese ? 'zh' : 'en');
  const sep = chinese ? '，' : ', ';
  const colon = chinese ? '：' : ': ';
  if (path[0] === 'trigger') {
    const at = TOP.trigger[i];
    const label = TRIGGER[String(path[1])]?.[i];
    return { at, message: `${at}${label ? `${sep}${label}` : ''}${colon}${said}` };
  }
  if (path[0] !== 'steps' || typeof path[1] !== 'number') {
    const label = TOP[String(path[0])]?.[i];
    return label ? { at: label, message: `${label}${colon}${said}` } : undefined;
  }
  let step = asStep((input as { steps?: unknown[] } | null)?.steps?.[path[1]]);
  let at = chinese ? `第 ${path[1] + 1} 步` : `step ${path[1] + 1}`;
  let rest = path.slice(2);
  if (rest[0] === 'no' && typeof rest[1] === 'number') {
    step = asStep((step.no as unknown[] | undefined)?.[rest[1]]);
    at += chinese ? `「否」分支第 ${rest[1] + 1} 步` : `, no branch step ${rest[1] + 1}`;
    rest = rest.slice(2);
  }
  const kind = KIND[String(step.type)]?.[i];
  if (kind) at += chinese ? `（${kind}）` : ` (${kind})`;
  const label = rest.length ? (FIELD[String(rest[0])]?.[i] ?? String(rest[0])) : '';
  return { at, message: `${at}${label ? `${sep}${label}` : ''}${colon}${said}` };
};
