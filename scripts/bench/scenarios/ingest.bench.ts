import mongoose, { Types } from 'mongoose';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, http, startBenchApp } from '../bench-env.js';
import { benchPhone, importCustomers } from '../bench-fixtures.js';
import { orderEventBatches } from '../bench-data.generator.js';
import { figure, nowMs, round, withCpuShare, withMemoryPeak, type Figure } from '../bench-report.js';
import { EventModel } from '../../../server/src/modules/events/event.model.js';
import { eventItemSchema } from '../../../server/src/modules/events/event.schemas.js';

/**
 * Scenario 1: `order.paid` events in batches through the events service (in process) and through
 * POST /api/v1/events with the integration API key. Baseline: the raw driver's insertMany of the same
 * rows into a collection with the same indexes, on the same server. A diagnostic run with the
 * `event.accepted` hooks detached shows what loyalty/RFM/journeys cost per event.
 */
export const ingestScenario: Scenario = {
  name: 'ingest',
  title: 'Event ingest (order.paid) vs raw insertMany',
  flags: {
    events: 'events per path (default 3000; the issue’s scale is 1000000 against a real MONGODB_URI)',
    customers: 'distinct customers the events belong to (default events/5)',
    batch: 'events per batch (default 1000, the API maximum)',
    concurrency: 'HTTP batches in flight (default 2)',
  },
  async run(b, o) {
    const events = o.num('events', 3000);
    const customers = o.num('customers', Math.max(1, Math.round(events / 5)));
    const batch = o.num('batch', 1000);
    const concurrency = o.num('concurrency', 2);
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
            const e = eventItemSchema.parse(item);
            return { _id: new Types.ObjectId(), tenantId, eventId: e.eventId, type: e.type, customerId: idByPhone.get((item.customer as { phone: string }).phone)!, occurredAt: e.occurredAt, receivedAt, source: 'bench', data: e.data, applied: false };
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
          for (const items of orderEventBatches(events, batch, { prefix: 'svc', customers })) accepted += (await s.events.ingest(tenantId, items, 'bench')).accepted;
          return accepted;
        });
      } finally {
        mongoose.set('debug', false);
      }
      const perEvent = Object.fromEntries([...calls].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / events, 2)]));
      const callsPerEvent = round([...calls.values()].reduce((a, n) => a + n, 0) / events, 1);
      facts.dbCallsPerEvent = { total: callsPerEvent, byCollection: perEvent };
      const writesPerEvent = round([...writes.values()].reduce((a, n) => a + n, 0) / events, 1);
      facts.documentsWrittenPerEvent = { total: writesPerEvent, byCollection: Object.fromEntries([...writes].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / events, 2)])) };

      const httpRun = await timed(b.mongoChild?.pid, async () => {
        // Lanes pull batches from one generator, so at most `concurrency` batches exist at a time.
        const batches = orderEventBatches(events, batch, { prefix: 'http', customers });
        let accepted = 0;
        const lane = async () => {
          for (let next = batches.next(); !next.done; next = batches.next()) {
            const answer = await http('POST', `${app.url}/api/v1/events`, { headers: { 'x-api-key': key }, body: { events: next.value }, expect: [200] });
            accepted += answer.body.accepted;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, lane));
        return accepted;
      });

      // Diagnostic: the same service path with the event hooks (loyalty; RFM and journeys per batch) detached.
      const hooks = (s.hooks as any).handlers as Record<string, unknown[] | undefined>;
      const savedBatch = hooks['event.batch_accepted'];
      hooks['event.batch_accepted'] = [];
      let bare;
      try {
        bare = await timed(b.mongoChild?.pid, async () => {
          let accepted = 0;
          for (const items of orderEventBatches(events, batch, { prefix: 'nohooks', customers })) accepted += (await s.events.ingest(tenantId, items, 'bench')).accepted;
          return accepted;
        });
      } finally {
        hooks['event.batch_accepted'] = savedBatch;
      }

      const rate = (ms: number) => round((events * 1000) / ms, 0);
      facts.accepted = { service: service.result, http: httpRun.result, hooksOff: bare.result, expectedEach: events };
      facts.cpu = { baseline: base.cpu, service: service.cpu, http: httpRun.cpu, hooksOff: bare.cpu };
      facts.peakRssMb = { baseline: base.rssMb, service: service.rssMb, http: httpRun.rssMb };
      facts.ledgerEntries = await app.raw.collection('loyalty_points_entries').estimatedDocumentCount().catch(() => undefined);
      facts.eventsStored = await app.raw.collection('events').countDocuments({});
      const figures: Figure[] = [
        figure({ figure: 'raw insertMany (baseline)', value: rate(base.ms), unit: 'events/s', note: `${round(base.ms / 1000, 1)} s; ${cpuNote(base.cpu)}` }),
        figure({ figure: 'service ingest, in process', value: rate(service.ms), unit: 'events/s', baseline: rate(base.ms), target: '≥ 0.5×', note: `${round(service.ms / 1000, 1)} s; ${callsPerEvent} DB calls/event writing ${writesPerEvent} documents/event (baseline 1); ${cpuNote(service.cpu)}` }),
        figure({ figure: `HTTP POST /api/v1/events (${concurrency} in flight)`, value: rate(httpRun.ms), unit: 'events/s', baseline: rate(base.ms), target: '≥ 20,000 events/s', note: `${round(httpRun.ms / 1000, 1)} s; ${cpuNote(httpRun.cpu)}` }),
        figure({ figure: 'diagnostic: service with hooks off', value: rate(bare.ms), unit: 'events/s', baseline: rate(base.ms), note: `loyalty earn + RFM + journeys cost ${round(service.ms / events - bare.ms / events, 2)} ms/event` }),
      ];
      if (service.result !== events || httpRun.result !== events || bare.result !== events) throw new Error(`not every event was accepted: ${JSON.stringify(facts.accepted)}`);
      return { scenario: 'ingest', title: this.title, sizes: { events, customers, batch, concurrency }, figures, facts };
    } finally {
      await app.stop();
    }
  },
};

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
