import { Types } from 'mongoose';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, http, startBenchApp } from '../bench-env.js';
import { importCustomers, pool } from '../bench-fixtures.js';
import { rng } from '../bench-data.generator.js';
import { figure, round, type Figure } from '../bench-report.js';
import { cpuNote, timed } from './ingest.bench.js';

/**
 * Scenario 6: 1,000 concurrent points changes (earns and spends, many refused for lack of points)
 * spread over a few members, through POST /api/v1/loyalty/members/:id/points and through the service.
 * Afterwards the ledger reconciliation must find zero drift, the balances must equal the starting
 * balance plus what the answers say was applied, and resending every request changes nothing.
 * Baseline: the bare atomic operation (a conditional $inc per change) on a copy of the members.
 */
export const pointsScenario: Scenario = {
  name: 'points',
  title: 'Points concurrency: earns/spends, zero drift',
  flags: {
    ops: 'concurrent changes per path (default 1000)',
    members: 'members they land on (default 20: heavy contention)',
    start: 'starting balance (default 300)',
  },
  async run(b, o) {
    const ops = o.num('ops', 1000);
    const memberCount = o.num('members', 20);
    const start = o.num('start', 300);
    const app = await startBenchApp(b, 'bench_points');
    const s = app.rt.services;
    const L = s.loyalty;
    const tenantId = BENCH_TENANT;
    try {
      const ids = await importCustomers(s, tenantId, memberCount);
      const settings = await L.settings.get(tenantId);
      await pool(ids, 4, async (id) => {
        await L.join(tenantId, id, 'bench');
        await L.ledger.post({
          tenantId,
          customerId: id,
          key: `bench:start:${id}`,
          type: 'earn',
          points: start,
          source: 'manual',
          reason: 'bench start',
          expiresAt: new Date(Date.now() + settings.growth.windowDays * 86_400_000),
        });
      });
      const admin = await s.staff.create(tenantId, { username: 'bench-admin', name: 'bench admin', role: 'admin', password: 'harbor-kettle-2026' });
      const { token } = await s.staff.login(tenantId, 'bench-admin', 'harbor-kettle-2026');
      void admin;

      // The same mix for every path: ~45% earns, ~55% spends of 1–200 points.
      const r = rng(42);
      const plan = Array.from({ length: ops }, (_, i) => ({
        i,
        member: ids[Math.floor(r() * ids.length)],
        points: (r() < 0.45 ? 1 : -1) * (1 + Math.floor(r() * 200)),
      }));

      // Baseline: the atomic update alone, on a raw copy of the starting balances.
      const rawMembers = app.raw.collection('raw_members');
      await rawMembers.insertMany(ids.map((id) => ({ _id: new Types.ObjectId(id), tenantId, balance: start })));
      const base = await timed(b.mongoChild?.pid, () =>
        Promise.all(
          plan.map(async (p) => {
            const filter: Record<string, unknown> = { _id: new Types.ObjectId(p.member), tenantId };
            if (p.points < 0) filter.balance = { $gte: -p.points };
            const res = await rawMembers.updateOne(filter, { $inc: { balance: p.points } });
            return res.modifiedCount ? p.points : 0;
          }),
        ),
      );

      const viaHttp = await timed(b.mongoChild?.pid, () =>
        Promise.all(
          plan.map(async (p) => {
            const res = await http('POST', `${app.url}/api/v1/loyalty/members/${p.member}/points`, {
              headers: { authorization: `Bearer ${token}` },
              body: { points: p.points, reason: 'bench change', idempotencyKey: `http-${p.i}-bench` },
              expect: [201, 409],
            });
            return res.status === 201 ? p.points : 0;
          }),
        ),
      );
      const afterHttp = await balances(L, tenantId, ids);

      const viaService = await timed(b.mongoChild?.pid, () =>
        Promise.all(
          plan.map(async (p) => {
            try {
              await L.adjust(tenantId, p.member, { points: p.points, reason: 'bench change', idempotencyKey: `svc-${p.i}-bench`, operator: 'bench' });
              return p.points;
            } catch (err) {
              if ((err as { status?: number } | null)?.status === 409) return 0;
              throw err;
            }
          }),
        ),
      );
      const afterService = await balances(L, tenantId, ids);

      // Every request again (a client retrying after a timeout): nothing may move.
      await Promise.all(
        plan.map((p) =>
          http('POST', `${app.url}/api/v1/loyalty/members/${p.member}/points`, {
            headers: { authorization: `Bearer ${token}` },
            body: { points: p.points, reason: 'bench change', idempotencyKey: `http-${p.i}-bench` },
            expect: [201, 409],
          }),
        ),
      );
      const afterRetry = await balances(L, tenantId, ids);
      const reconcile = await L.ledger.reconcile(tenantId);

      const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
      const total = (m: Map<string, number>) => sum([...m.values()]);
      const expectedHttp = start * ids.length + sum(viaHttp.result);
      const expectedService = expectedHttp + sum(viaService.result);
      const rawFinal = sum((await rawMembers.find({}).toArray()).map((d) => d.balance as number));
      const negative = [...afterRetry.values()].filter((v) => v < 0).length;
      const checks = {
        httpBalancesMatchAnswers: total(afterHttp) === expectedHttp,
        serviceBalancesMatchAnswers: total(afterService) === expectedService,
        retryChangedNothing: total(afterRetry) === total(afterService),
        reconcileDriftTotal: reconcile.driftTotal,
        pendingEntries: reconcile.pending,
        negativeBalances: negative,
        rawBaselineConsistent: rawFinal === start * ids.length + sum(base.result),
      };
      const ok =
        checks.httpBalancesMatchAnswers &&
        checks.serviceBalancesMatchAnswers &&
        checks.retryChangedNothing &&
        reconcile.driftTotal === 0 &&
        reconcile.pending === 0 &&
        negative === 0;
      const applied = (xs: number[]) => xs.filter((x) => x !== 0).length;
      const rate = (ms: number) => round((ops * 1000) / ms, 0);
      const figures: Figure[] = [
        figure({
          figure: 'raw conditional $inc (baseline)',
          value: rate(base.ms),
          unit: 'changes/s',
          note: `${applied(base.result)} applied, ${ops - applied(base.result)} refused; ${cpuNote(base.cpu)}`,
        }),
        figure({
          figure: `HTTP POST …/points, ${ops} at once`,
          value: rate(viaHttp.ms),
          unit: 'changes/s',
          baseline: rate(base.ms),
          note: `${applied(viaHttp.result)} applied, ${ops - applied(viaHttp.result)} refused 409; ${cpuNote(viaHttp.cpu)}`,
        }),
        figure({
          figure: `service adjust(), ${ops} at once`,
          value: rate(viaService.ms),
          unit: 'changes/s',
          baseline: rate(base.ms),
          note: `${applied(viaService.result)} applied; ${cpuNote(viaService.cpu)}`,
        }),
        figure({
          figure: 'drift after reconcile',
          value: reconcile.driftTotal,
          unit: 'points',
          target: '0',
          note: ok ? `zero drift over ${reconcile.entries} entries; balances = answers; retry changed nothing` : `FAILED ${JSON.stringify(checks)}`,
        }),
      ];
      if (!ok) throw new Error(`points drifted: ${JSON.stringify(checks)}`);
      return {
        scenario: 'points',
        title: this.title,
        sizes: { ops, members: memberCount, start },
        figures,
        facts: { checks, reconcile: { members: reconcile.members, entries: reconcile.entries, pending: reconcile.pending, driftTotal: reconcile.driftTotal } },
      };
    } finally {
      await app.stop();
    }
  },
};

async function balances(
  L: { members: { find(t: string, c: string): Promise<{ balance: number } | null> } },
  tenantId: string,
  ids: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const id of ids) out.set(id, (await L.members.find(tenantId, id))?.balance ?? 0);
  return out;
}
