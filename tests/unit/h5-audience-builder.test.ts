// The builder's pure logic, tested here because jest ignores every path containing /h5/ (the Vite app).
import { blank, compile, type Group } from '../../h5/src/components/AudienceBuilder/audience.js';

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
      { type: 'group', op: 'or', not: true, rules: [{ type: 'city', in: ['杭州'] }, { type: 'orders', metric: 'totalPaid', max: 50_000 }] },
    ],
  };
  expect(compile(root)).toEqual(root);
});
