import { randomUUID } from 'node:crypto';
import type { Redis } from './redis.js';

/** Compare-and-delete / compare-and-extend in one step on the server: only the holder's value acts. */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** Deletes `key` only while it still holds `value` (a lock's own token, a cached value known stale). */
export async function deleteIfEquals(redis: Redis, key: string, value: string): Promise<void> {
  await redis.eval(RELEASE, 1, key, value);
}

export interface Lease {
  /** The holder's token: the key's value while this lease holds it. */
  token: string;
  /** Frees the key if it is still ours (a lapsed lease taken by another is left alone). Never throws. */
  release(): Promise<void>;
}

/**
 * Takes `key` for `ms` unless someone holds it (SET NX PX with a token of our own); null when held.
 * With `keepAlive` the lease is renewed every third of `ms` until released, so only a dead holder's
 * lease lapses, however long its work takes.
 */
export async function takeLease(redis: Redis, key: string, ms: number, options: { keepAlive?: boolean } = {}): Promise<Lease | null> {
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', ms, 'NX')) !== 'OK') return null;
  const renewal = options.keepAlive ? setInterval(() => void redis.eval(RENEW, 1, key, token, ms).catch(() => undefined), ms / 3) : undefined;
  return {
    token,
    async release() {
      if (renewal) clearInterval(renewal);
      await deleteIfEquals(redis, key, token).catch(() => undefined);
    },
  };
}
