import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Browser runs drive Debian's chromium through playwright-core against the built H5 pages served by
 * the real server. The pages are built once, and rebuilt only when a source is newer than the build.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const H5 = path.join(ROOT, 'h5');
const DIST_INDEX = path.join(H5, 'dist', 'index.html');
export const SCREENSHOTS = path.join(ROOT, 'artifacts', 'screenshots');

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

export function ensureH5Built(): void {
  const built = (() => {
    try {
      return statSync(DIST_INDEX).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const sources = Math.max(newestMtime(path.join(H5, 'src')), newestMtime(path.join(H5, 'index.html')), newestMtime(path.join(H5, 'vite.config.ts')));
  if (built >= sources) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(H5, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A phone-sized page; WeChat's and WeCom's webviews are what these pages are made for. */
export async function phonePage(browser: Browser, options: { userAgent?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', userAgent: options.userAgent });
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
