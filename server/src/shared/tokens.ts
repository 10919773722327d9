import { createHash, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

/**
 * Signed tokens for staff and shopper sessions and member-card payloads: JWTs (RFC 7519, HS256) made
 * and checked by `jose`. The header's `kid` names the secret that signed a token, so the secret can be
 * rotated without signing everyone out: new tokens are signed with APP_SECRET, tokens whose kid names
 * one of APP_SECRET_PREVIOUS are still accepted until they expire. A valid signature is not the whole
 * check for sessions: the auth middleware also compares the token's session version (`sv`) with the
 * staff member's or customer's (shared/sessions), so logout and revocation take effect at once.
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

/** The secrets tokens may be signed with: the current one signs, the previous ones only verify. */
export interface TokenKeys {
  current: string;
  previous?: readonly string[];
}

/** The secrets of a config (APP_SECRET, APP_SECRET_PREVIOUS). */
export const tokenKeys = (config: { APP_SECRET: string; APP_SECRET_PREVIOUS?: readonly string[] }): TokenKeys => ({
  current: config.APP_SECRET,
  previous: config.APP_SECRET_PREVIOUS,
});

/** A key id derived from the secret (never revealing it), so no one has to name the keys by hand. */
export const keyId = (secret: string) => createHash('sha256').update(`scrm-token-kid:${secret}`).digest('base64url').slice(0, 16);

// Imported once per secret: jose checks a CryptoKey faster than raw bytes or a KeyObject it must convert.
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
const keyOf = (secret: string) => {
  let key = keys.get(secret);
  if (!key)
    keys.set(secret, (key = webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])));
  return key;
};

const asKeys = (k: string | TokenKeys): TokenKeys => (typeof k === 'string' ? { current: k } : k);

/** Signs `payload` with the current secret (expiry from the caller's clock, in `exp`). */
export async function signToken(secret: string | TokenKeys, payload: TokenPayload): Promise<string> {
  const { current } = asKeys(secret);
  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keyId(current) }).sign(await keyOf(current));
}

/** The payload of a token signed by one of `secrets` and not expired at `now` (epoch ms), else null. */
export async function verifyToken(secrets: string | TokenKeys, token: string, now: number): Promise<TokenPayload | null> {
  const { current, previous = [] } = asKeys(secrets);
  const byKid = new Map([current, ...previous].map((s) => [keyId(s), s]));
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const secret = header.kid ? byKid.get(header.kid) : undefined;
        if (!secret) throw new Error('unknown kid');
        return keyOf(secret);
      },
      { algorithms: ['HS256'], currentDate: new Date(now), requiredClaims: ['exp', 'sub'] },
    );
    if (typeof payload.k !== 'string' || typeof payload.t !== 'string') return null;
    return payload as TokenPayload;
  } catch {
    return null;
  }
}

/**
 * `verifyToken` for session tokens, remembering the tokens it found valid: a shopper's member center
 * sends the same token with every request, and checking its signature again each time was a visible
 * part of the request's cost. Only valid tokens are kept (only we can mint them), at most `max`, oldest
 * first out; expiry is still checked on every use, and a payload is frozen so no caller can alter what
 * the next request sees. Whether the session is still live (logout, deactivation) is not a property of
 * the token and is checked per request elsewhere (shared/sessions).
 */
export type TokenVerifier = ((token: string, now: number) => Promise<TokenPayload | null>) & {
  /** The answer without waiting, when the token is remembered; undefined when it must be verified. */
  peek(token: string, now: number): TokenPayload | null | undefined;
};

export function tokenVerifier(secrets: string | TokenKeys, max = 10_000): TokenVerifier {
  const valid = new Map<string, TokenPayload>();
  const peek = (token: string, now: number) => {
    const payload = valid.get(token);
    if (!payload) return undefined;
    return payload.exp * 1000 > now ? payload : null;
  };
  const verify = async (token: string, now: number) => {
    const known = peek(token, now);
    if (known !== undefined) return known;
    const verified = await verifyToken(secrets, token, now);
    if (!verified) return null;
    if (valid.size >= max) valid.delete(valid.keys().next().value!);
    const payload = Object.freeze(verified);
    valid.set(token, payload);
    return payload.exp * 1000 > now ? payload : null;
  };
  return Object.assign(verify, { peek });
}
