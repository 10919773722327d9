import { t } from '../../../composables/use-i18n';
import type { MessageKey } from '../../../modules/i18n';
import type { BranchStep, ConditionCheck, JourneyDraft, JourneyStep, JourneyTrigger } from '../../../api/journeys';

/**
 * The step editor's model: a journey as rows the form binds to (every kind's fields on every row, so
 * switching a row's kind keeps what was typed), turned into the API's steps on save. Validation here
 * names the place and the field exactly as the server's refusals do (journey.wording.ts):
 * "第 2 步（发送消息），消息内容：请填写消息内容".
 */
export type StepKind = JourneyStep['type'];
export const STEP_KINDS: StepKind[] = ['wait', 'condition', 'send', 'coupon', 'tag', 'task'];
export const BRANCH_KINDS: StepKind[] = ['wait', 'send', 'coupon', 'tag', 'task'];
export const CHECKS: ConditionCheck[] = ['noOrderSinceStart', 'wecomActive', 'newContact'];
export const TRIGGERS: JourneyTrigger['type'][] = ['customer.created', 'birthday', 'dormant', 'cart.added', 'order.paid', 'churn.at_risk', 'points.expiring'];

export interface StepRow {
  uid: number;
  type: StepKind;
  amount: number;
  unit: 'hours' | 'days';
  check: ConditionCheck;
  text: string;
  templateId: string;
  byTier?: Record<string, string>;
  tagId: string;
  title: string;
  dueInHours: number;
  no: StepRow[];
}

export interface Draft {
  name: string;
  triggerType: JourneyTrigger['type'];
  days: number;
  rows: StepRow[];
}

export interface Issue {
  /** The API's path without `body.`: steps.1.text, steps.2.no.0.title, name. */
  path: string;
  message: string;
}

let uid = 0;
export function rowOf(step: JourneyStep | { type: StepKind }): StepRow {
  const s = step as Partial<Record<string, unknown>>;
  const hours = typeof s.hours === 'number' ? s.hours : 24;
  return {
    uid: ++uid,
    type: step.type,
    amount: hours > 0 && hours % 24 === 0 ? hours / 24 : hours,
    unit: hours > 0 && hours % 24 === 0 ? 'days' : 'hours',
    check: (s.check as ConditionCheck) ?? 'noOrderSinceStart',
    text: (s.text as string) ?? '',
    templateId: (s.templateId as string) ?? '',
    byTier: s.byTier as Record<string, string> | undefined,
    tagId: (s.tagId as string) ?? '',
    title: (s.title as string) ?? '',
    dueInHours: typeof s.dueInHours === 'number' ? s.dueInHours : 24,
    no: ((s.no as BranchStep[] | undefined) ?? []).map((b) => rowOf(b)),
  };
}

export function draftOf(j?: JourneyDraft): Draft {
  return {
    name: j?.name ?? '',
    triggerType: j?.trigger.type ?? 'customer.created',
    days: j?.trigger.type === 'dormant' ? j.trigger.days : 60,
    rows: (j?.steps ?? []).map((s) => rowOf(s)),
  };
}

function stepOf(r: StepRow): JourneyStep {
  switch (r.type) {
    case 'wait':
      return { type: 'wait', hours: r.unit === 'days' ? r.amount * 24 : r.amount };
    case 'condition':
      return { type: 'condition', check: r.check, ...(r.no.length ? { no: r.no.map((b) => stepOf(b) as BranchStep) } : {}) };
    case 'send':
      return { type: 'send', channel: 'wecom_group_msg', text: r.text.trim() };
    case 'coupon': {
      // A tier left on "the coupon above" is no entry at all.
      const byTier = Object.fromEntries(Object.entries(r.byTier ?? {}).filter(([, id]) => id));
      return { type: 'coupon', templateId: r.templateId, ...(Object.keys(byTier).length ? { byTier } : {}) };
    }
    case 'tag':
      return { type: 'tag', tagId: r.tagId };
    case 'task':
      return { type: 'task', title: r.title.trim(), dueInHours: r.dueInHours };
  }
}

export function bodyOf(d: Draft): JourneyDraft {
  const trigger = (d.triggerType === 'dormant' ? { type: 'dormant', days: d.days } : { type: d.triggerType }) as JourneyTrigger;
  return { name: d.name.trim(), trigger, steps: d.rows.map(stepOf) };
}

/** What the form refuses before asking the server (the server checks the same and more). */
export function validate(d: Draft): Issue[] {
  const out: Issue[] = [];
  if (!d.name.trim()) out.push({ path: 'name', message: t('journey.need.name') });
  if (d.triggerType === 'dormant' && !(d.days >= 7 && d.days <= 720)) out.push({ path: 'trigger.days', message: t('journey.need.days') });
  if (!d.rows.length) out.push({ path: 'steps', message: t('journey.need.steps') });
  const check = (r: StepRow, path: string) => {
    if (r.type === 'wait' && !(r.amount > 0)) out.push({ path: `${path}.hours`, message: t('journey.need.hours') });
    if (r.type === 'send' && !r.text.trim()) out.push({ path: `${path}.text`, message: t('journey.need.text') });
    if (r.type === 'coupon' && !r.templateId) out.push({ path: `${path}.templateId`, message: t('journey.need.templateId') });
    if (r.type === 'tag' && !r.tagId) out.push({ path: `${path}.tagId`, message: t('journey.need.tagId') });
    if (r.type === 'task' && !r.title.trim()) out.push({ path: `${path}.title`, message: t('journey.need.title') });
    if (r.type === 'condition') r.no.forEach((b, j) => check(b, `${path}.no.${j}`));
  };
  d.rows.forEach((r, i) => check(r, `steps.${i}`));
  return out;
}

/** An issue as a sentence naming its place and field as the form labels them (the server's wording of its own refusals). */
export function sentence(d: Draft, issue: Issue): string {
  const parts = issue.path.split('.');
  if (parts[0] === 'name') return `${t('journey.name')}：${issue.message}`;
  if (parts[0] === 'trigger') return `${t('journey.trigger')}${parts[1] === 'days' ? `，${t('journey.dormantDays')}` : ''}：${issue.message}`;
  if (parts[0] !== 'steps' || parts.length < 2) return `${t('journey.steps')}：${issue.message}`;
  let row = d.rows[Number(parts[1])];
  let at = t('journey.stepN', { n: Number(parts[1]) + 1 });
  let rest = parts.slice(2);
  if (rest[0] === 'no' && rest[1] !== undefined) {
    row = row?.no[Number(rest[1])];
    at += t('journey.branchStepN', { n: Number(rest[1]) + 1 });
    rest = rest.slice(2);
  }
  if (row) at += `（${t(`journey.kind.${row.type}` as MessageKey)}）`;
  const label = rest.length ? t(`journey.field.${rest[0]}` as MessageKey) : '';
  return `${at}${label ? `，${label}` : ''}：${issue.message}`;
}
