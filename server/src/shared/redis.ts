import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis };

/**
 * Redis for caches, rate limits, locks and pub/sub. Every command fails after `commandTimeoutMs`,
 * whether Redis is gone (connection refused: commands wait in the offline queue for the reconnect,
 * then fail) or frozen (SIGSTOP, a partition that keeps the TCP connection up: the command was
 * written and no answer comes). Callers then fail open (reads go to the database) or closed (sign-in,
 * sends answer 503) within that bound instead of hanging for as long as Redis does.
 */
export function createRedis(url: string, log?: Logger, options: { commandTimeoutMs?: number } = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    // Queued while (re)connecting, so a command issued during a restart's few hundred ms succeeds;
    // the command timeout bounds how long it may wait there.
    enableOfflineQueue: true,
    commandTimeout: options.commandTimeoutMs ?? 500,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', (err) => log?.warn({ err: err.message }, 'redis error'));
  return client;
}
