import type { Redis } from '../shared/redis.js';

/**
 * A token bucket in Redis shared by every process calling WeCom, per API path: WeCom refuses a corp
 * past ~10,000 calls per minute per API (errcode 45009), so we pace ourselves below that. A caller
 * waits for a token; past `maxWaitMs` it gets an error instead of queueing forever.
 */
const TAKE = `
local cap = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * perMs)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / perMs) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / perMs) + 1000)
return wait`;

export interface BucketOptions {
  perMinute: number;
  burst: number;
  maxWaitMs: number;
}

export class RateLimitedError extends Error {}

export class WecomRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: BucketOptions,
  ) {}

  /** Resolves when a call may go out. Fails open while Redis is down: WeCom's own 45009 still guards. */
  async take(path: string): Promise<void> {
    const started = performance.now();
    for (;;) {
      let wait: number;
      try {
        wait = Number(await this.redis.eval(TAKE, 1, `${this.prefix}:${path}`, this.options.burst, this.options.perMinute / 60_000));
      } catch {
        return;
      }
      if (wait <= 0) return;
      if (performance.now() - started + wait > this.options.maxWaitMs) throw new RateLimitedError(`WeCom call rate for ${path} is at its limit`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
