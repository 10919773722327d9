import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { parseCsv } from '../../server/src/shared/csv.js';
import { CustomerModel } from '../../server/src/modules/customers/customer.model.js';

/** 客户 → 导入 CSV: an admin imports a file, watches it go, and takes the rejected rows back to fix. */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()] });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

test('an admin uploads a CSV with one bad row, checks the columns, sees "导入 3，拒绝 1" and downloads the rejected row with its reason', async () => {
  const admin = await app.staff('admin');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/customers`, admin.username);
  await page.locator('[data-test=customers-total]', { hasText: '共 0 位客户' }).waitFor();

  await page.locator('[data-test=import-csv]').click();
  const dialog = page.locator('[data-test=import-dialog]');
  const file =
    '\ufeffphone,name,city,tags,积分\r\n' +
    '13510000001,林小雨,厦门,美妆|高意向,10\r\n' +
    '13510000002,郑凯,"福州, 鼓楼",,\r\n' +
    'not-a-phone,坏数据,上海,,\r\n' +
    '13510000003,王芳,杭州,,\r\n';
  await dialog.locator('input[type=file]').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') });

  // Checked before anything is written: 积分 is not a column of ours, and one row will not go in.
  await dialog.locator('[data-test=import-file]', { hasText: 'customers.csv：4 行客户' }).waitFor();
  await dialog.locator('[data-test=import-column-unknown]', { hasText: '积分' }).waitFor();
  await dialog.locator('[data-test=import-column-import]', { hasText: '手机号' }).waitFor();
  await dialog.locator('[data-test=import-precheck]', { hasText: '有 1 行会被拒绝' }).waitFor();
  await dialog.locator('[data-test=import-preview] .el-table__row', { hasText: '福州, 鼓楼' }).waitFor();
  expect(await CustomerModel.countDocuments({ tenantId: app.config.DEFAULT_TENANT })).toBe(0);

  await dialog.locator('[data-test=import-start]').click();
  await dialog.locator('[data-test=import-done]', { hasText: '导入 3，拒绝 1' }).waitFor();
  await dialog.locator('[data-test=import-counts]', { hasText: '已处理 4 / 4 行：新建 3，更新 0，拒绝 1' }).waitFor();
  await screenshot(page, 'console-customers-import');

  const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator('[data-test=import-download-rejected]').click()]);
  const bytes = readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(parseCsv(bytes.toString('utf8'))).toEqual([
    ['行号', 'phone', 'name', 'city', 'tags', '积分', '原因'],
    ['4', 'not-a-phone', '坏数据', '上海', '', '', '“phone”列的“not-a-phone”不是手机号，请填 11 位手机号'],
  ]);

  await dialog.locator('[data-test=import-close]').click();
  await page.locator('[data-test=customers-total]', { hasText: '共 3 位客户' }).waitFor();
  await page.locator('[data-test=customers-table] .el-table__row', { hasText: '林小雨' }).waitFor();
});

test('停止 lands between batches: the rows sent stay imported, the rest wait, and 继续导入 finishes the file', async () => {
  const admin = await app.staff('admin');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/customers`, admin.username);
  const tenant = app.config.DEFAULT_TENANT;
  const before = await CustomerModel.countDocuments({ tenantId: tenant });

  // 450 rows go in three batches (rows 2–201, 202–401, 402–451); the second is held on the wire
  // until 停止 has been pressed.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/api\/v1\/customers\/import\.csv\?firstRow=202$/, async (route) => {
    await held;
    await route.continue();
  });
  const rows = Array.from({ length: 450 }, (_, i) => `1352${String(i).padStart(7, '0')},批量${i}`);
  await page.locator('[data-test=import-csv]').click();
  const dialog = page.locator('[data-test=import-dialog]');
  await dialog
    .locator('input[type=file]')
    .setInputFiles({ name: 'many.csv', mimeType: 'text/csv', buffer: Buffer.from(`phone,name\n${rows.join('\n')}\n`, 'utf8') });
  await dialog.locator('[data-test=import-start]').click();
  await dialog.locator('[data-test=import-counts]', { hasText: '已处理 200 / 450 行' }).waitFor();
  await dialog.locator('[data-test=import-stop]').click();
  release();
  await dialog.locator('[data-test=import-stopped]', { hasText: '后面的 50 行没有导入' }).waitFor();
  await dialog.locator('[data-test=import-counts]', { hasText: '已处理 400 / 450 行：新建 400' }).waitFor();
  expect(await CustomerModel.countDocuments({ tenantId: tenant })).toBe(before + 400);

  await dialog.locator('[data-test=import-resume]').click();
  await dialog.locator('[data-test=import-done]', { hasText: '导入 450，拒绝 0' }).waitFor();
  expect(await CustomerModel.countDocuments({ tenantId: tenant })).toBe(before + 450);
});
