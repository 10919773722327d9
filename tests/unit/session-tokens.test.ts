import { signToken, tokenVerifier } from '../../server/src/shared/tokens.js';

/**
 * Session tokens are checked on every request; `tokenVerifier` remembers the ones it found valid so
 * the HMAC is not recomputed each time. Remembering must never let through what a fresh check would
 * refuse: an expired token, a tampered one, or another secret's.
 */
const secret = 'test-secret-0123456789abcdef0123456789';
const now = Date.parse('2026-11-23T12:00:00Z');
const token = (exp: number, sub = 'c1') => signToken(secret, { k: 'shopper', sub, t: 'brand', exp: Math.floor(exp / 1000) });

test('a valid token is accepted on every use, with the same claims', () => {
  const verify = tokenVerifier(secret);
  const t = token(now + 3_600_000);
  expect(verify(t, now)).toMatchObject({ k: 'shopper', sub: 'c1', t: 'brand' });
  expect(verify(t, now + 1000)).toMatchObject({ sub: 'c1' });
});

test('a token remembered as valid is refused once it expires', () => {
  const verify = tokenVerifier(secret);
  const t = token(now + 60_000);
  expect(verify(t, now)).not.toBeNull();
  expect(verify(t, now + 59_000)).not.toBeNull();
  expect(verify(t, now + 60_000)).toBeNull();
});

test('tampered, foreign and malformed tokens are refused, also after a valid one was remembered', () => {
  const verify = tokenVerifier(secret);
  const t = token(now + 3_600_000);
  expect(verify(t, now)).not.toBeNull();
  const [v, body, sig] = t.split('.');
  const otherBody = Buffer.from(JSON.stringify({ k: 'shopper', sub: 'c2', t: 'brand', exp: Math.floor(now / 1000) + 3600 })).toString('base64url');
  expect(verify(`${v}.${otherBody}.${sig}`, now)).toBeNull();
  expect(verify(`${v}.${body}.${sig.slice(0, -2)}AA`, now)).toBeNull();
  expect(verify(signToken('another-secret-0123456789abcdef01234', { k: 'shopper', sub: 'c1', t: 'brand', exp: Math.floor(now / 1000) + 3600 }), now)).toBeNull();
  expect(verify('not-a-token', now)).toBeNull();
});

test('the claims handed out cannot be altered for the next request', () => {
  const verify = tokenVerifier(secret);
  const t = token(now + 3_600_000);
  const first = verify(t, now)!;
  expect(() => {
    (first as { sub: string }).sub = 'someone-else';
  }).toThrow(TypeError);
  expect(verify(t, now)!.sub).toBe('c1');
});

test('it keeps at most `max` tokens, and a forgotten one is simply checked again', () => {
  const verify = tokenVerifier(secret, 2);
  const tokens = ['a', 'b', 'c'].map((sub) => token(now + 3_600_000, sub));
  for (const t of tokens) expect(verify(t, now)).not.toBeNull();
  for (const t of tokens) expect(verify(t, now)?.sub).toBe(JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).sub);
});
