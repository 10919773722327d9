import { Types } from 'mongoose';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, startBenchApp, type BenchApp } from '../bench-env.js';
import { figure, nowMs, round, withMemoryPeak, type Figure } from '../bench-report.js';
import { cpuNote, timed } from './ingest.bench.js';
import { startFakeWecom, type FakeWecom } from '../../wecom-fake/fake-wecom.js';

/**
 * Scenario 3: a campaign to a saved segment, planned (audience frozen into delivery rows) and
 * dispatched through WeCom group messaging (add_msg_template) against the local WeCom.
 *  - unthrottled: recipients/s the dispatcher reaches; baseline = a bare loop doing the least the
 *    job needs (one bulk insert of the rows, one add_msg_template per 200 recipients, same client);
 *  - throttled (BROADCAST_STAFF_PER_MINUTE): sends per sender per minute against the configured limit.
 * Every recipient must reach WeCom exactly once.
 */
export const broadcastScenario: Scenario = {
  name: 'broadcast',
  title: 'Broadcast plan + dispatch to the local WeCom, with a rate limit',
  flags: {
    recipients: 'recipients of the unthrottled campaign (default 5000)',
    staff: 'sending staff members (default 5)',
    rate: 'BROADCAST_STAFF_PER_MINUTE for the throttled run (default 300)',
    minutes: 'approximate length of the throttled run in minutes (default 2; 0 skips it)',
  },
  async run(b, o) {
    const recipients = o.num('recipients', 5000);
    const staffCount = Math.max(1, o.num('staff', 5));
    const rate = o.num('rate', 300);
    const minutes = o.num('minutes', 2);
    const fake = await startFakeWecom();
    const figures: Figure[] = [];
    const facts: Record<string, unknown> = {};
    try {
      // Unthrottled: how fast plan + dispatch go when nothing holds them back.
      const app = await startBenchApp(b, 'bench_broadcast', { env: { ...fake.env(), BROADCAST_STAFF_PER_MINUTE: '100000000', BROADCAST_BATCH_SIZE: '1000' } });
      try {
        const world = await setup(app, fake, staffCount, recipients, 'u');
        const baseline = await timed(b.mongoChild?.pid, async () => {
          const rows = world.customerIds.map((customerId) => ({
            _id: new Types.ObjectId(),
            tenantId: BENCH_TENANT,
            campaignId: new Types.ObjectId(),
            customerId: new Types.ObjectId(customerId),
            state: 'sent',
          }));
          for (let i = 0; i < rows.length; i += 1000) await app.raw.collection('raw_deliveries').insertMany(rows.slice(i, i + 1000));
          for (const [sender, exts] of world.bySender) {
            for (let i = 0; i < exts.length; i += 200)
              await app.rt.services.wecom.client.addMsgTemplate({
                chat_type: 'single',
                sender,
                external_userid: exts.slice(i, i + 200),
                text: { content: 'baseline' },
              });
          }
        });
        const run = await campaign(app, world.segmentId, 'bench unthrottled');
        const sent = sentTo(fake, 'bench unthrottled');
        const once = world.exts.every((e) => sent.get(e) === 1);
        facts.unthrottled = {
          plan: run.planMs,
          dispatch: run.dispatchMs,
          outcomes: run.outcomes,
          progress: run.progress,
          peakRssMb: run.rssMb,
          everyRecipientOnce: once,
          cpu: run.cpu,
        };
        if (!once) throw new Error('a recipient was messaged more or less than once');
        const perS = (ms: number) => round((recipients * 1000) / ms, 0);
        figures.push(
          figure({ figure: 'bare loop: bulk rows + add_msg_template (baseline)', value: perS(baseline.ms), unit: 'recipients/s', note: cpuNote(baseline.cpu) }),
          figure({ figure: 'plan (audience → delivery rows)', value: perS(run.planMs), unit: 'recipients/s', note: `${round(run.planMs / 1000, 1)} s` }),
          figure({
            figure: 'plan + dispatch, unthrottled',
            value: perS(run.planMs + run.dispatchMs),
            unit: 'recipients/s',
            baseline: perS(baseline.ms),
            note: `RSS ${run.rssStartMb}→${run.rssMb} MB; each recipient once; ${cpuNote(run.cpu)}`,
          }),
        );
      } finally {
        await app.stop();
      }

      if (minutes > 0) {
        // Throttled: enough recipients for ~`minutes` minutes at the configured per-sender rate.
        const n = Math.max(staffCount, Math.round(staffCount * rate * minutes));
        // n spans `minutes` minute buckets only at full speed; the run shows how close to that it gets.
        const app2 = await startBenchApp(b, 'bench_broadcast_rate', {
          env: { ...fake.env(), BROADCAST_STAFF_PER_MINUTE: String(rate), BROADCAST_BATCH_SIZE: '1000' },
        });
        try {
          const world = await setup(app2, fake, staffCount, n, 'r');
          const run = await campaign(app2, world.segmentId, 'bench throttled');
          if (run.stalled) {
            facts.throttled = { recipients: n, rate, staff: staffCount, stalled: true, progress: run.progress, outcomes: run.outcomes };
            figures.push(
              figure({
                figure: 'throttled: campaign progress',
                value: run.progress.sent,
                unit: 'sent',
                baseline: n,
                target: `all ${n}`,
                note: `STALLED: deferred with nothing sent; a sender's chunk (up to 200) exceeds BROADCAST_STAFF_PER_MINUTE=${rate}`,
              }),
            );
            return { scenario: 'broadcast', title: this.title, sizes: { recipients, staff: staffCount, rate, minutes }, figures, facts };
          }
          const rows = await app2.raw
            .collection('broadcast_deliveries')
            .find({ state: 'sent' }, { projection: { customerId: 1, sentAt: 1 } })
            .toArray();
          const perMinute = new Map<string, number>();
          for (const r of rows) {
            const key = `${world.senderOf.get(String(r.customerId))}@${Math.floor(+r.sentAt / 60_000)}`;
            perMinute.set(key, (perMinute.get(key) ?? 0) + 1);
          }
          const counts = [...perMinute.values()];
          const maxPerMinute = Math.max(...counts);
          const elapsedMin = (run.planMs + run.dispatchMs) / 60_000;
          // Mean over the (sender, minute) buckets the campaign used: how much of the limit it got.
          const achieved = counts.reduce((a, x) => a + x, 0) / counts.length;
          const sent = sentTo(fake, 'bench throttled');
          const once = world.exts.every((e) => sent.get(e) === 1);
          facts.throttled = {
            recipients: n,
            rate,
            staff: staffCount,
            minutes: round(elapsedMin, 2),
            maxPerSenderMinute: maxPerMinute,
            buckets: Object.fromEntries(perMinute),
            everyRecipientOnce: once,
          };
          if (!once) throw new Error('a recipient was messaged more or less than once (throttled)');
          figures.push(
            figure({
              figure: `throttled: max sends per sender-minute (vs limit)`,
              value: maxPerMinute,
              unit: '/min',
              baseline: rate,
              target: `≤ ${rate}, i.e. ≤ 1.00×`,
              note: maxPerMinute <= rate ? 'limit never exceeded' : 'LIMIT EXCEEDED',
            }),
            figure({
              figure: `throttled: mean sends per sender-minute (vs limit)`,
              value: round(achieved, 1),
              unit: '/min',
              baseline: rate,
              note: `${n} recipients, ${counts.length} sender-minutes, ${round(elapsedMin, 2)} min; a sender out of budget waits for the next minute`,
            }),
          );
        } finally {
          await app2.stop();
        }
      }
      return { scenario: 'broadcast', title: this.title, sizes: { recipients, staff: staffCount, rate, minutes }, figures, facts };
    } finally {
      await fake.stop();
    }
  },
};

