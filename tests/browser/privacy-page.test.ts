import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../support/harness.js';
import { ensureH5Built, launchBrowser, phonePage, screenshot } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { trustEnv } from '../integration/trust/trust-support.js';

/** The member center's "my data & privacy": consent per purpose, download my data, delete my account. */
let app: TestApp;
let browser: Browser;
let customerId: string;
const PHONE = '13700000077';

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()], env: trustEnv({ DEMO_MODE: 'true' }) });
  customerId = await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: PHONE }, { name: '隐私测试' }, 'test');
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function openPrivacy(page: Page) {
  await page.goto(`${app.url}/h5/member`);
  await page.locator('[data-test=demo-phone] input').fill(PHONE);
  await page.locator('[data-test=demo-login-submit]').click();
  await page.locator('[data-test=member-card]').waitFor();
  await page.locator('[data-test=go-privacy]').click();
  await page.locator('[data-test=profiling-state]').waitFor();
}

test('a shopper who never chose sees marketing and profiling off with their purpose in plain Chinese, and agrees to marketing on the shown text', async () => {
  const page = await phonePage(browser);
  await openPrivacy(page);
  expect(await page.locator('[data-test=marketing-since]').innerText()).toContain('未同意');
  expect(await page.locator('[data-test=profiling-state]').innerText()).toContain('未同意');
  expect(await page.locator('[data-test=marketing-purpose]').innerText()).toContain('会员活动、优惠券和新品通知');
  expect(await page.locator('[data-test=profiling-purpose]').innerText()).toContain('购买和浏览记录');
  await page.locator('[data-test=opt-in]').click();
  await page.locator('[data-test=consent-state]', { hasText: '已同意接收营销消息' }).waitFor();
  const consents = await app.rt.services.privacy.consents.get(app.config.DEFAULT_TENANT, customerId);
  expect(consents.marketing).toMatchObject({ granted: true, source: 'recorded', channel: 'h5', version: expect.any(String) });
  await page.context().close();
});

test('a shopper turns profiling off (recorded with time and channel) and downloads their data as JSON', async () => {
  const page = await phonePage(browser);
  await openPrivacy(page);
  await page.locator('[data-test=profiling-off]').click();
  await page.locator('[data-test=profiling-state]', { hasText: '已关闭' }).waitFor();
  expect(await page.locator('[data-test=profiling-state]').innerText()).toContain('通过 h5 设置');
  const consents = await app.rt.services.privacy.consents.get(app.config.DEFAULT_TENANT, customerId);
  expect(consents.profiling).toMatchObject({ granted: false, source: 'recorded', channel: 'h5' });

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-data]').click()]);
  const data = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  expect(data.profile).toMatchObject({ id: customerId, name: '隐私测试', phone: PHONE });
  expect(data.consents.current.profiling.granted).toBe(false);
  await screenshot(page, 'member-privacy-consents');
  await page.context().close();
});

test('a shopper deletes their account after confirming: personal data is erased and the session ends', async () => {
  const page = await phonePage(browser);
  await openPrivacy(page);
  await page.locator('[data-test=delete-account]').click();
  await page.locator('.van-dialog__confirm').click();
  await page.locator('[data-test=demo-login], [data-test=account-deleted]').first().waitFor();
  const erasure = await app.rt.services.privacy.erasure.status(app.config.DEFAULT_TENANT, customerId);
  expect(erasure?.status).toBe('done');
  expect(await app.rt.services.customers.findByIdentity(app.config.DEFAULT_TENANT, { phone: PHONE })).toBeNull();
  expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('scrm.shopper.session'))).toBeNull();
  await page.context().close();
});
