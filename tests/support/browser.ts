import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, staffSignIn as signIn } from '../../scripts/lib/chromium.js';

/**
 * Browser runs drive Debian's chromium through playwright-core against the built H5 pages served by
 * the real server. The pages are built once, and rebuilt only when a source is newer than the build.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = path.join(ROOT, 'artifacts', 'screenshots');
export { ensureH5Built } from '../../scripts/h5/ensure-h5-built.js';

export { launchChromium as launchBrowser };

/** A phone-sized page; WeChat's and WeCom's webviews are what these pages are made for. */
export async function phonePage(browser: Browser, options: { userAgent?: string } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    reducedMotion: 'reduce',
    userAgent: options.userAgent,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** The console's window: a desktop application, used on a 1440×900 screen. */
export async function consolePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Opens `url` and signs in on its staff login form (every test account's password is `harbor-kettle-2026`). */
export function staffSignIn(page: Page, url: string, username: string, password = 'harbor-kettle-2026'): Promise<void> {
  return signIn(page, url, username, password);
}

/**
 * The numbers a console chart draws, read from the table each chart carries beside its canvas
 * (h5/src/pages/console/ChartCard.vue): one array of cell texts per row.
 */
export async function chartRows(page: Page, chart: string): Promise<string[][]> {
  const rows = page.locator(`[data-test=${chart}] [data-test=chart-row]`);
  await rows.first().waitFor({ state: 'attached' });
  // Runs in the page; typed by hand because this project compiles without the DOM library.
  type Cell = { textContent: string | null };
  return rows.evaluateAll((trs) => (trs as { children: ArrayLike<Cell> }[]).map((tr) => Array.from(tr.children, (td) => td.textContent ?? '')));
}
