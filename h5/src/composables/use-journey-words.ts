import { t } from './use-i18n';
import { formatDate } from './use-format';
import type { MessageKey } from '../modules/i18n';
import type { JourneyStep, JourneyTrigger, RunLogLine } from '../api/journeys';

/**
 * Journeys in the reader's words: the trigger ("60 天未下单"), each step ("等待 3 天"), and what a
 * run's log line says happened. The server logs outcomes as short English notes; known ones are
 * translated here, anything else is shown as logged.
 */
export function triggerWords(trigger: JourneyTrigger): string {
  if (trigger.type === 'dormant') return t('journey.trigger.dormant', { n: trigger.days });
  return t(`journey.trigger.${trigger.type}` as MessageKey);
}

export function duration(hours: number): string {
  return hours > 0 && hours % 24 === 0 ? t('journey.days', { n: hours / 24 }) : t('journey.hours', { n: hours });
}

export function stepWords(
  step: JourneyStep,
  names: { coupons?: Record<string, string>; tags?: Record<string, string>; tiers?: Record<string, string> } = {},
): string {
  switch (step.type) {
    case 'wait':
      return t('journey.step.wait', { d: duration(step.hours) });
    case 'condition':
      return step.no?.length
        ? t('journey.step.conditionBranch', { c: t(`journey.check.${step.check}` as MessageKey), n: step.no.length })
        : t('journey.step.condition', { c: t(`journey.check.${step.check}` as MessageKey) });
    case 'send':
      return t('journey.step.send', { text: step.text });
    case 'coupon': {
      const name = names.coupons?.[step.templateId] ?? step.templateId;
      const tiers = Object.entries(step.byTier ?? {}).map(([tier, id]) =>
        t('journey.step.couponTier', { tier: names.tiers?.[tier] ?? tier, name: names.coupons?.[id] ?? id }),
      );
      return t('journey.step.coupon', { name }) + (tiers.length ? t('journey.step.couponTiers', { list: tiers.join(t('journey.step.listSep')) }) : '');
    }
    case 'tag':
      return t('journey.step.tag', { name: names.tags?.[step.tagId] ?? step.tagId });
    case 'task':
      return t('journey.step.task', { title: step.title, d: duration(step.dueInHours) });
  }
}

const SKIP_REASONS = ['opted_out', 'no_marketing_consent', 'no_profiling_consent', 'frequency_cap', 'no_address', 'in_service_chat'];

/** Why a message was not sent, as the run logged it ("opted_out") or in words where known. */
export function skipReason(reason: string): string {
  return SKIP_REASONS.includes(reason) ? t(`journey.skip.${reason}` as MessageKey) : reason;
}

/**
 * Where a run's position sits in the journey's steps, in the editor's terms: "第 3 步", or for a step
 * of a condition's "no" branch "第 2 步「否」分支第 1 步" (the runner lists the branches after the main
 * steps, each followed by its end; journey-program.ts on the server).
 */
export function placeWords(steps: JourneyStep[] | undefined, index: number): string {
  if (!steps || index < steps.length) return t('journey.stepN', { n: index + 1 });
  let at = steps.length + 1;
  for (const [i, s] of steps.entries()) {
    if (s.type !== 'condition' || !s.no?.length) continue;
    if (index < at + s.no.length) return t('journey.stepN', { n: i + 1 }) + t('journey.branchStepN', { n: index - at + 1 });
    at += s.no.length + 1;
  }
  return t('journey.stepN', { n: steps.length });
}

/** One log line as a sentence: "第 2 步 · 已发送" (`steps`, the run's version's, names a branch step's place). */
export function logWords(line: RunLogLine, steps?: JourneyStep[]): string {
  const o = line.outcome ?? '';
  const step = placeWords(steps, line.step);
  const said = ((): string => {
    if (o === 'profile gone') return t('journey.log.profileGone');
    if (o === 'journey disabled') return t('journey.log.disabled');
    switch (line.type) {
      case 'wait': {
        const h = /^until \+(\d+(?:\.\d+)?)h$/.exec(o);
        return h ? t('journey.log.wait', { d: duration(Number(h[1])) }) : o;
      }
      case 'send': {
        if (o.startsWith('sent')) return t('journey.log.sent');
        if (o.startsWith('skipped: ')) {
          return t('journey.log.skipped', { why: skipReason(o.slice(9)) });
        }
        if (o.startsWith('failed')) return t('journey.log.failed', { why: o.replace(/^failed:?\s*/, '') });
        const deferred = /^deferred to (\S+)/.exec(o);
        return deferred ? t('journey.log.deferred', { at: formatDate(deferred[1], true) }) : o;
      }
      case 'coupon':
        if (o.startsWith('coupon failed')) return t('journey.log.couponFailed', { why: o.replace(/^coupon failed:?\s*/, '') });
        if (o.startsWith('coupon skipped')) return t('journey.log.couponSkipped');
        return o.startsWith('coupon ') ? t('journey.log.coupon', { code: o.split(' ')[1] === 'from' ? '' : o.split(' ')[1] }) : o;
      case 'task':
        return o.startsWith('task ') ? t('journey.log.task') : o;
      case 'tag':
        return o.startsWith('tagged ') ? t('journey.log.tag') : o;
      case 'condition':
        if (o === 'a new contact' || o === 'wecom contact active' || o === 'no order since the journey began') return t('journey.log.conditionMet');
        if (o.startsWith('not a new contact')) return t('journey.log.notNew');
        if (o === 'not a WeCom contact') return t('journey.log.notWecom');
        if (o === 'ordered since the journey began') return t('journey.log.ordered');
        return o;
      default:
        return o;
    }
  })();
  return `${step} · ${said}`;
}
