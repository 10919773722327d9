import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';

/**
 * An in-process copy of cached member-center answers, kept coherent by Redis itself: server-assisted
 * client-side caching (`CLIENT TRACKING … BCAST PREFIX`). Redis pushes the name of every tracked key
 * that changes — here the shopper cache's generations — to a connection of ours, and we drop what was
 * read under it. A repeated read then costs no round trip at all.
 *
 * Kept exact by three rules:
 * - An answer is kept only if no invalidation of any key arrived between the moment its generations
 *   were asked for (`mark()`) and the moment it is kept (`put`): a change that raced the read, whose
 *   message came first, can never leave the old answer behind.
 * - A writer in this process drops its customer (or tenant) at once, before its own write returns.
 * - The copy is used only while the tracking connections are up and registered; when either closes,
 *   everything is dropped and reads go to Redis until tracking is registered again. A connection that
 *   dies without our noticing (a silent network cut) loses messages, so nothing is kept longer than
 *   `maxAgeMs` (2 s): that bounds how old an answer can be in that case.
 * A writer on another server is seen when Redis's message arrives: Redis queues it before it answers
 * that writer, so a shopper whose next request lands here reads the change unless this server handles
 * the request before a message already sent to it.
 */
interface Entry {
  tenantKey: string;
  parts: Map<string, { json: string; until: number }>;
}

const CHANNEL = '__redis__:invalidate';

export class NearCache {
  private readonly customers = new Map<string, Entry>();
  private seq = 0;
  private live = false;
  /** Move on every close of either connection / of the subscriber: a registration spanning one does not count. */
  private epoch = 0;
  private subEpoch = 0;
  /** The subscriber's client id while it is subscribed (a subscribed RESP2 connection can't ask). */
  private subId?: number;
  private sub?: Redis;
  private tracker?: Redis;
  private setup: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    /** Key prefixes whose changes invalidate (the generations). */
    private readonly prefixes: { tenant: string; customer: string },
    private readonly max = 10_000,
    private readonly maxAgeMs = 2_000,
  ) {}

  /** Opens the two tracking connections (beside `redis`, closed with it); done by the first `usable`. */
  private start(): void {
    // RESP2 on purpose: Redis then sends the invalidations as pub/sub messages on CHANNEL, which
    // ioredis delivers; as RESP3 "invalidate" pushes (its default protocol) they would be dropped.
    this.sub = this.redis.duplicate({ protocol: 2, autoResubscribe: false, enableOfflineQueue: true, connectionName: 'shopper-near-invalidations' });
    this.tracker = this.redis.duplicate({ enableOfflineQueue: true, connectionName: 'shopper-near-tracking' });
    for (const c of [this.sub, this.tracker]) {
      c.on('error', () => undefined);
      c.on('close', () => {
        if (c === this.sub) {
          this.subEpoch++;
          this.subId = undefined;
        }
        this.down();
      });
      c.on('ready', () => this.register());
    }
    this.sub.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() === CHANNEL) this.invalidated(keys);
    });
    this.redis.once('end', () => {
      this.down();
      this.sub?.disconnect();
      this.tracker?.disconnect();
    });
  }

  /** True while the copy may be used; the first call opens the tracking connections. */
  get usable(): boolean {
    if (!this.sub) this.start();
    return this.live;
  }

  /** Taken before asking Redis for generations; `put` keeps the answer only if nothing changed since. */
  mark(): number {
    return this.seq;
  }

  get(customerKey: string, part: string, now: number): string | undefined {
    if (!this.live) return undefined;
    const hit = this.customers.get(customerKey)?.parts.get(part);
    return hit && hit.until > now ? hit.json : undefined;
  }

  put(mark: number, tenantKey: string, customerKey: string, part: string, json: string, until: number, now: number): void {
    if (!this.live || mark !== this.seq) return;
    until = Math.min(until, now + this.maxAgeMs);
    let entry = this.customers.get(customerKey);
    if (!entry) {
      if (this.customers.size >= this.max) this.customers.delete(this.customers.keys().next().value!);
      this.customers.set(customerKey, (entry = { tenantKey, parts: new Map() }));
    }
    entry.parts.set(part, { json, until });
  }

  dropCustomer(customerKey: string): void {
    this.seq++;
    this.customers.delete(customerKey);
  }

  dropTenant(tenantKey: string): void {
    this.seq++;
    for (const [key, entry] of this.customers) if (entry.tenantKey === tenantKey) this.customers.delete(key);
  }

  private invalidated(keys: Buffer[] | null): void {
    if (!keys) return this.flush(); // FLUSHDB / FLUSHALL
    for (const k of keys) {
      const key = k.toString();
      if (key.startsWith(this.prefixes.customer)) this.dropCustomer(key);
      else if (key.startsWith(this.prefixes.tenant)) this.dropTenant(key);
    }
  }

  private flush(): void {
    this.seq++;
    this.customers.clear();
  }

  private down(): void {
    this.epoch++;
    this.live = false;
    this.flush();
  }

  /** (Re)registers tracking once both connections are up; one attempt at a time. */
  private register(): void {
    this.setup = this.setup.then(async () => {
      const { sub, tracker } = this;
      if (!sub || !tracker || sub.status !== 'ready' || tracker.status !== 'ready' || this.live) return;
      const epoch = this.epoch;
      try {
        if (this.subId === undefined) {
          const subEpoch = this.subEpoch;
          const id = Number(await sub.client('ID'));
          await sub.subscribe(CHANNEL);
          if (subEpoch !== this.subEpoch) return;
          this.subId = id;
        }
        await tracker.client('TRACKING', 'OFF').catch(() => undefined);
        await tracker.call(
          'CLIENT',
          'TRACKING',
          'ON',
          'REDIRECT',
          String(this.subId),
          'BCAST',
          'PREFIX',
          this.prefixes.tenant,
          'PREFIX',
          this.prefixes.customer,
        );
        if (epoch === this.epoch && sub.status === 'ready' && tracker.status === 'ready') {
          this.flush();
          this.live = true;
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'shopper near cache off: Redis refused client tracking; reads go to Redis');
      }
    });
  }
}
