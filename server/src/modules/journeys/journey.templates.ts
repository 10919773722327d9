import type { JourneyInput } from './journey.schemas.js';
import type { ErrorCode } from '../../shared/errors/codes.js';

/**
 * Starting points a community manager copies and fills in (coupon templates and tags are the
 * tenant's own, so their ids are left as placeholders to replace).
 */
export const TEMPLATE_ID = '000000000000000000000000';
export const journeyTemplates: Array<{ key: string; description: string; journey: JourneyInput }> = [
  {
    key: 'welcome',
    description: 'Day 0 welcome, day 3 coupon after a customer adds us',
    journey: {
      name: '新客欢迎',
      enabled: true,
      trigger: { type: 'customer.created' },
      steps: [
        { type: 'condition', check: 'newContact' },
        { type: 'send', channel: 'wecom_group_msg', text: '欢迎加入！有任何问题随时找我～' },
        { type: 'wait', hours: 72 },
        { type: 'coupon', templateId: TEMPLATE_ID },
        { type: 'send', channel: 'wecom_group_msg', text: '送您一张新人券，已放入会员中心' },
      ],
    },
  },
  {
    key: 'birthday',
    description: 'Greeting and a coupon on the day, a better coupon for higher tiers',
    journey: {
      name: '生日关怀',
      enabled: true,
      trigger: { type: 'birthday' },
      steps: [
        { type: 'coupon', templateId: TEMPLATE_ID, byTier: { gold: TEMPLATE_ID } },
        { type: 'send', channel: 'wecom_group_msg', text: '生日快乐！生日礼券已放入您的会员中心' },
      ],
    },
  },
  {
    key: 'win-back',
    description: 'Dormant 60 days: coupon, reminder after 3 days, then a task for the owner',
    journey: {
      name: '沉睡唤醒',
      enabled: true,
      trigger: { type: 'dormant', days: 60 },
      steps: [
        { type: 'coupon', templateId: TEMPLATE_ID },
        { type: 'send', channel: 'wecom_group_msg', text: '好久不见，送您一张回归券' },
        { type: 'wait', hours: 72 },
        { type: 'condition', check: 'noOrderSinceStart' },
        { type: 'send', channel: 'wecom_group_msg', text: '回归券即将过期，别错过哦' },
        { type: 'task', title: '沉睡客户 {name} 仍未回购，请电话回访', dueInHours: 48 },
      ],
    },
  },
  {
    key: 'churn-warning',
    description: 'A buyer past their usual cadence (the churn sweep): a care coupon now, a reminder after 3 days unless they ordered',
    journey: {
      name: '流失预警关怀',
      enabled: true,
      trigger: { type: 'churn.at_risk' },
      steps: [
        { type: 'coupon', templateId: TEMPLATE_ID },
        { type: 'send', channel: 'wecom_group_msg', text: '好久没见您啦，给您留了一张专属券' },
        { type: 'wait', hours: 72 },
        { type: 'condition', check: 'noOrderSinceStart' },
        { type: 'send', channel: 'wecom_group_msg', text: '专属券还在，需要帮您挑点什么吗？' },
      ],
    },
  },
  {
    key: 'abandoned-cart',
    description: 'cart.added without an order within 4 hours: a nudge',
    journey: {
      name: '加购未付',
      enabled: true,
      trigger: { type: 'cart.added' },
      steps: [
        { type: 'wait', hours: 4 },
        { type: 'condition', check: 'noOrderSinceStart' },
        { type: 'send', channel: 'wecom_group_msg', text: '您加购的宝贝库存紧张，需要帮您留货吗？' },
      ],
    },
  },
  {
    key: 'review-request',
    description: 'Five days after a paid order: ask for a review',
    journey: {
      name: '售后评价',
      enabled: true,
      trigger: { type: 'order.paid' },
      steps: [
        { type: 'wait', hours: 120 },
        { type: 'send', channel: 'wecom_group_msg', text: '用得还满意吗？欢迎给我们留个评价' },
      ],
    },
  },
];

export const JourneyTemplateError = { NEEDS_COUPON: 'JOURNEY_TEMPLATE_NEEDS_COUPON', UNKNOWN: 'JOURNEY_TEMPLATE_UNKNOWN' } as const satisfies Record<
  string,
  ErrorCode
>;

/**
 * A template filled in with the tenant's own coupon template (and, for birthdays, one per tier);
 * returns an error code instead when a coupon the template needs was not given.
 */
export function fillTemplate(
  key: string,
  fill: { name?: string; couponTemplateId?: string; couponByTier?: Record<string, string> },
): JourneyInput | { error: keyof typeof JourneyTemplateError } {
  const t = journeyTemplates.find((x) => x.key === key);
  if (!t) return { error: 'UNKNOWN' };
  const steps = t.journey.steps.map((step) => {
    if (step.type !== 'coupon') return step;
    return {
      type: 'coupon' as const,
      templateId: fill.couponTemplateId ?? TEMPLATE_ID,
      ...(fill.couponByTier && Object.keys(fill.couponByTier).length ? { byTier: fill.couponByTier } : {}),
    };
  });
  if (steps.some((st) => st.type === 'coupon' && st.templateId === TEMPLATE_ID)) return { error: 'NEEDS_COUPON' };
  return { ...t.journey, name: fill.name ?? t.journey.name, steps };
}
