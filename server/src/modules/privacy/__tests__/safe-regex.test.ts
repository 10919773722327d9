import { boundedTest, unsafePatternReason } from '../safe-regex.js';

test('refuses the classic catastrophic patterns with a reason a person can act on', () => {
  for (const p of ['(a+)+$', '(a*)*b', '(\\d+)*x', '(a|aa)+$', '(.*a){1,}x', '^(\\w+\\s?)*$', '(x)\\1']) {
    expect(unsafePatternReason(p)).toEqual(expect.any(String));
  }
});

test('accepts the patterns keyword rules are made of', () => {
  for (const p of ['退货|退款', '^(hi|hello)$', '订单\\s*\\d{6,20}', '优惠券', '[0-9]{11}', 'where is my (order|parcel)']) {
    expect(unsafePatternReason(p)).toBeNull();
  }
});

test('a pattern that slipped through stops within the time limit instead of freezing the process', () => {
  const started = Date.now();
  expect(boundedTest(/(a+)+$/i, 'a'.repeat(40) + '!', 25)).toBeNull();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(boundedTest(/退货/i, '我要退货', 25)).toBe(true);
});
