import type { Browser, Locator, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/**
 * 人群 in the console at 1440×900: a table of segments; the builder in a drawer with nested groups, a
 * live count and a masked sample; a refused rule says what is wrong next to its row; edit, duplicate
 * and delete (refused, with the campaign named, while an unfinished campaign sends to it).
 */
const NOW = new Date('2026-11-20T04:00:00Z');
let app: TestApp;
let browser: Browser;
let vip: string;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ now: () => NOW, plugins: [staticH5Plugin()] });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  vip = (await s.tags.ensure(tenant, '客户意向', '高意向')).id;
  const people = [
    { phone: '13600000001', name: '杭州甲', city: '杭州', vip: true, paid: 60_000 },
    { phone: '13600000002', name: '杭州乙', city: '杭州', vip: false, paid: 10_000 },
    { phone: '13600000003', name: '上海丙', city: '上海', vip: true, paid: 0 },
    { phone: '13600000004', name: '北京丁', city: '北京', vip: true, paid: 90_000 },
    { phone: '13600000005', name: '北京戊', city: '北京', vip: false, paid: 0 },
  ];
  for (const p of people) {
    const id = await s.customers.identify(tenant, { phone: p.phone }, { name: p.name, city: p.city });
    if (p.vip) await s.customers.tag(tenant, id, [vip], []);
  }
  const at = new Date(NOW.getTime() - 5 * 86_400_000).toISOString();
  await s.events.ingest(
    tenant,
    people
      .filter((p) => p.paid)
      .map((p) => ({
        eventId: `o-${p.phone}`,
        type: 'order.paid',
        occurredAt: at,
        customer: { phone: p.phone },
        data: { orderId: `o-${p.phone}`, amount: p.paid, items: [{ sku: 'tea', quantity: 1, price: p.paid }] },
      })),
  );
  await s.events.settle();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/** Picks an entry of the open Element Plus popper (select option or dropdown item) by its exact words. */
const pick = (page: Page, words: string) =>
  page.locator('.el-select-dropdown__item:visible, .el-dropdown-menu__item:visible', { hasText: new RegExp(`^${words}$`) }).click();
const count = (editor: Locator, n: number) => editor.locator('[data-test=audience-count]:not(.stale)', { hasText: new RegExp(`^${n}$`) }).waitFor();

