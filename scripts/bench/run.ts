import { BenchOptions, type Scenario } from './bench-options.js';
import { startBackends } from './bench-env.js';
import { formatTable, machine, writeResult, type ScenarioResult } from './bench-report.js';
import { shopperApiScenario } from './scenarios/shopper-api.bench.js';
import { ingestScenario } from './scenarios/ingest.bench.js';
import { pointsScenario } from './scenarios/points.bench.js';
import { segmentScenario } from './scenarios/segment.bench.js';
import { broadcastScenario } from './scenarios/broadcast.bench.js';
import { botScenario } from './scenarios/bot.bench.js';
import { kfScenario } from './scenarios/kf.bench.js';
import { inboxScenario } from './scenarios/inbox.bench.js';

/**
 * `npm run bench [-- <scenario>...] [--flag=value...]`: runs the named scenarios (all, in this
 * order, when none is named), prints a table for each and writes scripts/bench/results/<name>.json.
 * Not part of `npm test`: timings belong here, never in assertions.
 */
const SCENARIOS: Scenario[] = [shopperApiScenario, ingestScenario, pointsScenario, segmentScenario, broadcastScenario, botScenario, kfScenario, inboxScenario];

const { names, options } = BenchOptions.parse(process.argv.slice(2));
if (options.bool('help') || names.includes('help')) {
  console.log('npm run bench -- [scenario...] [--flag=value...]\n');
  for (const s of SCENARIOS)
    console.log(
      `  ${s.name.padEnd(12)} ${s.title}\n${Object.entries(s.flags)
        .map(([k, v]) => `      --${k}  ${v}`)
        .join('\n')}`,
    );
  console.log(`  ${'pages'.padEnd(12)} First-load KB (raw, gzip, brotli) of each H5 page, from a Vite build; alone, no database`);
  console.log('\nMONGODB_URI / REDIS_URL: run against those servers instead of the embedded defaults.');
  process.exit(0);
}
if (names.includes('pages')) {
  // A build, not a load: it needs no database, so it runs on its own before any backend starts.
  const { runPageWeight } = await import('./page-weight.js');
  await runPageWeight(process.argv.slice(2));
  process.exit(0);
}
const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknown.length) {
  console.error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const chosen = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;

const backends = await startBackends();
// Ctrl-C (or a timeout) must not leave the embedded MongoDB or redis-server behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void backends.stop().finally(() => process.exit(130));
  });
}
const env = {
  backend: backends.backend,
  mongo: backends.backend === 'embedded' ? 'embedded (CongoDB, child process)' : 'MONGODB_URI',
  redis: process.env.REDIS_URL ? 'REDIS_URL' : 'local redis-server',
};
console.log(`bench on ${env.mongo} + ${env.redis}; machine ${JSON.stringify(machine())}`);
let failed = false;
try {
  for (const s of chosen) {
    const before = machine().loadAverage;
    const started = Date.now();
    let result: ScenarioResult;
    try {
      result = await s.run(backends, options);
    } catch (err) {
      failed = true;
      console.error(`\n${s.name} failed:`, err);
      continue;
    }
    result.facts.loadAverageBefore = before;
    result.facts.loadAverageAfter = machine().loadAverage;
    result.facts.wallSeconds = Math.round((Date.now() - started) / 100) / 10;
    console.log(formatTable(result));
    console.log(`facts: ${JSON.stringify(result.facts)}`);
    console.log(`written ${writeResult(result, env)}`);
  }
} finally {
  await backends.stop();
}
process.exit(failed ? 1 : 0);
