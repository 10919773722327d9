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

export function verifyToken(secret: string, token: string, now = Date.now()): TokenPayload | null {
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