interface World {
  segmentId: string;
  customerIds: string[];
  exts: string[];
  bySender: Map<string, string[]>;
  senderOf: Map<string, string>;
}

/** Staff linked to WeCom users, their contacts as tagged profiles (bulk, as a full sync brings them), a segment. */
async function setup(app: BenchApp, fake: FakeWecom, staffCount: number, n: number, prefix: string): Promise<World> {
  const s = app.rt.services;
  const tenantId = BENCH_TENANT;
  const tag = new Types.ObjectId().toHexString();
  const staff: Array<{ id: string; wecom: string }> = [];
  for (let k = 0; k < staffCount; k++) {
    const wecom = `${prefix}sales${k}`;
    fake.corp.addStaff(wecom, wecom);
    staff.push({
      id: (await s.staff.create(tenantId, { username: `${prefix}-sales-${k}`, name: wecom, role: 'sales', password: 'harbor-kettle-2026', wecomUserId: wecom }))
        .id,
      wecom,
    });
  }
  const world: World = { segmentId: '', customerIds: [], exts: [], bySender: new Map(), senderOf: new Map() };
  for (let from = 0; from < n; from += 1000) {
    const docs = [];
    for (let i = from; i < Math.min(n, from + 1000); i++) {
      const owner = staff[i % staff.length];
      const ext = `wm${prefix}${String(i).padStart(7, '0')}`;
      fake.corp.upsertContact({ name: `${prefix}${i}`, external_userid: ext });
      fake.corp.follow(owner.wecom, ext);
      const _id = new Types.ObjectId();
      docs.push({
        _id,
        tenantId,
        status: 'active',
        name: `${prefix}${i}`,
        ownerStaffId: owner.id,
        followerStaffIds: [owner.id],
        tags: [tag],
        identities: [{ type: 'externalUserId', value: ext }],
        wecom: { relation: 'active' },
        aggregates: { orderCount: 0, totalPaid: 0, refundCount: 0, refundedAmount: 0 },
        consents: { marketing: true },
        sourceChannel: 'wecom',
        gender: 'unknown',
        notes: [],
      }); // consent is opt-in: these recipients agreed
      world.customerIds.push(String(_id));
      world.exts.push(ext);
      world.senderOf.set(String(_id), owner.wecom);
      world.bySender.set(owner.wecom, [...(world.bySender.get(owner.wecom) ?? []), ext]);
    }
    await app.raw.collection('customers').insertMany(docs);
  }
  const seg = await s.segments.create(tenantId, {
    name: `bench ${prefix}`,
    audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] },
    mode: 'dynamic',
  });
  world.segmentId = String(seg._id);
  return world;
}

