import type { Redis } from './redis.js';
import { AppError, CommonErrorCode } from './app-error.js';

/**
 * Fixed-window counter in Redis. `failOpen` says what happens while Redis is down: reads and logins
 * of a known-good session fail open; sends and other writes that cost money fail closed.
 */
export async function hitRateLimit(
  redis: Redis,
  key: string,
  limit: number,
  windowSeconds: number,
  options: { failOpen: boolean; message: string },
): Promise<void> {
  let count: number;
  try {
    // The window starts at the first hit (EXPIRE NX sets the expiry only once), so no clock is read here.
    const bucket = `rl:${key}`;
    const results = await redis.multi().incr(bucket).expire(bucket, windowSeconds, 'NX').exec();
    count = Number(results?.[0]?.[1] ?? 0);
  } catch {
    if (options.failOpen) return;
    throw new AppError(CommonErrorCode.UNAVAILABLE, 'Rate limiting is unavailable; try again shortly', { status: 503, expose: true });
  }
  if (count > limit) {
    throw new AppError(CommonErrorCode.RATE_LIMITED, options.message, { status: 429 });
  }
}
