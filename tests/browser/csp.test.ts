import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { ensureH5Built, launchBrowser, phonePage, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/**
 * The built pages under the server's Content-Security-Policy, in Chromium: the three apps open and
 * work with no violation reported, and the policy really stops injected inline script.
 */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()], env: { DEMO_MODE: 'true' } });
  await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: '13700000099' }, { name: '林小满' });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** A page that records every CSP violation the browser reports, from the first script on. */
async function watchedPage(): Promise<{ page: Page; violations: () => Promise<string[]> }> {
  const page = await phonePage(browser);
  // (Strings, evaluated in the page: the test files are type-checked without the DOM library.)
  await page.addInitScript(
    `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
  );
  const console: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) console.push(m.text());
  });
  return { page, violations: async () => [...((await page.evaluate('window.__csp')) as string[]), ...console].filter((v) => !VANT_CDN_FONT.test(v)) };
}

/**
 * Vant's icon @font-face lists a CDN copy (at.alicdn.com) after its inline woff2, and Chromium asks for
 * both. The inline one is what renders (checked below: the font loads); the policy blocks the CDN
 * copy, which also keeps shoppers' addresses from a third party.
 */
const VANT_CDN_FONT = /^font-src http:\/\/at\.alicdn\.com\/|'http:\/\/at\.alicdn\.com\/[^']*' violates [^"]*"font-src/;
const iconFont = (page: Page) =>
  page.evaluate(`Promise.all([...document.fonts].filter((f) => f.family === 'vant-icon').map((f) => f.load().then(() => f.status, () => 'error')))`);

test('the build has no inline script, and every page is served with a policy that forbids it', async () => {
  const html = readFileSync(fileURLToPath(new URL('../../h5/dist/index.html', import.meta.url)), 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attrs, body] of scripts) {
    expect(attrs).toMatch(/\ssrc="\/h5\/assets\//);
    expect(body.trim()).toBe('');
  }
  const res = await fetch(`${app.url}/h5/member`);
  expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'[^;]*;/);
  expect(res.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe-inline/);
});

test('the member center signs in and shows the card under the policy, with no violation', async () => {
  const { page, violations } = await watchedPage();
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-phone] input').fill('13700000099');
  await page.locator('[data-test=demo-login-submit]').click();
  await page.locator('[data-test=member-card]').waitFor();
  expect(await page.locator('[data-test=member-name]').innerText()).toBe('林小满');
  expect(await violations()).toEqual([]);
  expect(await iconFont(page)).toEqual(['loaded']);
  await page.context().close();
});

test('the console signs in and draws its dashboard under the policy, with no violation', async () => {
  const admin = await app.staff('admin');
  const { page, violations } = await watchedPage();
  await staffSignIn(page, `${app.url}/h5/console`, admin.username);
  for (const p of ['dashboard', 'loyalty', 'audience']) {
    await page.goto(`${app.url}/h5/console/${p}`);
    await page.locator('#app *').first().waitFor();
    await page.waitForTimeout(800);
  }
  expect(await page.locator('[data-test=console-forbidden]').count()).toBe(0);
  expect(await violations()).toEqual([]);
  await page.context().close();
});

test('script injected into a page does not run: the policy is enforced, not just sent', async () => {
  const { page, violations } = await watchedPage();
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-phone]').waitFor();
  await page.evaluate(`
    document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.__ran = 1">');
    const s = document.createElement('script');
    s.textContent = 'window.__ran = 2';
    document.body.appendChild(s);
  `);
  await page.waitForTimeout(200);
  expect(await page.evaluate('window.__ran')).toBeUndefined();
  expect((await violations()).join('\n')).toMatch(/script-src/);
  await page.context().close();
});
