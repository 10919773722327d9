import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import { JsonText } from '../json-text.js';
import { NearCache } from './near-cache.js';

/**
 * A read-through cache, in Redis, of what one shopper's member-center reads answer (`/me/points`,
 * `/me/coupons`), that never serves a body older than the shopper's own last change.
 *
 * Generations: each customer and each tenant has a generation in Redis, an opaque value that every
 * write replaces (`changed`, `tenantChanged`) after its database write is done. A reader fetches the
 * generations and the cached body in one round trip (the `shopperCacheGet` script); the body counts
 * only if it was stored under the same generations, i.e. computed from a database read that started
 * after the last completed write. A miss reads the database and stores the body under the generations
 * read *before* that read, so a write that lands meanwhile makes the stored body invalid at once.
 * Generations are fresh random values, never counters: a generation evicted or lost with a Redis
 * restart comes back as a new value, so no old body can match it again (no A-B-A).
 *
 * Time: a body lives at most `SHOPPER_CACHE_TTL_SECONDS` (≤ 60) and never past the loader's
 * `changesAt` (the earliest coupon end or points expiry in it), so time-driven state is never stale.
 * Redis down: reads go to the database; a writer's failed bump is logged and the write stands, so the
 * staleness bound in that case is the TTL.
 */
const SCRIPT = `
local t = redis.call('GET', KEYS[1])
if not t then t = ARGV[1]; redis.call('SET', KEYS[1], t, 'EX', ARGV[3]) end
local c = redis.call('GET', KEYS[2])
if not c then c = ARGV[2]; redis.call('SET', KEYS[2], c, 'EX', ARGV[3]) end
return {t .. '.' .. c, redis.call('GET', KEYS[3])}`;

/** Generations outlive any body by far; when one expires the next reader simply starts a new one. */
const GEN_TTL_SECONDS = 86_400;

/** Unique per process and call, without a syscall per request. */
const PROCESS_TAG = randomBytes(6).toString('base64url');
let sequence = 0;
const freshGen = () => `${PROCESS_TAG}${(sequence++).toString(36)}`;

type GetCommand = (tenantGen: string, customerGen: string, value: string, t: string, c: string, ttl: number) => Promise<[string, string | null]>;

export interface Loaded<T> {
  value: T;
  /** When the body would change by time alone (a coupon ends, points expire); null = not by time. */
  changesAt?: Date | null;
  /** False when the body must not be cached (e.g. the token's profile was merged into another). */
  cacheable?: boolean;
}

export class ShopperCache {
  constructor(
    private readonly redis: Redis | undefined,
    private readonly log: Logger,
    private readonly ttlMs: number,
    private readonly now: () => Date,
    /** The in-process copy (near-cache.ts); none when the cache is off or has no Redis. */
    private readonly near?: NearCache,
  ) {
    redis?.defineCommand('shopperCacheGet', { numberOfKeys: 3, lua: SCRIPT });
  }

  private get ready(): boolean {
    return this.ttlMs > 0 && this.redis?.status === 'ready';
  }

  /**
   * The body of `part` (e.g. 'points', 'coupons:available') for the customer named by the session,
   * from the cache when it is current, else from `load` (given the tenant generation it is stored under).
   */
  async read<T>(tenantId: string, customerId: string, part: string, load: (tenantGen?: string) => Promise<Loaded<T>>): Promise<T> {
    const found = await this.lookup(tenantId, customerId, part, load);
    return 'json' in found ? (JSON.parse(found.json) as T) : found.value;
  }

  /**
   * The same body as JSON text, for a route that answers with it unchanged: a hit is sent as stored,
   * without parsing it only for the response to serialise it again.
   */
  async readJson<T>(tenantId: string, customerId: string, part: string, load: (tenantGen?: string) => Promise<Loaded<T>>): Promise<JsonText> {
    const found = await this.lookup(tenantId, customerId, part, load);
    return new JsonText('json' in found ? found.json : (found.text ?? JSON.stringify(found.value)));
  }

