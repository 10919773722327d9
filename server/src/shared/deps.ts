import type { Config } from '../config/env.js';
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';

/** What every service is built with. `now` is the clock, replaceable in tests of time-driven flows. */
export interface Deps {
  config: Config;
  log: Logger;
  redis: Redis;
  now: () => Date;
}
