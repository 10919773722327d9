import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRedis, type Redis } from '../../server/src/shared/redis.js';
import { createLogger } from '../../server/src/shared/logger.js';
import { shopperCache, type ShopperCache } from '../../server/src/shared/cache/shopper-cache.js';
import type { Deps } from '../../server/src/shared/deps.js';
import type { NearCache } from '../../server/src/shared/cache/near-cache.js';
import { testConfig, until } from '../support/harness.js';

/**
 * The member-center cache keeps an in-process copy of answers (shared/cache/near-cache.ts) that Redis
 * invalidates by pushing the names of changed generations. Two "servers" here are two caches on two
 * Redis clients, as two app processes would have, over one stand-in database. A shopper's next
 * request after a change made on the other server reaches this one over the network; `hop()` is that
 * trip (a real HTTP round trip on loopback). After it, the read must show the change, whatever the
 * timing; the copy must really save the round trip; and losing the tracking connections must never
 * leave an old answer behind.
 */
const tenant = `near-${randomBytes(4).toString('hex')}`;
const customer = 'c1';
const clients: Redis[] = [];
let a: ShopperCache;
let b: ShopperCache;
/** The database both servers read: one value per customer, and how often it was read. */
const db = { points: 1, reads: 0 };
const load = async () => {
  db.reads++;
  const value = { balance: db.points };
  await new Promise((r) => setImmediate(r));
  return { value, changesAt: null };
};
const read = (cache: ShopperCache, who = customer) => cache.read(tenant, who, 'points', load) as Promise<{ balance: number }>;
const write = async (points: number, via = a) => {
  db.points = points;
  await via.changed(tenant, customer);
};
function server(): ShopperCache {
  const redis = createRedis(process.env.REDIS_URL!);
  clients.push(redis);
  const deps = { config: testConfig(), log: createLogger('silent'), redis, now: () => new Date() } as Deps;
  return shopperCache(deps);
}
let relay: Server;
let relayUrl: string;
const hop = async () => {
  await (await fetch(relayUrl)).text();
};
const ready = (cache: ShopperCache) => until(async () => (cache as unknown as { near: { usable: boolean } }).near.usable, 5000, 20);

beforeAll(async () => {
  relay = createServer((_, res) => res.end('ok'));
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}/`;
  a = server();
  b = server();
  expect(await ready(a)).toBe(true);
  expect(await ready(b)).toBe(true);
});
afterAll(() => {
  for (const c of clients) c.disconnect();
  relay.close();
});

test('a repeated read is answered in process: no database read, no Redis read', async () => {
  await write(10);
  await hop();
  expect(await read(b)).toEqual({ balance: 10 });
  expect(await read(b)).toEqual({ balance: 10 });
  const reads = db.reads;
  // Overwrite what Redis holds for this answer (same generations, other body): an answer that still
  // went to Redis would show it.
  const [key] = await clients[1].keys(`shop:body:${tenant}:${customer}:points`);
  const stored = (await clients[1].get(key))!;
  await clients[1].set(key, stored.replace('"balance":10', '"balance":999'), 'KEEPTTL');
  expect(await read(b)).toEqual({ balance: 10 });
  expect(db.reads).toBe(reads);
  await write(11); // new generations: the doctored body is void
});

test('a change made on the other server shows on the very next read, fifty times over', async () => {
  let stale = 0;
  for (let i = 0; i < 50; i++) {
    expect((await read(b)).balance).toBe(db.points); // cached on b
    await write(100 + i, i % 2 ? a : b);
    await hop();
    if ((await read(b)).balance !== 100 + i) stale++;
    if ((await read(a)).balance !== 100 + i) stale++;
  }
  expect(stale).toBe(0);
});

test('a tenant-wide change (settings, a coupon template) drops every customer of that tenant', async () => {
  expect(await read(b, 'c2')).toEqual({ balance: db.points });
  db.points = 7;
  await a.tenantChanged(tenant);
  await hop();
  expect(await read(b, 'c2')).toEqual({ balance: 7 });
});

test('reads racing writes: once both are done, the next read shows the last write', async () => {
  let stale = 0;
  for (let i = 0; i < 100; i++) {
    await Promise.all([read(b), write(1000 + i), read(b), read(a)]);
    await hop();
    if ((await read(b)).balance !== 1000 + i) stale++;
  }
  expect(stale).toBe(0);
});

/** Kills every server's connection(s) of that name, as a Redis restart or a network cut would. */
async function kill(which: 'tracking' | 'invalidations' | 'tracking|invalidations') {
  const list = await clients[0].client('LIST');
  const ids = String(list)
    .split('\n')
    .filter((line) => new RegExp(`name=shopper-near-(${which})\\b`).test(line))
    .map((line) => line.match(/id=(\d+)/)![1]);
  expect(ids.length).toBeGreaterThanOrEqual(which.includes('|') ? 4 : 2);
  for (const id of ids) await clients[0].client('KILL', 'ID', id);
}

test('when one tracking connection drops (either one), the copy comes back and is still invalidated', async () => {
  for (const which of ['tracking', 'invalidations'] as const) {
    await write(20);
    await hop();
    expect(await read(b)).toEqual({ balance: 20 });
    await kill(which);
    await write(21);
    await hop();
    expect([which, await read(b)]).toEqual([which, { balance: 21 }]);
    expect(await ready(b)).toBe(true);
    expect(await ready(a)).toBe(true);
    await hop();
    await write(22);
    await hop();
    expect([which, await read(b)]).toEqual([which, { balance: 22 }]);
    const reads = db.reads;
    expect(await read(b)).toEqual({ balance: 22 });
    expect(db.reads).toBe(reads);
    await write(23, b);
    await hop();
    expect([which, await read(a)]).toEqual([which, { balance: 23 }]);
  }
});

test('when the tracking connections drop, nothing old is served; the copy comes back once they are re-registered', async () => {
  await write(5);
  expect(await read(b)).toEqual({ balance: 5 });
  await kill('tracking|invalidations');
  // A change while b's tracking is down: b must not answer from its copy.
  await write(6);
  await hop();
  expect(await read(b)).toEqual({ balance: 6 });
  expect(await ready(b)).toBe(true);
  await write(8);
  await hop();
  expect(await read(b)).toEqual({ balance: 8 });
  expect(await read(b)).toEqual({ balance: 8 });
  const reads = db.reads;
  expect(await read(b)).toEqual({ balance: 8 });
  expect(db.reads).toBe(reads);
});

test('an answer read before a change is not kept if the change’s message came first, and nothing is kept past 2 s', async () => {
  const near = (b as unknown as { near: NearCache }).near;
  const [t, c, now] = ['shop:tgen:x', 'shop:cgen:x:y', Date.now()];
  const mark = near.mark();
  near.dropCustomer('shop:cgen:x:other'); // any invalidation arriving while the read was out
  near.put(mark, t, c, 'points', '{"balance":1}', now + 60_000, now);
  expect(near.get(c, 'points', now)).toBeUndefined();
  near.put(near.mark(), t, c, 'points', '{"balance":2}', now + 60_000, now);
  expect(near.get(c, 'points', now + 1_999)).toBe('{"balance":2}');
  expect(near.get(c, 'points', now + 2_000)).toBeUndefined();
});
