import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis };

/**
 * Redis for caches, rate limits, locks and pub/sub. Commands fail fast while Redis is down
 * (no offline queue), so callers decide whether to fail open (reads) or closed (sends).
 */
export function createRedis(url: string, log?: Logger): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', (err) => log?.warn({ err: err.message }, 'redis error'));
  return client;
}
