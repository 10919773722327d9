import type { Deps } from '../../shared/deps.js';

/** KEYS[1] = the sender's minute counter; ARGV = wanted, limit, ttl seconds. Grants what is left, up to wanted. */
const TAKE_BUDGET = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - used)
if grant <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], grant)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return grant`;

/** The per-staff send rate: how many messages one sender may hand to a channel in a clock minute. */
export class StaffSendBudget {
  constructor(private readonly deps: Deps) {}

  /**
   * Takes up to `want` sends from the sender's budget for the current minute, in one atomic step, and
   * returns how many were granted (0 once it is spent). Without Redis nothing is granted: sends cost
   * the brand's reputation, so we hold back rather than risk a flood.
   */
  async take(tenantId: string, sender: string, want: number, perMinute: number): Promise<number> {
    const minute = Math.floor(this.deps.now().getTime() / 60_000);
    try {
      return Number(await this.deps.redis.eval(TAKE_BUDGET, 1, `bc:rate:${tenantId}:${sender}:${minute}`, want, perMinute, 120));
    } catch {
      return 0;
    }
  }
}
