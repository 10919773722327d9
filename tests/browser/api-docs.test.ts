import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, launchBrowser, screenshot } from '../support/browser.js';

/**
 * An integrator opens the API reference at /api/docs in a desktop browser: Swagger UI, served from
 * our own origin, reads /api/openapi.json and lists the operations with their shapes — with nothing
 * fetched from elsewhere and no Content-Security-Policy violation.
 */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('the reference lists the ingest operation and opens it with its documented answer', async () => {
  const page = await consolePage(browser);
  const elsewhere: string[] = [];
  const violations: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(app.url) && !r.url().startsWith('data:')) elsewhere.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${app.url}/api/docs`);
  // Swagger UI parses and lays out all ~200 operations before it shows anything: seconds on a quiet
  // machine, longer on a loaded CI runner (a 10 s wait timed out there once), so the first sight waits longer.
  await page.getByText('SCRM API', { exact: false }).first().waitFor({ timeout: 45_000 });
  const ingest = page.locator('#operations-events-postEvents');
  await ingest.waitFor();
  await ingest.locator('.opblock-summary').click();
  await ingest.locator('tr.response[data-code="200"]').waitFor();
  await screenshot(page, 'api-docs');
  expect(await ingest.locator('.opblock-summary-path').innerText()).toContain('/api/v1/events');
  // The batch's documented answer: its counts and per-item results.
  expect(await ingest.locator('tr.response[data-code="200"]').innerText()).toMatch(/accepted[\s\S]*duplicate[\s\S]*rejected[\s\S]*results/);
  // The refusals it can answer are listed, each with the error shape.
  for (const status of ['400', '401', '403', '413', '503']) await ingest.locator(`tr.response[data-code="${status}"]`).waitFor();
  expect(elsewhere).toEqual([]);
  expect(violations).toEqual([]);
}, 90_000);
