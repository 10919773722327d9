import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { freePort } from './lib/free-port.js';
import { DEMO_LOGINS } from './seed/seed-demo.js';
import { ensureH5Built } from './h5/ensure-h5-built.js';

/**
 * `npm run screenshots`: the console's pages as the README shows them. Starts the demo (`npm start`'s
 * scripts/demo.ts) on a data folder of its own, freshly seeded, signs in as the demo's admin in
 * Debian's Chromium at 1440×900 and saves one JPEG per page in docs/screenshots/. Run it after a change
 * to a page the README shows, and commit the pictures with the change. Tests never write there.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'docs', 'screenshots');

/** The pages shown, in the README's order: file name, path under /h5, what to wait for. */
const PAGES: Array<{ file: string; path: string; ready: string; before?: (page: Page) => Promise<void> }> = [
  { file: 'customers', path: '/console/customers', ready: '.el-table__row' },
  { file: 'customer-profile', path: '/console/customers', ready: '.el-table__row', before: async (p) => {
    await p.locator('[data-test=customer-row-name]').first().click();
    await p.locator('[data-test=customer-drawer] .el-drawer__body').waitFor();
  } },
  { file: 'audience', path: '/console/audience', ready: '[data-test=new-segment]', before: async (p) => {
    await p.locator('[data-test=new-segment]').click();
    await p.locator('.el-drawer__body').waitFor();
  } },
  { file: 'broadcasts', path: '/console/broadcasts', ready: '[data-test=new-broadcast]', before: async (p) => {
    await p.locator('[data-test=new-broadcast]').click();
    await p.locator('.el-drawer__body').waitFor();
  } },
  { file: 'journeys', path: '/console/journeys', ready: '.el-table__row' },
  { file: 'inbox', path: '/console/inbox', ready: '[data-test=inbox-views]', before: async (p) => {
    await p.locator('[data-test=view-all]').click();
    await p.locator('[data-test=conversation-row]').first().click();
  } },
  { file: 'dashboard', path: '/console/dashboard', ready: 'canvas' },
  { file: 'loyalty', path: '/console/loyalty', ready: '.el-table__row' },
  { file: 'bot', path: '/console/bot', ready: '.el-tabs' },
];

async function startDemo(dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  // A generous Redis command timeout: pictures are taken on busy machines too.
  const env = { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', DEMO_DATA_DIR: dataDir, REDIS_COMMAND_TIMEOUT_MS: '5000' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--fresh'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = performance.now();
  while (!/SCRM demo is running/.test(output)) {
    if (child.exitCode !== null || performance.now() - started > 180_000) throw new Error(`the demo did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  ensureH5Built();
  mkdirSync(OUT, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrm-screenshots-'));
  const demo = await startDemo(dataDir);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    // A brand's staff in China: their browser's clock is Beijing time, as the brand's is.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${demo.url}/h5/console`);
    await page.locator('[data-test=login-username] input').fill('admin');
    await page.locator('[data-test=login-password] input').fill(DEMO_LOGINS.password);
    await page.locator('[data-test=login-submit]').click();
    await page.locator('[data-test=staff-login]').waitFor({ state: 'detached' });
    for (const shot of PAGES) {
      await page.goto(`${demo.url}/h5${shot.path}`);
      await page.locator(shot.ready).first().waitFor();
      if (shot.before) await shot.before(page);
      // Not 'networkidle': the inbox keeps its live event stream open. Data, charts and drawers settle in this.
      await page.locator('.el-loading-mask').first().waitFor({ state: 'hidden' }).catch(() => undefined);
      await page.waitForTimeout(1500);
      const file = path.join(OUT, `${shot.file}.jpg`);
      await page.screenshot({ path: file, type: 'jpeg', quality: 72 });
      console.log(`saved ${path.relative(ROOT, file)}`);
    }
  } finally {
    await browser.close();
    await demo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