/** Creates a campaign "now", plans it, then dispatches until done, sleeping until each deferral ends. */
async function campaign(app: BenchApp, segmentId: string, text: string) {
  const s = app.rt.services;
  const c = await s.broadcasts.create(BENCH_TENANT, {
    name: text,
    segmentId,
    channel: 'wecom_group_msg',
    content: { text },
    holdoutPercent: 0,
    attributionDays: 7,
    schedule: { kind: 'now' },
  });
  const id = String(c._id);
  const d = s.broadcasts.dispatcher;
  const t0 = nowMs();
  await d.snapshot(id);
  const planMs = nowMs() - t0;
  const outcomes: string[] = [];
  let stalled = false;
  const measured = await withMemoryPeak(() =>
    timed(undefined, async () => {
      let lastSent = -1;
      let idle = 0;
      for (;;) {
        const outcome = await d.dispatch(id, performance.now() + 60_000);
        outcomes.push(outcome);
        const p = await s.broadcasts.progress(BENCH_TENANT, id);
        process.stderr.write(
          `  ${text}: ${outcome}, ${p.counts.sent}/${p.counts.total} sent${p.deferredReason ? ` (${p.deferredReason} until ${p.nextDispatchAt?.toISOString()})` : ''}\n`,
        );
        if (outcome === 'completed' || outcome === 'stopped') return;
        // Deferred twice without sending anything: it will not move (see BENCHMARKS.md, broadcast).
        idle = p.counts.sent === lastSent ? idle + 1 : 0;
        lastSent = p.counts.sent;
        if (idle >= 2) {
          stalled = true;
          return;
        }
        const next = (await s.broadcasts.get(BENCH_TENANT, id)).nextDispatchAt as Date | undefined;
        const wait = next ? next.getTime() - Date.now() : 0;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }),
  );
  return {
    planMs,
    dispatchMs: measured.result.ms,
    outcomes,
    stalled,
    progress: (await s.broadcasts.progress(BENCH_TENANT, id)).counts,
    rssMb: measured.rssMb,
    rssStartMb: measured.rssStartMb,
    cpu: measured.result.cpu,
  };
}

function sentTo(fake: FakeWecom, text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of fake.corp.msgTemplates.values()) {
    if (t.input.text?.content !== text) continue;
    for (const r of t.results) if (r.external_userid) counts.set(r.external_userid, (counts.get(r.external_userid) ?? 0) + 1);
  }
  return counts;
}
