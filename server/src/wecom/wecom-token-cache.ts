import type { Redis } from '../shared/redis.js';
import { deleteIfEquals, takeLease } from '../shared/redis-lease.js';

/**
 * A secret WeCom hands out with an expiry (access_token, jsapi tickets), cached in Redis until shortly
 * before it expires. A refresh happens once however many callers miss at the same moment: callers in
 * this process share one promise, and processes share a Redis lock; the losers poll the cache.
 * WeCom invalidates the previous token when a new one is fetched too often, so N refreshes is a bug.
 */
export interface Fetched {
  value: string;
  expiresIn: number;
}

export interface TokenCacheOptions {
  /** Seconds before WeCom's expiry at which we stop using a value. */
  earlySeconds?: number;
  lockMs?: number;
  pollMs?: number;
}

export class RedisTokenCache {
  private inflight?: Promise<string>;
  private readonly early: number;
  private readonly lockMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly fetch: () => Promise<Fetched>,
    options: TokenCacheOptions = {},
  ) {
    this.early = options.earlySeconds ?? 300;
    this.lockMs = options.lockMs ?? 10_000;
    this.pollMs = options.pollMs ?? 50;
  }

  async get(): Promise<string> {
    const cached = await this.redis.get(this.key);
    if (cached) return cached;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drops the cached value only if it is still the one that failed, so N failures cause one refresh. */
  async invalidate(stale: string): Promise<void> {
    await deleteIfEquals(this.redis, this.key, stale);
  }

  private async refresh(): Promise<string> {
    const deadline = performance.now() + this.lockMs * 2;
    for (;;) {
      const lock = await takeLease(this.redis, `${this.key}:lock`, this.lockMs);
      if (lock) {
        try {
          const again = await this.redis.get(this.key);
          if (again) return again;
          const { value, expiresIn } = await this.fetch();
          const ttl = Math.max(1, expiresIn - Math.min(this.early, Math.floor(expiresIn / 2)));
          await this.redis.set(this.key, value, 'EX', ttl);
          return value;
        } finally {
          await lock.release();
        }
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
      const value = await this.redis.get(this.key);
      if (value) return value;
      if (performance.now() > deadline) throw new Error(`timed out waiting for another process to refresh ${this.key}`);
    }
  }
}
