import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from './redis.js';
import { AppError, CommonErrorCode } from './app-error.js';

/**
 * Brute-force protection for sign-in, after rate-limiter-flexible's login-endpoint pattern (its wiki,
 * "Brute-force protection Node.js examples"), counted in Redis so every server shares it:
 *
 * - consecutive failures per tenant + username + source address: `maxConsecutiveFails` wrong
 *   passwords in a row block that pair for `blockSeconds`, doubled for each further block within a
 *   day (up to a day); a successful sign-in clears the count. Only failures count, and only from the
 *   attacker's own address, so a flood of wrong guesses never locks the real user out.
 * - failures per source address: `ipFailsPerHour` and `ipFailsPerDay`, whatever the username, against
 *   password spraying (many usernames, one guess each); blocked for the rest of the hour / day.
 *
 * Redis down: staff sign-in fails closed (503, README "Faults"); nothing is counted in memory,
 * because a per-process count would multiply the allowance by the number of servers.
 */
export interface StaffSignInLimits {
  maxConsecutiveFails: number;
  blockSeconds: number;
  ipFailsPerHour: number;
  ipFailsPerDay: number;
}

const DAY = 86_400;

export class StaffSignInGuard {
  private readonly pair: RateLimiterRedis;
  private readonly pairBlocks: RateLimiterRedis;
  private readonly ipHour: RateLimiterRedis;
  private readonly ipDay: RateLimiterRedis;

  constructor(
    redis: Redis,
    private readonly limits: StaffSignInLimits,
  ) {
    const store = { storeClient: redis, rejectIfRedisNotReady: true };
    this.pair = new RateLimiterRedis({ ...store, keyPrefix: 'signin_fail_user_ip', points: limits.maxConsecutiveFails, duration: DAY });
    this.pairBlocks = new RateLimiterRedis({ ...store, keyPrefix: 'signin_blocks_user_ip', points: 1_000, duration: DAY });
    this.ipHour = new RateLimiterRedis({ ...store, keyPrefix: 'signin_fail_ip_hour', points: limits.ipFailsPerHour, duration: 3600, blockDuration: 3600 });
    this.ipDay = new RateLimiterRedis({ ...store, keyPrefix: 'signin_fail_ip_day', points: limits.ipFailsPerDay, duration: DAY, blockDuration: DAY });
  }

  /**
   * Runs `signIn` unless the pair or the address is blocked. `isFailure` says which errors are wrong
   * credentials (counted); any other error passes through uncounted.
   */
  async attempt<T>(who: { tenantId: string; username: string; ip: string }, signIn: () => Promise<T>, isFailure: (err: unknown) => boolean): Promise<T> {
    const pairKey = `${who.tenantId}:${who.username.toLowerCase()}:${who.ip}`;
    const [pair, hour, day] = await unavailableIfDown(Promise.all([this.pair.get(pairKey), this.ipHour.get(who.ip), this.ipDay.get(who.ip)]));
    const blocked = [
      { res: day, points: this.limits.ipFailsPerDay, message: 'Too many failed sign-ins from this network today; try again tomorrow or ask an admin' },
      { res: hour, points: this.limits.ipFailsPerHour, message: 'Too many failed sign-ins from this network; wait an hour and try again' },
      { res: pair, points: this.limits.maxConsecutiveFails, message: 'Too many wrong passwords for this account from here; wait and try again' },
    ].find((b) => b.res && b.res.consumedPoints > b.points);
    if (blocked) throw tooMany(blocked.message, blocked.res!.msBeforeNext);

    let result: T;
    try {
      result = await signIn();
    } catch (err) {
      if (!isFailure(err)) throw err;
      await this.fail(pairKey, who.ip);
      throw err;
    }
    // A success clears the consecutive count and the block history of this account from this address.
    await unavailableIfDown(Promise.all([this.pair.delete(pairKey), this.pairBlocks.delete(pairKey)]));
    return result;
  }

  private async fail(pairKey: string, ip: string): Promise<void> {
    const [pair, hour, day] = await Promise.allSettled([this.pair.consume(pairKey), this.ipHour.consume(ip), this.ipDay.consume(ip)]);
    for (const r of [pair, hour, day]) if (r.status === 'rejected' && !(r.reason instanceof RateLimiterRes)) throw unavailable();
    if (day.status === 'rejected')
      throw tooMany('Too many failed sign-ins from this network today; try again tomorrow or ask an admin', (day.reason as RateLimiterRes).msBeforeNext);
    if (hour.status === 'rejected')
      throw tooMany('Too many failed sign-ins from this network; wait an hour and try again', (hour.reason as RateLimiterRes).msBeforeNext);
    if (pair.status === 'rejected') {
      // Exponential block: blockSeconds, then twice as long for each further block within a day.
      const blocks = await unavailableIfDown(this.pairBlocks.consume(pairKey));
      const seconds = Math.min(DAY, this.limits.blockSeconds * 2 ** (blocks.consumedPoints - 1));
      await unavailableIfDown(this.pair.block(pairKey, seconds));
      throw tooMany('Too many wrong passwords for this account from here; wait and try again', seconds * 1000);
    }
  }
}

/**
 * Sign-ins per source address for shoppers (demo phone sign-in, WeChat H5 OAuth), all attempts
 * counted. `failOpen`: whether a sign-in goes ahead while Redis is down (see the README's "Faults").
 */
export class SourceThrottle {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
    name: string,
    points: number,
    durationSeconds: number,
    private readonly failOpen: boolean,
  ) {
    this.limiter = new RateLimiterRedis({ storeClient: redis, rejectIfRedisNotReady: true, keyPrefix: `signin_${name}`, points, duration: durationSeconds });
  }

  async take(tenantId: string, ip: string): Promise<void> {
    try {
      await this.limiter.consume(`${tenantId}:${ip}`);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw tooMany('Too many sign-ins from this network; wait a minute and try again', err.msBeforeNext);
      if (!this.failOpen) throw unavailable();
    }
  }
}

const tooMany = (message: string, ms: number) =>
  new AppError(CommonErrorCode.RATE_LIMITED, message, { status: 429, details: { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) } });

const unavailable = () => new AppError(CommonErrorCode.UNAVAILABLE, 'Sign-in is unavailable for a moment; try again shortly', { status: 503, expose: true });

async function unavailableIfDown<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw unavailable();
  }
}
