import { Types } from 'mongoose';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, http, startBenchApp } from '../bench-env.js';
import { profileBatches } from '../bench-data.generator.js';
import { figure, median, nowMs, round, withMemoryPeak, type Figure } from '../bench-report.js';
import type { Audience } from '../../../server/src/modules/segments/audience.schema.js';

/**
 * Scenario 2: a nested audience (two levels: tags any/all, an R-score range, a value class or spend)
 * counted with its first page, through the segments service and POST /api/v1/segments/preview.
 * Baseline: the same question asked by hand — countDocuments + find on the same collection and
 * indexes through the raw driver. Then the 客户 table's most used views (GET /api/v1/customers: all,
 * by total paid, one tag, a deep page) against the same count + page asked by hand. Profiles are generated in streamed batches (bounded memory).
 */
export const segmentScenario: Scenario = {
  name: 'segment',
  title: 'Segment count + first page (nested audience) vs hand-written count',
  flags: {
    profiles: 'generated profiles (default 20000; the issue’s scale is 1000000 against a real MONGODB_URI)',
    repeats: 'timed repetitions, median reported (default 5)',
    page: 'first page size (default 20)',
  },
  async run(b, o) {
    const profiles = o.num('profiles', 20_000);
    const repeats = Math.max(1, o.num('repeats', 5));
    const page = o.num('page', 20);
    const app = await startBenchApp(b, 'bench_segment');
    const s = app.rt.services;
    const tenantId = BENCH_TENANT;
    try {
      const tagIds = Array.from({ length: 200 }, () => new Types.ObjectId().toHexString());
      const customers = app.raw.collection('customers');
      const gen = await withMemoryPeak(async () => {
        const t0 = nowMs();
        for (const batch of profileBatches(profiles, 1000, { tenantId, tagIds })) await customers.insertMany(batch, { ordered: false });
        return nowMs() - t0;
      });

      const audience: Audience = {
        type: 'group',
        op: 'and',
        rules: [
          {
            type: 'group',
            op: 'or',
            rules: [
              { type: 'tags', match: 'any', tagIds: tagIds.slice(0, 3) },
              { type: 'tags', match: 'all', tagIds: tagIds.slice(3, 5) },
            ],
          },
          { type: 'rfm', r: { min: 3, max: 5 } },
          {
            type: 'group',
            op: 'or',
            rules: [
              { type: 'rfm', classes: ['重要价值', '重要发展'] },
              { type: 'orders', metric: 'totalPaid', min: 50_000 },
            ],
          },
        ],
      };
      const hand = {
        tenantId,
        status: 'active',
        $and: [
          { $or: [{ tags: { $in: tagIds.slice(0, 3) } }, { tags: { $all: tagIds.slice(3, 5) } }] },
          { 'rfm.r': { $gte: 3, $lte: 5 } },
          { $or: [{ 'rfm.class': { $in: ['重要价值', '重要发展'] } }, { 'aggregates.totalPaid': { $gte: 50_000 } }] },
        ],
      };
      const manager = await s.staff.create(tenantId, { username: 'bench-cm', name: 'bench cm', role: 'community_manager', password: 'harbor-kettle-2026' });
      void manager;
      const { token } = await s.staff.login(tenantId, 'bench-cm', 'harbor-kettle-2026');

      const times = { base: [] as number[], service: [] as number[], http: [] as number[] };
      const counts = { base: 0, service: 0, http: 0 };
      for (let i = 0; i < repeats + 1; i++) {
        // The first round warms caches and is not counted.
        let t = nowMs();
        const [n] = await Promise.all([customers.countDocuments(hand), customers.find(hand).sort({ _id: 1 }).limit(page).toArray()]);
        if (i) times.base.push(nowMs() - t);
        counts.base = n;
        t = nowMs();
        const p = await s.segments.preview(tenantId, audience, page);
        if (i) times.service.push(nowMs() - t);
        counts.service = p.count;
        t = nowMs();
        const h = await http<{ count: number }>('POST', `${app.url}/api/v1/segments/preview`, {
          headers: { authorization: `Bearer ${token}` },
          body: { audience, sampleSize: page },
          expect: [200],
        });
        if (i) times.http.push(nowMs() - t);
        counts.http = h.body.count;
      }
      if (counts.base !== counts.service || counts.base !== counts.http) throw new Error(`counts differ: ${JSON.stringify(counts)}`);
      const mb = median(times.base);
      const ms = median(times.service);
      const mh = median(times.http);
      // The 客户 table (GET /api/v1/customers) on the same profiles: the views a manager opens most, each
      // against the same count + page asked by hand (same filter, sort, skip and limit, raw driver).
      const views: Array<{ name: string; query: string; filter: Record<string, unknown>; sort: Record<string, 1 | -1>; skip: number }> = [
        { name: 'all customers, newest activity first', query: '', filter: {}, sort: { updatedAt: -1, _id: -1 }, skip: 0 },
        { name: 'sorted by total paid', query: 'sort=totalPaid&order=desc', filter: {}, sort: { 'aggregates.totalPaid': -1, _id: -1 }, skip: 0 },
        { name: 'one tag (the most common)', query: `tag=${tagIds[0]}`, filter: { tags: tagIds[0] }, sort: { updatedAt: -1, _id: -1 }, skip: 0 },
        { name: 'page 50', query: 'page=50', filter: {}, sort: { updatedAt: -1, _id: -1 }, skip: 49 * page },
      ];
      const listFigures: Figure[] = [];
      const listFacts: Record<string, { base: number[]; http: number[]; total: number }> = {};
      for (const v of views) {
        const filter = { tenantId, status: 'active', ...v.filter };
        const t: { base: number[]; http: number[]; total: number } = { base: [], http: [], total: 0 };
        for (let i = 0; i < repeats + 1; i++) {
          let t0 = nowMs();
          const [n] = await Promise.all([
            customers.countDocuments(filter),
            customers.find(filter).sort(v.sort).skip(v.skip).limit(page).project({ notes: 0 }).toArray(),
          ]);
          if (i) t.base.push(nowMs() - t0);
          t0 = nowMs();
          const h = await http<{ total: number }>('GET', `${app.url}/api/v1/customers?pageSize=${page}${v.query ? `&${v.query}` : ''}`, {
            headers: { authorization: `Bearer ${token}` },
            expect: [200],
          });
          if (i) t.http.push(nowMs() - t0);
          if (h.body.total !== n) throw new Error(`customers list "${v.name}": ${h.body.total} ≠ ${n}`);
          t.total = n;
        }
        listFacts[v.name] = t;
        listFigures.push(
          figure({
            figure: `GET /api/v1/customers — ${v.name}`,
            value: round(median(t.http), 1),
            unit: 'ms',
            baseline: round(median(t.base), 1),
            lowerIsBetter: true,
            note: `${t.total} of ${profiles}`,
            target: '< 500 ms',
          }),
        );
      }
      const figures: Figure[] = [
        figure({ figure: 'hand-written count + first page (baseline)', value: round(mb, 1), unit: 'ms', note: `${counts.base} of ${profiles} match` }),
        figure({
          figure: 'segments.preview(), in process',
          value: round(ms, 1),
          unit: 'ms',
          baseline: round(mb, 1),
          lowerIsBetter: true,
          target: '< 500 ms, ≥ 0.5×',
        }),
        figure({ figure: 'POST /api/v1/segments/preview', value: round(mh, 1), unit: 'ms', baseline: round(mb, 1), lowerIsBetter: true, target: '< 500 ms' }),
        ...listFigures,
        figure({
          figure: 'profile generation (streamed insertMany)',
          value: round((profiles * 1000) / gen.result, 0),
          unit: 'profiles/s',
          note: `RSS ${gen.rssStartMb}→${gen.rssMb} MB, heap ${gen.heapStartMb}→${gen.heapMb} MB while generating`,
        }),
      ];
      return {
        scenario: 'segment',
        title: this.title,
        sizes: { profiles, repeats, page },
        figures,
        facts: {
          counts,
          timesMs: times,
          customersList: listFacts,
          generationMemoryMb: { rssStart: gen.rssStartMb, rssPeak: gen.rssMb, heapStart: gen.heapStartMb, heapPeak: gen.heapMb },
        },
      };
    } finally {
      await app.stop();
    }
  },
};
