import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mongoose, { Types } from 'mongoose';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, http, startBenchApp, type BenchApp } from '../bench-env.js';
import { benchPhone, importCustomers } from '../bench-fixtures.js';
import { orderEventBatches } from '../bench-data.generator.js';
import { figure, nowMs, percentile, round, withCpuShare, withMemoryPeak, type Figure } from '../bench-report.js';
import { EventModel } from '../../../server/src/modules/events/event.model.js';
import { eventItemSchema } from '../../../server/src/modules/events/event.schemas.js';
import { sayIssue } from '../../../server/src/shared/http/validation-message.js';

/**
 * Scenario 1: `order.paid` events in batches through the events service's accept path (in process) and
 * through POST /api/v1/events with the integration API key. Baseline: the raw driver's insertMany of
 * the same rows into a collection with the same indexes, on the same server. Then the applier (points,
 * aggregates, RFM, journeys) drains what was accepted, in process; and a sustained run offers `rate`
 * events/s over HTTP for `seconds` with the applier in a worker process of its own (ROLES=worker, as
 * production runs it), measuring accepted → applied (`receivedAt` → `appliedAt`) per event.
 */
export const ingestScenario: Scenario = {
  name: 'ingest',
  title: 'Event ingest (order.paid) vs raw insertMany',
  flags: {
    events: 'events per path (default 3000; the issue’s scale is 1000000 against a real MONGODB_URI)',
    customers: 'distinct customers the events belong to (default events/5)',
    batch: 'events per batch (default 1000, the API maximum)',
    concurrency: 'HTTP batches in flight (default 2)',
    rate: 'sustained run: events/s offered over HTTP (default 5000)',
    seconds: 'sustained run: how long (default 10)',
    'rate-batch': 'sustained run: events per POST (default 250)',
  },
  async run(b, o) {
    const events = o.num('events', 3000);
    const customers = o.num('customers', Math.max(1, Math.round(events / 5)));
    const batch = o.num('batch', 1000);
    const concurrency = o.num('concurrency', 2);
    const rate = o.num('rate', 5000);
    const seconds = o.num('seconds', 10);
    const rateBatch = o.num('rate-batch', 250);
    const app = await startBenchApp(b, 'bench_ingest');
    const s = app.rt.services;
    const tenantId = BENCH_TENANT;
    const facts: Record<string, unknown> = {};
    try {
      // Customers exist beforehand (a shop sends orders of known buyers); every path finds, none creates.
      const ids = await importCustomers(s, tenantId, customers);
      const idByPhone = new Map(ids.map((id, i) => [benchPhone(i), new Types.ObjectId(id)]));
      const { key } = await s.staff.createApiKey(tenantId, 'bench shop');

      // Baseline: the same rows the service would store, validated the same way, raw insertMany.
      const raw = app.raw.collection('raw_events');
      for (const spec of EventModel.schema.indexes()) await raw.createIndex(spec[0] as Record<string, 1 | -1>, spec[1] as Record<string, unknown>);
      const base = await timed(b.mongoChild?.pid, async () => {
        for (const items of orderEventBatches(events, batch, { prefix: 'raw', customers })) {
          const receivedAt = new Date();
          const rows = items.map((item) => {
            const parsed = eventItemSchema.safeParse(item);
            if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${sayIssue(i)}`).join('; '));
            const e = parsed.data;
            return {
              _id: new Types.ObjectId(),
              tenantId,
              eventId: e.eventId,
              type: e.type,
              customerId: idByPhone.get((item.customer as { phone: string }).phone)!,
              occurredAt: e.occurredAt,
              receivedAt,
              source: 'bench',
              data: e.data,
              applied: false,
            };
          });
          await raw.insertMany(rows, { ordered: false });
        }
      });

      // Every database call the service makes, by collection and method (mongoose's debug hook).
      const calls = new Map<string, number>();
      // And the documents each call writes (a bulk call writes many): what the database must do per event.
      const writes = new Map<string, number>();
      mongoose.set('debug', (coll: string, method: string, ...args: unknown[]) => {
        calls.set(`${coll}.${method}`, (calls.get(`${coll}.${method}`) ?? 0) + 1);
        const n = documentsWritten(method, args);
        if (n) writes.set(coll, (writes.get(coll) ?? 0) + n);
      });
      let service;
      try {
        service = await timed(b.mongoChild?.pid, async () => {
          let accepted = 0;
          for (const items of orderEventBatches(events, batch, { prefix: 'svc', customers }))
            accepted += (await s.events.ingest(tenantId, items, 'bench')).accepted;
          return accepted;
        });
      } finally {
        mongoose.set('debug', false);
      }
      const perEvent = Object.fromEntries([...calls].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / events, 2)]));
      const callsPerEvent = round([...calls.values()].reduce((a, n) => a + n, 0) / events, 1);
      facts.dbCallsPerEvent = { total: callsPerEvent, byCollection: perEvent };
      const writesPerEvent = round([...writes.values()].reduce((a, n) => a + n, 0) / events, 1);
      facts.documentsWrittenPerEvent = {
        total: writesPerEvent,
        byCollection: Object.fromEntries([...writes].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / events, 2)])),
      };

      const httpRun = await timed(b.mongoChild?.pid, async () => {
        // Lanes pull batches from one generator, so at most `concurrency` batches exist at a time.
        const batches = orderEventBatches(events, batch, { prefix: 'http', customers });
        let accepted = 0;
        const lane = async () => {
          for (let next = batches.next(); !next.done; next = batches.next()) {
            const answer = await http<{ accepted: number }>('POST', `${app.url}/api/v1/events`, {
              headers: { 'x-api-key': key },
              body: { events: next.value },
              expect: [200],
            });
            accepted += answer.body.accepted;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, lane));
        return accepted;
      });

      // The applier, in process: drains the rows both accept runs stored (loyalty, aggregates, RFM, journeys).
      const pending = await app.raw.collection('events').countDocuments({ applied: false });
      const drain = await timed(b.mongoChild?.pid, () => s.events.settle());

      // Sustained: `rate` events/s offered over HTTP, the applier in a worker process of its own.
      const sustained = await sustainedRun(app, key, { rate, seconds, batch: rateBatch, customers });
      facts.sustained = sustained.facts;

      const perSecond = (ms: number) => round((events * 1000) / ms, 0);
      facts.accepted = { service: service.result, http: httpRun.result, expectedEach: events };
      facts.applied = { inProcess: drain.result, pendingBefore: pending };
      facts.cpu = { baseline: base.cpu, service: service.cpu, http: httpRun.cpu, applier: drain.cpu };
      facts.peakRssMb = { baseline: base.rssMb, service: service.rssMb, http: httpRun.rssMb };
      facts.ledgerEntries = await app.raw
        .collection('loyalty_points_entries')
        .estimatedDocumentCount()
        .catch(() => undefined);
      facts.eventsStored = await app.raw.collection('events').countDocuments({});
      const figures: Figure[] = [
        figure({
          figure: 'raw insertMany (baseline)',
          value: perSecond(base.ms),
          unit: 'events/s',
          note: `${round(base.ms / 1000, 1)} s; ${cpuNote(base.cpu)}`,
        }),
        figure({
          figure: 'accept path (service ingest), in process',
          value: perSecond(service.ms),
          unit: 'events/s',
          baseline: perSecond(base.ms),
          target: '≥ 0.5×',
          note: `${round(service.ms / 1000, 1)} s; ${callsPerEvent} DB calls/event writing ${writesPerEvent} documents/event (baseline 1); ${cpuNote(service.cpu)}`,
        }),
        figure({
          figure: `accept path, HTTP POST /api/v1/events (${concurrency} in flight)`,
          value: perSecond(httpRun.ms),
          unit: 'events/s',
          baseline: perSecond(base.ms),
          target: '≥ 20,000 events/s',
          note: `${round(httpRun.ms / 1000, 1)} s; ${cpuNote(httpRun.cpu)}`,
        }),
        figure({
          figure: 'applier in process (points, aggregates, RFM, journeys)',
          value: round((drain.result * 1000) / drain.ms, 0),
          unit: 'events/s',
          baseline: perSecond(base.ms),
          note: `${drain.result} rows in ${round(drain.ms / 1000, 1)} s; ${cpuNote(drain.cpu)}`,
        }),
        ...sustained.figures,
      ];
      if (service.result !== events || httpRun.result !== events) throw new Error(`not every event was accepted: ${JSON.stringify(facts.accepted)}`);
      return { scenario: 'ingest', title: this.title, sizes: { events, customers, batch, concurrency }, figures, facts };
    } finally {
      await app.stop();
    }
  },
};

/**
 * Offers `rate` events/s over HTTP for `seconds` (open loop: a batch every batch/rate seconds, whether
 * or not the last was answered) with the applier in a worker process of its own, then waits for every
 * accepted row to be applied and reads each one's accepted → applied latency from the rows.
 */
async function sustainedRun(
  app: BenchApp,
  key: string,
  o: { rate: number; seconds: number; batch: number; customers: number },
): Promise<{ figures: Figure[]; facts: Record<string, unknown> }> {
  const worker = await startWorkerProcess(app);
  try {
    const total = Math.round(o.rate * o.seconds);
    const every = (o.batch * 1000) / o.rate;
    const batches = [...orderEventBatches(total, o.batch, { prefix: 'sus', customers: o.customers })];
    const t0 = nowMs();
    let accepted = 0;
    let lateMs = 0;
    await Promise.all(
      batches.map(async (events, k) => {
        const wait = t0 + k * every - nowMs();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else lateMs = Math.max(lateMs, -wait);
        const answer = await http<{ accepted: number }>('POST', `${app.url}/api/v1/events`, { headers: { 'x-api-key': key }, body: { events }, expect: [200] });
        accepted += answer.body.accepted as number;
      }),
    );
    const offeredMs = nowMs() - t0;
    const rows = app.raw.collection('events');
    const mine = { tenantId: BENCH_TENANT, eventId: { $regex: '^sus-' } };
    const deadline = nowMs() + 300_000;
    while ((await rows.countDocuments({ ...mine, applied: false })) > 0 && nowMs() < deadline) await new Promise((r) => setTimeout(r, 100));
    const drainedMs = nowMs() - t0;
    const done = await rows.find({ ...mine, applied: true }, { projection: { receivedAt: 1, appliedAt: 1 } }).toArray();
    const lat = done.map((r) => r.appliedAt.getTime() - r.receivedAt.getTime()).sort((a, b) => a - b);
    const achieved = round((accepted * 1000) / offeredMs, 0);
    const note = `${accepted} accepted at ${achieved} events/s offered over ${round(offeredMs / 1000, 1)} s (schedule slipped ≤ ${round(lateMs, 0)} ms); all applied ${round(drainedMs / 1000, 1)} s after the first; applier pid ${worker.pid}`;
    return {
      figures: [
        figure({
          figure: `accepted → applied p50 at ${o.rate} events/s offered, worker process`,
          value: percentile(lat, 50),
          unit: 'ms',
          lowerIsBetter: true,
          note,
        }),
        figure({
          figure: `accepted → applied p99 at ${o.rate} events/s offered, worker process`,
          value: percentile(lat, 99),
          unit: 'ms',
          lowerIsBetter: true,
          target: '< 2,000 ms',
        }),
        figure({ figure: 'accepted → applied max', value: lat[lat.length - 1] ?? 0, unit: 'ms', lowerIsBetter: true }),
      ],
      facts: {
        offered: total,
        accepted,
        applied: done.length,
        achievedRate: achieved,
        offeredMs: round(offeredMs, 0),
        drainedMs: round(drainedMs, 0),
        scheduleSlipMs: round(lateMs, 0),
      },
    };
  } finally {
    await worker.stop();
  }
}

/** The worker role in a process of its own, on the scenario's database and Redis. */
async function startWorkerProcess(app: BenchApp): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../applier-worker-child.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      MONGODB_URI: app.config.MONGODB_URI,
      REDIS_URL: app.config.REDIS_URL,
      APP_SECRET: app.config.APP_SECRET,
      DEFAULT_TENANT: app.config.DEFAULT_TENANT,
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker process did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout! }).once('line', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`the worker process exited with code ${code}`)));
  });
  child.stdout!.resume();
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Timed<T> {
  result: T;
  ms: number;
  rssMb: number;
  cpu: { app: number; db?: number; machine?: number };
}

export async function timed<T>(dbPid: number | undefined, fn: () => Promise<T>): Promise<Timed<T>> {
  const t0 = nowMs();
  const m = await withMemoryPeak(() => withCpuShare(fn, dbPid));
  return { result: m.result.result, ms: nowMs() - t0, rssMb: m.rssMb, cpu: { app: m.result.appCpu, db: m.result.dbCpu, machine: m.result.machineBusy } };
}

export function cpuNote(c: { app: number; db?: number; machine?: number }): string {
  return `CPU app ${c.app}%${c.db === undefined ? '' : ` db ${c.db}%`}${c.machine === undefined ? '' : `, machine ${c.machine}%`}`;
}

/** Documents a driver call writes, as mongoose's debug hook shows it (an updateMany counts its `_id: {$in}` list, else 1). */
function documentsWritten(method: string, args: unknown[]): number {
  const first = args[0];
  if (method === 'insertMany' || method === 'bulkWrite') return Array.isArray(first) ? first.length : 0;
  if (method === 'updateMany' || method === 'deleteMany') {
    const ids = (first as { _id?: { $in?: unknown[] } } | undefined)?._id?.$in;
    return Array.isArray(ids) ? ids.length : 1;
  }
  return ['insertOne', 'updateOne', 'replaceOne', 'deleteOne', 'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete'].includes(method) ? 1 : 0;
}
