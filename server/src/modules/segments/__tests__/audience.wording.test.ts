import { audienceSchema } from '../audience.schema.js';
import { audienceIssueWords } from '../audience.wording.js';
import { zhIssue } from '../../../shared/http/validation-zh.js';

/** What a person reads for a refused audience: the place as the builder numbers it, then what is wrong. */
const and = (...rules: unknown[]) => ({ type: 'group', op: 'and', rules });
function said(audience: unknown, chinese: boolean): string[] {
  const result = audienceSchema.safeParse(audience, chinese ? { error: zhIssue } : undefined);
  expect(result.success).toBe(false);
  return result.error!.issues.map((issue) => audienceIssueWords({ ...issue, path: ['audience', ...issue.path] }, { audience }, chinese)!.message);
}

test('a range names what it bounds, in the builder’s words, in Chinese and English', () => {
  const audience = and(
    { type: 'group', op: 'or', rules: [{ type: 'orders', metric: 'orderCount', min: 5, max: 2 }] },
    { type: 'orders', metric: 'lastOrderDays' },
  );
  expect(said(audience, true)).toEqual(['第 1 组第 1 条：订单数下限不能大于上限', '第 2 条：请填写距上次下单天数的下限、上限或两者']);
  expect(said(audience, false)).toEqual(['group 1, rule 1: order count: min must not exceed max', 'rule 2: days since the last order: give min, max or both']);
});

test('a field inside a condition is named by its label; the tree’s own limits are said about the audience', () => {
  expect(said(and({ type: 'behaviour', action: 'viewed', withinDays: 400 }), true)).toEqual(['第 1 条，天数：不能大于 365']);
  expect(said(and({ type: 'birthdayMonth', in: [13] }), true)).toEqual(['第 1 条，生日月份：月份为 1 到 12']);
  const deep = [1, 2, 3, 4, 5].reduce<unknown>((inner) => and(inner), { type: 'city', in: ['x'] });
  expect(said(deep, true)).toEqual(['人群条件：条件组最多嵌套 5 层，请减少嵌套']);
});

test('issues outside the audience keep the general wording', () => {
  expect(
    audienceIssueWords(
      { code: 'too_small', origin: 'string', minimum: 1, inclusive: true, path: ['name'], message: 'give the segment a name', input: '' },
      {},
      true,
    ),
  ).toBeUndefined();
});
