import { performance } from 'node:perf_hooks';
import type { Redis } from './redis.js';
import type { Logger } from './logger.js';

/**
 * Whether a session is still live is read from MongoDB (the staff member's or customer's session
 * version, their active/erased state) and kept here briefly, so a request does not pay a database
 * read: the process that changes a session version forgets its entry at once and tells the other
 * processes through Redis pub/sub; should a notice be lost (Redis down), an entry lives at most
 * `SESSION_CACHE_TTL_MS`. Redis is never on the request path, so sign-in checks keep working while it
 * is down.
 */
export const SESSION_CACHE_TTL_MS = 5_000;
const CHANNEL = 'sessions:changed';

interface Entry<T> {
  value: T;
  until: number;
}

/** One subscriber connection per Redis client (per process), shared by every session cache. */
class SessionNotices {
  private subscriber?: Redis;
  readonly caches = new Map<string, SessionCache<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  listen(): void {
    if (this.subscriber) return;
    const sub = (this.subscriber = this.redis.duplicate());
    sub.on('error', (err) => this.log.debug({ err: err.message }, 'session notices: redis error'));
    sub.on('message', (_channel: string, raw: string) => {
      const at = raw.indexOf('|');
      this.caches.get(raw.slice(0, at))?.forget(raw.slice(at + 1));
    });
    // Notices sent while we were not listening are lost: start afresh each time the connection is back.
    sub.on('ready', () => {
      for (const cache of this.caches.values()) cache.clear();
    });
    void sub.subscribe(CHANNEL).catch((err: Error) => this.log.debug({ err: err.message }, 'session notices: subscribe failed'));
  }

  publish(cache: string, key: string): Promise<void> {
    return this.redis.publish(CHANNEL, `${cache}|${key}`).then(
      () => undefined,
      (err: Error) => this.log.debug({ err: err.message }, 'session notice not sent; other processes see the change within the cache TTL'),
    );
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}

const notices = new WeakMap<Redis, SessionNotices>();

/** Stops listening for session notices on this Redis client (at shutdown). */
export function closeSessionNotices(redis: Redis): void {
  notices.get(redis)?.close();
  notices.delete(redis);
}

export class SessionCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Bumped on every change, so a load that started before a change does not store what it read. */
  private generation = 0;
  private readonly notices: SessionNotices;

  constructor(
    deps: { redis: Redis; log: Logger },
    private readonly name: string,
    private readonly ttlMs = SESSION_CACHE_TTL_MS,
    private readonly max = 50_000,
  ) {
    let n = notices.get(deps.redis);
    if (!n) notices.set(deps.redis, (n = new SessionNotices(deps.redis, deps.log)));
    this.notices = n;
    n.caches.set(name, this as SessionCache<unknown>);
    n.listen();
  }

  /** The cached value without waiting (`{ value }`), or undefined when it must be loaded. */
  peek(key: string): { value: T } | undefined {
    const hit = this.entries.get(key);
    return hit && hit.until > performance.now() ? hit : undefined;
  }

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    const now = performance.now();
    if (hit && hit.until > now) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation) {
      if (!hit && this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { value, until: now + this.ttlMs });
    }
    return value;
  }

  /**
   * The session behind `key` changed (in MongoDB already): forget it here at once, and tell the other
   * processes without waiting (with Redis down the notice waits for a reconnect or is lost; the TTL bounds that).
   */
  async changed(key: string): Promise<void> {
    this.forget(key);
    void this.notices.publish(this.name, key);
  }

  forget(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
