// The builder's pure logic, tested here because jest ignores every path containing /h5/ (the Vite app).
import { blank, compile, compileAll, compileTraced, indicesOf, kindOf, placeOf, type Group } from '../../h5/src/components/AudienceBuilder/audience.js';

test('a condition still being filled in is left out of the live count, and an empty tree counts nothing', () => {
  const root: Group = { type: 'group', op: 'and', rules: [blank('tags'), blank('orders'), { type: 'group', op: 'or', rules: [blank('city')] }] };
  expect(compile(root)).toBeNull();
  (root.rules[1] as { min?: number }).min = 2;
  expect(compile(root)).toEqual({ type: 'group', op: 'and', rules: [{ type: 'orders', metric: 'orderCount', min: 2 }] });
});

test('nested groups keep their operator and negation, and finished conditions pass through unchanged', () => {
  const root: Group = {
    type: 'group',
    op: 'and',
    rules: [
      { type: 'tags', match: 'none', tagIds: ['0123456789abcdef01234567'] },
      {
        type: 'group',
        op: 'or',
        not: true,
        rules: [
          { type: 'city', in: ['杭州'] },
          { type: 'orders', metric: 'totalPaid', max: 50_000 },
        ],
      },
    ],
  };
  expect(compile(root)).toEqual(root);
});

test('the live count leaves unfinished rows out, yet a refusal still lands on the row the person sees', () => {
  const unfinished = blank('tags');
  const paid = { type: 'orders' as const, metric: 'totalPaid' as const, min: 80_000, max: 10_000 };
  const group: Group = { type: 'group', op: 'or', rules: [blank('city'), paid] };
  const root: Group = { type: 'group', op: 'and', rules: [unfinished, group] };
  const live = compileTraced(root);
  // The server sees the amount as rules.0.rules.0 (the empty rows are left out) …
  expect(live.audience).toEqual({ type: 'group', op: 'and', rules: [{ type: 'group', op: 'or', rules: [paid] }] });
  const node = live.origin(indicesOf('body.audience.rules.0.rules.0')!);
  // … and the page finds it as the builder numbers it.
  expect(node).toBe(paid);
  expect(placeOf(root, node!)).toBe('第 2 组第 2 条');
  expect(placeOf(root, group, 'en')).toBe('group 2');
});

test('saving sends every row as shown, so the server names the unfinished ones in place', () => {
  const root: Group = { type: 'group', op: 'and', rules: [blank('tags'), blank('points'), { type: 'group', op: 'or', rules: [] }] };
  const all = compileAll(root);
  expect(all.audience).toEqual({
    type: 'group',
    op: 'and',
    rules: [
      { type: 'tags', match: 'any', tagIds: [] },
      { type: 'loyalty', points: {} },
      { type: 'group', op: 'or', rules: [] },
    ],
  });
  expect(all.origin([2])).toBe(root.rules[2]);
});

test('points, tier, coupon and membership are loyalty conditions the server reads, each its own row', () => {
  expect(
    compile({
      type: 'group',
      op: 'and',
      rules: [{ type: 'loyalty', points: { min: 500 } }, { type: 'loyalty', tiers: ['gold'] }, blank('coupon'), blank('member')],
    }),
  ).toEqual({
    type: 'group',
    op: 'and',
    rules: [
      { type: 'loyalty', points: { min: 500 } },
      { type: 'loyalty', tiers: ['gold'] },
      { type: 'loyalty', coupon: 'available' },
      { type: 'loyalty', member: true },
    ],
  });
  expect(['points', 'tier', 'coupon', 'member'].map((k) => kindOf(blank(k as 'points') as never))).toEqual(['points', 'tier', 'coupon', 'member']);
  expect(compile(blank('consent'))).toEqual({ type: 'consent', purpose: 'marketing', granted: true });
});
