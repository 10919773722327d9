import Koa from 'koa';
import type { Server } from 'node:http';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, http, startBenchApp } from '../bench-env.js';
import { importCustomers, load, pool, shopperToken, type LoadResult } from '../bench-fixtures.js';
import { figure, nowMs, round, withCpuShare, type Figure } from '../bench-report.js';
import { expiryFor } from '../../../server/src/modules/loyalty/loyalty-settings.service.js';

/**
 * Scenario 4: the member center's two busiest reads, GET /api/v1/me/points and /me/coupons, under
 * autocannon at 100 and 1,000 connections, each connection a different shopper (round robin over
 * `--members`). Baseline: a bare Koa app in the same process answering the same JSON body from memory.
 */
export const shopperApiScenario: Scenario = {
  name: 'shopper',
  title: 'Shopper API /me/points and /me/coupons vs bare Koa',
  flags: {
    members: 'members with points and coupons (default 300)',
    duration: 'seconds per autocannon run (default 10)',
    connections: 'comma list (default 100,1000)',
  },
  async run(b, o) {
    const members = o.num('members', 300);
    const duration = o.num('duration', 10);
    const levels = o.str('connections', '100,1000').split(',').map(Number);
    const app = await startBenchApp(b, 'bench_shopper');
    const s = app.rt.services;
    const L = s.loyalty;
    const tenantId = BENCH_TENANT;
    try {
      const settings = await L.settings.get(tenantId);
      const tpl = await L.coupons.createTemplate(tenantId, {
        name: '满199减20',
        kind: 'amount',
        amountOff: 2_000,
        threshold: 19_900,
        validity: { kind: 'relative', days: 30 },
        stock: 1_000_000,
        perCustomerLimit: 3,
        channels: ['staff'],
        description: '',
        discountTenths: 0,
        maxOff: 0,
        pointsCost: 0,
        allowUnredeem: true,
        active: true,
      });
      const ids = await importCustomers(s, tenantId, members);
      const now = new Date();
      // Each member: joined, three earns with different expiries, one spend, two coupons.
      await pool(ids, 8, async (customerId, i) => {
        await L.join(tenantId, customerId, 'bench');
        for (let k = 0; k < 3; k++) {
          const at = new Date(now.getTime() - k * 200 * 86_400_000);
          await L.ledger.post({
            tenantId,
            customerId,
            key: `bench:earn:${i}:${k}`,
            type: 'earn',
            points: 100 + k * 50,
            source: 'manual',
            reason: 'bench',
            expiresAt: expiryFor(settings, at),
          });
        }
        await L.ledger.post({ tenantId, customerId, key: `bench:spend:${i}`, type: 'spend', points: 80, source: 'manual', reason: 'bench' });
        for (let k = 0; k < 2; k++) await L.coupons.issue(tenantId, { templateId: tpl.id, customerId, channel: 'staff', issueKey: `bench:${i}:${k}` });
      });
      const tokens = await Promise.all(ids.map((id) => shopperToken(tenantId, id)));

      const figures: Figure[] = [];
      const facts: Record<string, unknown> = {};
      for (const path of ['/api/v1/me/points', '/api/v1/me/coupons']) {
        const sample = await http('GET', app.url + path, { headers: { authorization: `Bearer ${tokens[0]}` }, expect: [200] });
        const text = JSON.stringify(sample.body);
        facts[`${path} bytes`] = text.length;
        const bare = await startBareKoa(JSON.parse(text));
        try {
          await load(app.url + path, 10, 2, tokens); // warm-up (JIT, connection pools)
          await load(bare.url, 10, 2);
          for (const c of levels) {
            const measured = await withCpuShare(() => load(app.url + path, c, duration, tokens), b.mongoChild?.pid);
            const real = measured.result;
            const base = await load(bare.url, c, duration);
            const cpu = { appCpuPercent: measured.appCpu, dbCpuPercent: measured.dbCpu, machineBusyPercent: measured.machineBusy };
            facts[`${path} @${c}`] = { app: real, bare: base, ...cpu };
            figures.push(...row(path.replace('/api/v1', ''), c, real, base, cpu));
          }
        } finally {
          await bare.stop();
        }
      }
      // Before/after of the /me/points change, in process and interleaved so machine noise hits both:
      // the old path read the whole card summary (settings, member, growth, lots one after another),
      // the new one reads settings, member and lots side by side.
      const ab = { summary: 0, points: 0 };
      const calls = 1000;
      for (let round = 0; round < 4; round++) {
        for (const which of ['summary', 'points'] as const) {
          const t0 = nowMs();
          await pool(
            Array.from({ length: calls }, (_, i) => ids[i % ids.length]),
            100,
            (id) => (which === 'summary' ? L.summary(tenantId, id) : L.points(tenantId, id)),
          );
          ab[which] += nowMs() - t0;
        }
      }
      const perS = (ms: number) => round((4 * calls * 1000) / ms, 0);
      figures.push(
        figure({
          figure: 'diagnostic: loyalty.points() (new /me/points path), 100 at once',
          value: perS(ab.points),
          unit: 'calls/s',
          baseline: perS(ab.summary),
          note: 'baseline = summary(), the path /me/points used before; interleaved rounds',
        }),
      );
      facts.pointsVsSummaryMs = ab;

      // The shopper cache (shared/cache/shopper-cache.ts), in process and interleaved: the same read with
      // no cache, through the cache when every read misses (each member's generation replaced first, as
      // in a crowd where each shopper opens the page once), and when every read hits.
      const C = L.shoppers;
      const viaCache = (id: string) => C.read(tenantId, id, 'points', (gen) => L.pointsForCache(tenantId, id, gen));
      const cache = { none: 0, miss: 0, hit: 0 };
      for (let round = 0; round < 4; round++) {
        for (const which of ['none', 'miss', 'hit'] as const) {
          if (which === 'miss') await pool(ids, 50, (id) => C.changed(tenantId, id));
          const t0 = nowMs();
          await pool(ids, 100, (id) => (which === 'none' ? L.points(tenantId, id) : viaCache(id)));
          cache[which] += nowMs() - t0;
        }
      }
      const perS2 = (ms: number) => round((4 * ids.length * 1000) / ms, 0);
      figures.push(
        figure({
          figure: 'diagnostic: /me/points data, every read a cache miss, 100 at once',
          value: perS2(cache.miss),
          unit: 'calls/s',
          baseline: perS2(cache.none),
          note: 'baseline = the same read without the cache; interleaved rounds',
        }),
      );
      figures.push(
        figure({
          figure: 'diagnostic: /me/points data, every read a cache hit, 100 at once',
          value: perS2(cache.hit),
          unit: 'calls/s',
          baseline: perS2(cache.none),
          note: 'baseline = the same read without the cache',
        }),
      );
      facts.cacheNoneMissHitMs = cache;

      // Correctness: after each spend, the very next read over HTTP shows its balance (the cache is warm).
      let stale = 0;
      for (let i = 0; i < 20; i++) {
        const id = ids[i % ids.length];
        await http('GET', app.url + '/api/v1/me/points', { headers: { authorization: `Bearer ${tokens[i % ids.length]}` }, expect: [200] });
        const spent = await L.ledger.post({
          tenantId,
          customerId: id,
          key: `bench:fresh:${i}:${Date.now()}`,
          type: 'spend',
          points: 1,
          source: 'manual',
          reason: 'bench',
        });
        const seen = await http<{ balance: number }>('GET', app.url + '/api/v1/me/points', {
          headers: { authorization: `Bearer ${tokens[i % ids.length]}` },
          expect: [200],
        });
        if (seen.body.balance !== spent.balanceAfter) stale++;
      }
      figures.push(figure({ figure: 'stale /me/points reads right after a spend (of 20)', value: stale, unit: 'reads', target: '0' }));
      return { scenario: 'shopper', title: this.title, sizes: { members, duration, connections: levels.join('/') }, figures, facts };
    } finally {
      await app.stop();
    }
  },
};

