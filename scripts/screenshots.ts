import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, staffSignIn } from './lib/chromium.js';
import { startDemoProcess } from './lib/demo-process.js';
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
  {
    file: 'customer-profile',
    path: '/console/customers',
    ready: '.el-table__row',
    before: async (p) => {
      await p.locator('[data-test=customer-row-name]').first().click();
      await p.locator('[data-test=customer-drawer] .el-drawer__body').waitFor();
    },
  },
  {
    file: 'audience',
    path: '/console/audience',
    ready: '[data-test=new-segment]',
    before: async (p) => {
      await p.locator('[data-test=new-segment]').click();
      await p.locator('.el-drawer__body').waitFor();
    },
  },
  {
    file: 'broadcasts',
    path: '/console/broadcasts',
    ready: '[data-test=new-broadcast]',
    before: async (p) => {
      await p.locator('[data-test=new-broadcast]').click();
      await p.locator('.el-drawer__body').waitFor();
    },
  },
  {
    file: 'broadcast-results',
    path: '/console/broadcasts',
    ready: '[data-test=broadcast-row]',
    before: async (p) => {
      await p.locator('[data-test=broadcast-row]', { hasText: '12·12 会员日预告' }).click();
      await p.locator('[data-test=broadcast-progress]').waitFor();
      // The demo's worker sends it within seconds of the start; show it sent, with who was skipped.
      for (let i = 0; i < 60 && !(await p.locator('[data-test=figure-sent]').innerText()).match(/[1-9]/); i++) {
        await p.waitForTimeout(1000);
        await p.reload();
        await p.locator('[data-test=broadcast-progress]').waitFor();
      }
    },
  },
  { file: 'journeys', path: '/console/journeys', ready: '.el-table__row' },
  {
    file: 'inbox',
    path: '/console/inbox',
    ready: '[data-test=inbox-views]',
    before: async (p) => {
      await p.locator('[data-test=view-all]').click();
      await p.locator('[data-test=conversation-row]').first().click();
    },
  },
  { file: 'dashboard', path: '/console/dashboard', ready: 'canvas' },
  { file: 'loyalty', path: '/console/loyalty', ready: '.el-table__row' },
  { file: 'bot', path: '/console/bot', ready: '.el-tabs' },
];

async function main(): Promise<void> {
  ensureH5Built();
  mkdirSync(OUT, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrm-screenshots-'));
  // A generous Redis command timeout: pictures are taken on busy machines too.
  const demo = await startDemoProcess({ dataDir, args: ['--fresh'], env: { REDIS_COMMAND_TIMEOUT_MS: '5000' } });
  const browser = await launchChromium();
  try {
    // A brand's staff in China: their browser's clock is Beijing time, as the brand's is.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await staffSignIn(page, `${demo.url}/h5/console`, 'admin', DEMO_LOGINS.password);
    for (const shot of PAGES) {
      await page.goto(`${demo.url}/h5${shot.path}`);
      await page.locator(shot.ready).first().waitFor();
      if (shot.before) await shot.before(page);
      // Not 'networkidle': the inbox keeps its live event stream open. Data, charts and drawers settle in this.
      await page
        .locator('.el-loading-mask')
        .first()
        .waitFor({ state: 'hidden' })
        .catch(() => undefined);
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
