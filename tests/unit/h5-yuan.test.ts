// The console's yuan → fen conversion, tested here because jest ignores every path containing /h5/ (the Vite app).
import fc from 'fast-check';
import { fenToYuanText, yuanToFen } from '../../h5/src/composables/use-yuan.js';

test('yuan typed with up to two decimals become the exact fen, converted by their digits rather than float arithmetic', () => {
  expect(yuanToFen('12.5')).toBe(1250);
  expect(yuanToFen(' 99 ')).toBe(9900);
  expect(yuanToFen('0.29')).toBe(29); // 0.29 * 100 is 28.999999999999996
  expect(yuanToFen('1.005')).toBeNull();
  expect(yuanToFen('8.')).toBe(800);
  expect(fenToYuanText(1250)).toBe('12.50');
  expect(fenToYuanText(5)).toBe('0.05');
});

test('a third decimal, a sign, a comma or words are refused rather than rounded', () => {
  for (const text of ['12.555', '-5', '1,000', '十元', '', '.5', '1e3', '12.5元']) expect(yuanToFen(text)).toBeNull();
});

test('every amount in fen survives being shown as yuan and typed back', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (fen) => yuanToFen(fenToYuanText(fen)) === fen));
});
