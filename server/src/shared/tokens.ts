import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Stateless signed tokens (`v1.<payload>.<sig>`, HMAC-SHA256) for staff and shopper sessions and
 * member-card payloads. Stateless so that authentication keeps working while Redis is down.
 */
export interface TokenPayload {
  /** kind: 'staff' | 'shopper' | 'card' | ... */
  k: string;
  /** subject id */
  sub: string;
  /** tenant */
  t: string;
  /** expiry, epoch seconds */
  exp: number;
  [extra: string]: unknown;
}

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

export function signToken(secret: string, payload: TokenPayload): string {
  const body = b64(JSON.stringify(payload));
  const sig = b64(createHmac('sha256', secret).update(`v1.${body}`).digest());
  return `v1.${body}.${sig}`;
}

export function verifyToken(secret: string, token: string, now: number): TokenPayload | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') return null;
  const expected = createHmac('sha256', secret).update(`v1.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenPayload;
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= now) return null;
    return payload;
  } catch {
    return null;
  }
}

/**
 * `verifyToken` for session tokens, remembering the tokens it found valid: a shopper's member center
 * sends the same token with every request, and checking its HMAC again each time was a visible part
 * of the request's cost. Only valid tokens are kept (only we can mint them), at most `max`, oldest
 * first out; expiry is still checked on every use, and a payload is frozen so no caller can alter what
 * the next request sees.
 */
export function tokenVerifier(secret: string, max = 10_000): (token: string, now: number) => TokenPayload | null {
  const valid = new Map<string, TokenPayload>();
  return (token, now) => {
    let payload = valid.get(token);
    if (!payload) {
      const verified = verifyToken(secret, token, now);
      if (!verified) return null;
      if (valid.size >= max) valid.delete(valid.keys().next().value!);
      valid.set(token, (payload = Object.freeze(verified)));
    }
    return payload.exp * 1000 > now ? payload : null;
  };
}
