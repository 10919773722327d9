import { createHmac } from 'node:crypto';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { keyId, signToken, tokenVerifier, verifyToken } from '../../server/src/shared/tokens.js';

/**
 * Session tokens are JWTs (HS256, jose) with a kid naming the secret that signed them, checked on every
 * request; `tokenVerifier` remembers the ones it found valid so the signature is not recomputed each
 * time. Remembering must never let through what a fresh check would refuse: an expired token, a
 * tampered one, or another secret's.
 */
const secret = 'test-secret-0123456789abcdef0123456789';
const now = Date.parse('2026-11-23T12:00:00Z');
const token = (exp: number, sub = 'c1', key: string = secret) => signToken(key, { k: 'shopper', sub, t: 'brand', exp: Math.floor(exp / 1000) });

test('a token is a standard JWT: HS256 with the kid of the secret that signed it', async () => {
  const t = await token(now + 3_600_000);
  expect(decodeProtectedHeader(t)).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyId(secret) });
  expect(decodeJwt(t)).toMatchObject({ k: 'shopper', sub: 'c1', t: 'brand', exp: Math.floor(now / 1000) + 3600 });
  expect(keyId(secret)).not.toContain(secret.slice(0, 8));
});

test('a valid token is accepted on every use, with the same claims', async () => {
  const verify = tokenVerifier(secret);
  const t = await token(now + 3_600_000);
  expect(await verify(t, now)).toMatchObject({ k: 'shopper', sub: 'c1', t: 'brand' });
  expect(await verify(t, now + 1000)).toMatchObject({ sub: 'c1' });
});

test('a token remembered as valid is refused once it expires, by the clock it is given', async () => {
  const verify = tokenVerifier(secret);
  const t = await token(now + 60_000);
  expect(await verify(t, now)).not.toBeNull();
  expect(await verify(t, now + 59_000)).not.toBeNull();
  expect(await verify(t, now + 60_000)).toBeNull();
  expect(await verifyToken(secret, t, now + 60_000)).toBeNull();
});

test('tampered, foreign and malformed tokens are refused, also after a valid one was remembered', async () => {
  const verify = tokenVerifier(secret);
  const t = await token(now + 3_600_000);
  expect(await verify(t, now)).not.toBeNull();
  const [head, body, sig] = t.split('.');
  const otherBody = Buffer.from(JSON.stringify({ k: 'shopper', sub: 'c2', t: 'brand', exp: Math.floor(now / 1000) + 3600 })).toString('base64url');
  expect(await verify(`${head}.${otherBody}.${sig}`, now)).toBeNull();
  expect(await verify(`${head}.${body}.${sig.slice(0, -2)}AA`, now)).toBeNull();
  expect(await verify(await token(now + 3_600_000, 'c1', 'another-secret-0123456789abcdef01234'), now)).toBeNull();
  // alg "none", and the old home-made format, are not tokens at all.
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: keyId(secret) })).toString('base64url')}.${body}.`;
  expect(await verify(none, now)).toBeNull();
  const v1body = Buffer.from(JSON.stringify({ k: 'shopper', sub: 'c1', t: 'brand', exp: Math.floor(now / 1000) + 3600 })).toString('base64url');
  expect(await verify(`v1.${v1body}.${createHmac('sha256', secret).update(`v1.${v1body}`).digest('base64url')}`, now)).toBeNull();
  expect(await verify('not-a-token', now)).toBeNull();
});

test('a token signed with the old published development secret is refused', async () => {
  const published = 'dev-only-secret-change-me-0123456789abcdef';
  expect(await verifyToken(secret, await token(now + 3_600_000, 'admin', published), now)).toBeNull();
});

test('rotation: a token of a previous secret is accepted while that secret is listed, refused once it is removed', async () => {
  const old = 'old-secret-ZyXwVuTsRqPoNmLkJiHgFeDcBa98';
  const oldToken = await token(now + 3_600_000, 'c1', old);
  const rotated = { current: secret, previous: [old] };
  expect(await tokenVerifier(rotated)(oldToken, now)).toMatchObject({ sub: 'c1' });
  const fresh = await signToken(rotated, { k: 'shopper', sub: 'c2', t: 'brand', exp: Math.floor(now / 1000) + 60 });
  expect(decodeProtectedHeader(fresh).kid).toBe(keyId(secret));
  expect(await tokenVerifier({ current: secret })(oldToken, now)).toBeNull();
});

test('the claims handed out cannot be altered for the next request', async () => {
  const verify = tokenVerifier(secret);
  const t = await token(now + 3_600_000);
  const first = (await verify(t, now))!;
  expect(() => {
    (first as { sub: string }).sub = 'someone-else';
  }).toThrow(TypeError);
  expect((await verify(t, now))!.sub).toBe('c1');
});

test('it keeps at most `max` tokens, and a forgotten one is simply checked again', async () => {
  const verify = tokenVerifier(secret, 2);
  const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => token(now + 3_600_000, sub)));
  for (const t of tokens) expect(await verify(t, now)).not.toBeNull();
  for (const t of tokens) expect((await verify(t, now))?.sub).toBe(decodeJwt(t).sub);
});

test('peek answers a remembered token without waiting, and never one it has not verified', async () => {
  const verify = tokenVerifier(secret);
  const t = await token(now + 60_000);
  expect(verify.peek(t, now)).toBeUndefined();
  await verify(t, now);
  expect(verify.peek(t, now)).toMatchObject({ sub: 'c1' });
  expect(verify.peek(t, now + 60_000)).toBeNull();
  expect(verify.peek(await token(now + 60_000, 'c1', 'another-secret-0123456789abcdef01234'), now)).toBeUndefined();
});