test('a community manager builds a nested audience with a live count, saves, edits, duplicates and deletes it; a refused rule says why next to its row', async () => {
  const manager = await app.staff('community_manager', '运营小周');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/audience`, manager.username);
  expect(await page.locator('[data-test=console-nav] .el-menu-item.is-active').innerText()).toBe('人群圈选');

  // New: 高意向 AND (city 杭州/上海 OR paid ≥ 800 元).
  await page.locator('[data-test=new-segment]').click();
  const editor = page.locator('[data-test=segment-editor]');
  const root = editor.locator('[data-test=group][data-place=全部条件]');
  await root.locator('[data-test=add-condition]').first().click();
  await pick(page, '标签');
  const tagRow = editor.locator('[data-test=rule][data-place="第 1 条"]');
  await tagRow.locator('.el-select').nth(1).click();
  await pick(page, '客户意向 · 高意向');
  await page.keyboard.press('Escape');
  await count(editor, 3);

  await root.locator('[data-test=add-group]').first().click();
  const group = editor.locator('[data-test=group][data-place="第 2 组"]');
  // A new group inside an AND group starts as OR.
  expect(await group.locator('[data-test=group-op] .is-active').innerText()).toContain('或');
  await group.locator('[data-test=add-condition]').click();
  await pick(page, '城市');
  const cityRow = editor.locator('[data-test=rule][data-place="第 2 组第 1 条"]');
  await cityRow.locator('.el-select').click();
  for (const city of ['杭州', '上海']) {
    await page.keyboard.type(city);
    await page.keyboard.press('Enter');
  }
  await page.keyboard.press('Escape');
  await count(editor, 2);
  // Community managers work with audiences, not people: the sample's names arrive masked.
  const sample = await editor.locator('[data-test=audience-sample]').innerText();
  expect(sample).toContain('杭*甲');
  expect(sample).not.toContain('杭州甲');

  await group.locator('[data-test=add-condition]').click();
  await pick(page, '消费');
  const paidRow = editor.locator('[data-test=rule][data-place="第 2 组第 2 条"]');
  await paidRow.locator('.el-select').click();
  await pick(page, '累计消费\\(元\\)');
  await paidRow.locator('.el-input-number input').first().fill('800');
  await paidRow.locator('.el-input-number input').first().press('Tab');
  await count(editor, 3);
  expect((await page.locator('[data-test=segment-drawer], .el-drawer').first().boundingBox())!.width).toBeGreaterThan(1000);
  await screenshot(page, 'console-audience');

  await editor.locator('input[data-test=segment-name]').fill('江浙沪高意向');
  await editor.locator('[data-test=save-segment]').click();
  await page.locator('.el-message', { hasText: '人群“江浙沪高意向”已保存' }).waitFor();
  const list = page.locator('[data-test=audience-page] .el-table__body');
  const row = (name: string) => list.locator('.el-table__row', { has: page.locator('[data-test=segment-name-cell]', { hasText: new RegExp(`^${name}$`) }) });
  await row('江浙沪高意向').locator('[data-test=segment-size]', { hasText: /^3$/ }).waitFor();
  const api = (method: string, path: string, body?: unknown) => app.request(method, path, { token: manager.token, body });
  const saved = (await api('GET', '/api/v1/segments')).body.items.find((s: { name: string }) => s.name === '江浙沪高意向');
  // Typed in 元, stored in fen.
  expect(saved.audience).toEqual({
    type: 'group',
    op: 'and',
    rules: [
      { type: 'tags', match: 'any', tagIds: [vip] },
      {
        type: 'group',
        op: 'or',
        rules: [
          { type: 'city', in: ['杭州', '上海'] },
          { type: 'orders', metric: 'totalPaid', min: 80_000 },
        ],
      },
    ],
  });

  // Edit: drop the city; the amount becomes 第 2 组第 1 条. A maximum below the minimum is refused
  // in words next to that row, live and on saving, and nothing is stored.
  await row('江浙沪高意向').locator('[data-test=segment-edit]').click();
  await count(editor, 3);
  await editor.locator('[data-test=rule][data-place="第 2 组第 1 条"] [data-test=remove-rule]').click();
  await count(editor, 1);
  const amount = editor.locator('[data-test=rule][data-place="第 2 组第 1 条"]');
  await amount.locator('.el-input-number input').nth(1).fill('100');
  await amount.locator('.el-input-number input').nth(1).press('Tab');
  await amount.locator('[data-test=rule-error]', { hasText: '第 2 组第 1 条：金额下限不能大于上限' }).waitFor();
  expect(await amount.getAttribute('class')).toContain('has-error');
  await editor.locator('[data-test=save-segment]').click();
  await amount.locator('[data-test=rule-error]', { hasText: '第 2 组第 1 条：金额下限不能大于上限' }).waitFor();
  await screenshot(page, 'console-audience-refused');
  expect((await api('GET', `/api/v1/segments/${saved.id}`)).body.audience).toEqual(saved.audience);

  await amount.locator('.el-input-number input').nth(1).fill('');
  await amount.locator('.el-input-number input').nth(1).press('Tab');
  await count(editor, 1);
  expect(await amount.locator('[data-test=rule-error]').count()).toBe(0);
  await editor.locator('[data-test=save-segment]').click();
  await page.locator('.el-message', { hasText: '已保存“江浙沪高意向”' }).waitFor();
  await row('江浙沪高意向').locator('[data-test=segment-size]', { hasText: /^1$/ }).waitFor();
  expect((await api('GET', `/api/v1/segments/${saved.id}`)).body).toMatchObject({ memberCount: 1 });

  // An unfinished campaign sends to it: the table says so after the next load, and delete is refused.
  const later = new Date(NOW.getTime() + 86_400_000).toISOString();
  expect(
    (
      await api('POST', '/api/v1/broadcasts', {
        name: '双十二预热',
        channel: 'wecom_group_msg',
        segmentId: saved.id,
        content: { text: '预热' },
        schedule: { kind: 'at', at: later },
      })
    ).status,
  ).toBe(201);

  // Duplicate under a new name.
  await row('江浙沪高意向').locator('[data-test=segment-duplicate]').click();
  const box = page.locator('.el-message-box');
  expect(await box.locator('input').inputValue()).toBe('江浙沪高意向 副本');
  await box.locator('.el-message-box__btns button', { hasText: '复制' }).click();
  await row('江浙沪高意向 副本').waitFor();
  expect(await row('江浙沪高意向').locator('[data-test=segment-usage]').innerText()).toBe('1 个群发（1 个未结束）');

  await row('江浙沪高意向').locator('[data-test=segment-delete]').click();
  await box.locator('.el-message-box__btns button', { hasText: '删除' }).click();
  await page.locator('.el-message--error', { hasText: '“江浙沪高意向”正被未结束的群发使用（双十二预热），请先结束或取消这些群发' }).waitFor();
  expect((await api('GET', `/api/v1/segments/${saved.id}`)).status).toBe(200);

  await row('江浙沪高意向 副本').locator('[data-test=segment-delete]').click();
  await box.locator('.el-message-box__btns button', { hasText: '删除' }).click();
  await page.locator('.el-message--success', { hasText: '已删除“江浙沪高意向 副本”' }).waitFor();
  await row('江浙沪高意向 副本').waitFor({ state: 'detached' });
  expect((await api('GET', '/api/v1/segments')).body.items.map((s: { name: string }) => s.name)).toEqual(['江浙沪高意向']);
  await page.context().close();
});