  /** A hit as the stored JSON text, or what `load` gave (and its JSON, when it was stored). */
  private async lookup<T>(
    tenantId: string,
    customerId: string,
    part: string,
    load: (tenantGen?: string) => Promise<Loaded<T>>,
  ): Promise<{ json: string } | { value: T; text?: string }> {
    if (!this.ready) return { value: (await load()).value };
    const tenantKey = tenantGenKey(tenantId);
    const customerKey = customerGenKey(tenantId, customerId);
    let near = this.near?.usable ? this.near : undefined;
    if (near) {
      // Let the I/O that arrived with this request run first: an invalidation Redis sent before the
      // request reached us is then applied before we answer from the copy.
      await new Promise((resolve) => setImmediate(resolve));
      const held = near.get(customerKey, part, this.now().getTime());
      if (held !== undefined) return { json: held };
      if (!near.usable) near = undefined;
    }
    const mark = near?.mark() ?? 0;
    const key = valueKey(tenantId, customerId, part);
    let tag: string;
    try {
      const get = (this.redis as unknown as { shopperCacheGet: GetCommand }).shopperCacheGet;
      const [current, stored] = await get.call(this.redis, tenantKey, customerKey, key, freshGen(), freshGen(), GEN_TTL_SECONDS);
      tag = current;
      // Stored as "<generations>\n<valid until, ms of the app's clock>\n<JSON>"; the second check holds
      // when the app's clock is not the wall clock Redis expires keys by (tests that move time).
      if (stored?.startsWith(`${tag}\n`)) {
        const cut = stored.indexOf('\n', tag.length + 1);
        const until = Number(stored.slice(tag.length + 1, cut));
        const now = this.now().getTime();
        if (until > now) {
          const json = stored.slice(cut + 1);
          near?.put(mark, tenantKey, customerKey, part, json, until, now);
          return { json };
        }
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'shopper cache unavailable; reading the database');
      return { value: (await load()).value };
    }
    const loaded = await load(tag.slice(0, tag.indexOf('.')));
    const now = this.now().getTime();
    const until = Math.min(now + this.ttlMs, loaded.changesAt ? loaded.changesAt.getTime() : Infinity);
    if (loaded.cacheable === false || until - now < 1) return { value: loaded.value };
    const text = JSON.stringify(loaded.value);
    // Not awaited: the answer does not wait for the store, and a store that fails only costs a miss.
    this.redis!.set(key, `${tag}\n${until}\n${text}`, 'PX', Math.floor(until - now)).catch(() => undefined);
    near?.put(mark, tenantKey, customerKey, part, text, until, now);
    return { value: loaded.value, text };
  }

  /** Call after every write to what a customer's cached reads show; never throws. */
  async changed(tenantId: string, customerId: string): Promise<void> {
    const key = customerGenKey(tenantId, customerId);
    await this.bump(key);
    this.near?.dropCustomer(key);
  }

  /** Call after a write that changes every shopper's reads in a tenant (settings, coupon templates). */
  async tenantChanged(tenantId: string): Promise<void> {
    const key = tenantGenKey(tenantId);
    await this.bump(key);
    this.near?.dropTenant(key);
  }

  private async bump(genKey: string): Promise<void> {
    if (!this.redis) return;
    const done = this.redis.set(genKey, freshGen(), 'EX', GEN_TTL_SECONDS).then(
      () => undefined,
      (err: Error) => this.log.warn({ genKey, err: err.message }, 'shopper cache not invalidated; cached reads may lag until their TTL'),
    );
    // While Redis is reconnecting the command waits in ioredis' offline queue (and is sent on reconnect);
    // the write it follows must not wait for that.
    if (this.redis.status === 'ready') await done;
  }
}

/** The first of `times` after `now` (when a cached answer showing them goes out of date), or null. */
export function earliestAfter(now: Date, times: Date[]): Date | null {
  let first: Date | null = null;
  for (const t of times) if (t > now && (!first || t < first)) first = t;
  return first;
}

const GEN_KEYS = { tenant: 'shop:tgen:', customer: 'shop:cgen:' };
const tenantGenKey = (tenantId: string) => `${GEN_KEYS.tenant}${tenantId}`;
const customerGenKey = (tenantId: string, customerId: string) => `${GEN_KEYS.customer}${tenantId}:${customerId}`;
const valueKey = (tenantId: string, customerId: string, part: string) => `shop:body:${tenantId}:${customerId}:${part}`;

const instances = new WeakMap<Redis, ShopperCache>();

/** The process's cache over `deps.redis` (one per client, so every service shares the script). */
export function shopperCache(deps: Deps): ShopperCache {
  const ttlMs = (deps.config?.SHOPPER_CACHE_TTL_SECONDS ?? 0) * 1000;
  if (!deps.redis) return new ShopperCache(undefined, deps.log, ttlMs, deps.now);
  let cache = instances.get(deps.redis);
  if (!cache) {
    const near = ttlMs > 0 ? new NearCache(deps.redis, deps.log, GEN_KEYS) : undefined;
    instances.set(deps.redis, (cache = new ShopperCache(deps.redis, deps.log, ttlMs, deps.now, near)));
  }
  return cache;
}