function row(
  path: string,
  c: number,
  real: LoadResult,
  base: LoadResult,
  cpu: { appCpuPercent: number; dbCpuPercent?: number; machineBusyPercent?: number },
): Figure[] {
  const bad = real.non2xx + real.errors + real.timeouts;
  const busy = `CPU app ${cpu.appCpuPercent}%${cpu.dbCpuPercent === undefined ? '' : ` db ${cpu.dbCpuPercent}%`}, machine ${cpu.machineBusyPercent ?? '?'}% busy`;
  return [
    figure({
      figure: `GET ${path} @${c} conn throughput`,
      value: round(real.rps),
      unit: 'req/s',
      baseline: round(base.rps),
      target: '≥ 0.5×',
      note: `${bad ? `${bad} non-2xx/errors of ${real.requests}` : `${real.requests} requests, all 2xx`}; ${busy}`,
    }),
    figure({ figure: `GET ${path} @${c} conn p50`, value: real.p50, unit: 'ms', baseline: base.p50, lowerIsBetter: true }),
    figure({
      figure: `GET ${path} @${c} conn p99`,
      value: real.p99,
      unit: 'ms',
      baseline: base.p99,
      lowerIsBetter: true,
      target: c <= 100 ? '< 25 ms' : undefined,
    }),
  ];
}

/** The baseline: Koa with nothing but a handler answering the same body (serialised per request, as the app does). */
async function startBareKoa(body: unknown): Promise<{ url: string; stop(): Promise<void> }> {
  const koa = new Koa();
  koa.use((ctx) => {
    ctx.body = body;
  });
  const server = await new Promise<Server>((resolve) => {
    const srv = koa.listen(0, '127.0.0.1', () => resolve(srv));
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
