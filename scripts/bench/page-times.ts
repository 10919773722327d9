import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, staffSignIn } from '../lib/chromium.js';
import { startDemoProcess } from '../lib/demo-process.js';
import { DEMO_LOGINS } from '../seed/seed-demo.js';
import { ensureH5Built } from '../h5/ensure-h5-built.js';

/**
 * `node --import tsx scripts/bench/page-times.ts`: how long each console page takes to show its data on
 * a first visit, in Debian's Chromium at 1440×900 against the demo (`npm start`'s scripts/demo.ts, 2,000
 * customers, freshly seeded on a data folder of its own). Each visit is a new browser context signed in
 * as the demo's admin with an empty HTTP cache, timed from navigation to the page's data on screen (its
 * first table row, chart or form). Baseline, in the same run: the sign-in page, which loads the console
 * app and asks nothing of the API. Three visits per page, the median reported; JSON in
 * scripts/bench/results/page-times.json.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = 3;
const PAGES: Array<{ page: string; path: string; ready: string }> = [
  { page: 'console-customers', path: '/console/customers', ready: '.el-table__row' },
  { page: 'console-tags', path: '/console/tags', ready: '.el-table__row' },
  { page: 'console-groups', path: '/console/groups', ready: '.el-table__row' },
  { page: 'console-audience', path: '/console/audience', ready: '[data-test=new-segment]' },
  { page: 'console-broadcasts', path: '/console/broadcasts', ready: '[data-test=broadcast-row]' },
  { page: 'console-journeys', path: '/console/journeys', ready: '.el-table__row' },
  { page: 'console-codes', path: '/console/codes', ready: '.el-table__row' },
  { page: 'console-inbox', path: '/console/inbox', ready: '[data-test=inbox-views]' },
  { page: 'console-replies', path: '/console/replies', ready: '.el-table__row' },
  { page: 'console-bot', path: '/console/bot', ready: '.el-tabs' },
  { page: 'console-loyalty', path: '/console/loyalty', ready: '.el-table__row' },
  { page: 'console-dashboard', path: '/console/dashboard', ready: 'canvas' },
  { page: 'console-staff', path: '/console/staff', ready: '.el-table__row' },
  { page: 'console-audit', path: '/console/audit', ready: '.el-table__row' },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  ensureH5Built();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrm-page-times-'));
  const demo = await startDemoProcess({ dataDir, args: ['--fresh'], env: { REDIS_COMMAND_TIMEOUT_MS: '5000' }, startMs: 240_000 });
  const browser = await launchChromium();
  try {
    const options = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
    const first = await browser.newContext(options);
    const signIn = await first.newPage();
    await staffSignIn(signIn, `${demo.url}/h5/console`, 'admin', DEMO_LOGINS.password);
    const session = await first.storageState();
    await first.close();
    const visit = async (url: string, ready: string, signedIn: boolean) => {
      const context = await browser.newContext({ ...options, ...(signedIn ? { storageState: session } : {}) });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const t0 = performance.now();
      await page.goto(url);
      await page.locator(ready).first().waitFor();
      const ms = performance.now() - t0;
      await context.close();
      return ms;
    };
    const baselineRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) baselineRuns.push(await visit(`${demo.url}/h5/console`, '[data-test=login-username] input', false));
    const baseline = median(baselineRuns);
    const rows = [];
    for (const p of PAGES) {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await visit(`${demo.url}/h5${p.path}`, p.ready, true));
      rows.push({ page: p.page, ms: Math.round(median(runs)), runs: runs.map(Math.round), ratio: Math.round((median(runs) / baseline) * 100) / 100 });
    }
    const result = {
      scenario: 'page-times',
      at: new Date().toISOString(),
      baseline: { page: 'console sign-in', ms: Math.round(baseline), runs: baselineRuns.map(Math.round) },
      rows,
    };
    writeFileSync(path.join(ROOT, 'scripts/bench/results/page-times.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`| page | first visit to data on screen (median of ${RUNS}) | vs sign-in page (${Math.round(baseline)} ms) |`);
    console.log('|---|---:|---:|');
    for (const r of rows) console.log(`| ${r.page} | ${r.ms} ms | ${r.ratio.toFixed(2)}× |`);
  } finally {
    await browser.close();
    await demo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
