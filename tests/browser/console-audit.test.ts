import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/** 操作日志 in the console: an admin finds who did what, filtering and paging on the server. */
let app: TestApp;
let browser: Browser;
let t = Date.parse('2026-10-01T00:00:00Z');

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()], now: () => new Date(t) });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('an admin filters the log by actor and action, pages it, narrows it to a time range and opens an entry', async () => {
  const tenant = app.config.DEFAULT_TENANT;
  const admin = await app.staff('admin', '管理员老王');
  const other = await app.staff('community_manager', '运营小李');
  // 45 key changes by 老王 an hour apart, and 5 customer exports by 小李.
  for (let i = 0; i < 45; i++) {
    t = Date.parse('2026-10-01T00:00:00Z') + i * 3_600_000;
    await app.rt.services.audit.record({
      tenantId: tenant,
      actorId: admin.id,
      actorRole: 'admin',
      action: i % 2 ? 'api_key.revoke' : 'api_key.create',
      targetType: 'api_key',
      targetId: `key-${i}`,
      details: { name: `店铺密钥${i}` },
    });
  }
  for (let i = 0; i < 5; i++)
    await app.rt.services.audit.record({
      tenantId: tenant,
      actorId: other.id,
      actorRole: 'community_manager',
      action: 'customers.export',
      details: { rows: 100 + i },
    });
  t = Date.parse('2026-10-03T00:00:00Z');

  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/audit`, admin.username);
  const table = page.locator('[data-test=audit-table]');
  await table.locator('[data-test=audit-actor]', { hasText: '运营小李' }).first().waitFor();

  // Who: 老王 only.
  await page.locator('[data-test=audit-filter-actor]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '管理员老王' }).click();
  await page.locator('[data-test=audit-total]', { hasText: '共 45 条记录' }).waitFor();
  expect(page.url()).toContain(`actorId=${admin.id}`);
  expect(await table.locator('[data-test=audit-actor]', { hasText: '运营小李' }).count()).toBe(0);
  // Newest first, 20 a page; the third page holds the five oldest.
  expect(await table.locator('.el-table__row').first().innerText()).toContain('key-44');
  await page.locator('[data-test=audit-pager] .number', { hasText: '3' }).click();
  await page.waitForURL(/page=3/);
  await table.locator('.el-table__row').first().filter({ hasText: 'key-4' }).waitFor();
  expect(await table.locator('.el-table__row').count()).toBe(5);

  // What: every revoke among them, in words.
  await page.locator('[data-test=audit-filter-action]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '停用接口密钥' }).click();
  await page.locator('[data-test=audit-total]', { hasText: '共 22 条记录' }).waitFor();
  expect(page.url()).not.toContain('page=3');
  expect(await table.locator('[data-test=audit-action]').allInnerTexts()).toEqual(Array(20).fill('停用接口密钥'));

  // When: the range is typed in the picker; the server answers the revokes in [10:00, 20:00) of 1 Oct (the browser's local time; UTC on this machine).
  const range = page.locator('[data-test=audit-filter-range]');
  await range.locator('input').first().fill('2026-10-01 10:00:00');
  await range.locator('input').nth(1).fill('2026-10-01 20:00:00');
  await range.locator('input').nth(1).press('Enter');
  await page.locator('[data-test=audit-total]', { hasText: '共 5 条记录' }).waitFor();
  expect(await table.locator('[data-test=audit-target]').allInnerTexts()).toEqual(['key-19', 'key-17', 'key-15', 'key-13', 'key-11']);

  // A reload keeps every filter (they are the URL).
  await page.reload();
  await page.locator('[data-test=audit-total]', { hasText: '共 5 条记录' }).waitFor();

  // An entry opens to show what was recorded.
  await table.locator('.el-table__row').first().locator('.el-table__expand-icon').click();
  await page.locator('[data-test=audit-details]', { hasText: '店铺密钥19' }).waitFor();
  await screenshot(page, 'console-audit');
  await page.context().close();
});

test('a community manager is not offered the log', async () => {
  const manager = await app.staff('community_manager');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/audit`, manager.username);
  await page.locator('[data-test=console-forbidden]').waitFor();
  expect(await page.locator('[data-test=nav-console-audit]').count()).toBe(0);
  await page.context().close();
});
