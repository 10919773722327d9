import type { Browser, Page } from 'playwright-core';
import { startTestApp, until, type TestApp } from '../support/harness.js';
import { consolePage, ensureH5Built, launchBrowser, screenshot, staffSignIn } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';

/** 客服设置 in the console (1440×900): teams, the ordered routing rules, business hours — saved and shown again after a reload. */
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  ensureH5Built();
  app = await startTestApp({ plugins: [staticH5Plugin()], now: () => new Date('2026-10-01T08:00:00Z') });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const pick = (page: Page, words: string) => page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^${words}$`) }).click();

test('an admin makes a VIP team with a member, routes gold members to it and sets weekday hours with a holiday; all of it is there after a reload', async () => {
  const admin = await app.staff('admin');
  await app.staff('agent', '阿维');
  const lin = await app.staff('community_manager', '主管小林');
  const page = await consolePage(browser);
  await staffSignIn(page, `${app.url}/h5/console/desk-settings`, admin.username);
  expect(await page.locator('[data-test=console-nav] .el-menu-item.is-active').innerText()).toBe('客服设置');
  await page.locator('[data-test=team-table]').getByText('还没有客服组').waitFor();

  // A team: without a name the dialog says so and stays open.
  await page.locator('[data-test=add-team]').click();
  const dialog = page.locator('[data-test=team-dialog]');
  await dialog.locator('[data-test=team-save]').click();
  expect(await dialog.locator('[data-test=team-error]').innerText()).toContain('请填写客服组名称');
  await dialog.locator('input[data-test=team-name]').fill('VIP');
  await dialog.locator('[data-test=team-members]').click();
  await pick(page, '阿维');
  await dialog.locator('[data-test=team-first] input').fill('60');
  // The team's manager: its missed response targets are escalated to them.
  await dialog.locator('[data-test=team-manager-select]').click();
  await pick(page, '主管小林');
  await dialog.locator('[data-test=team-save]').click();
  await dialog.waitFor({ state: 'hidden' });
  const row = page.locator('[data-test=team-table] .el-table__row', { hasText: 'VIP' });
  await row.waitFor();
  expect(await row.locator('[data-test=team-member]').innerText()).toBe('阿维');
  expect(await row.locator('[data-test=team-manager]').innerText()).toBe('主管小林');
  expect((await app.rt.services.desk.teams.list(app.config.DEFAULT_TENANT))[0].managerId).toBe(lin.id);
  expect((await page.locator('[data-test=team-table]').boundingBox())!.width).toBeGreaterThan(1000);

  // A routing rule: gold and black-gold members → VIP.
  await page.locator('[data-test=add-routing-rule]').click();
  const rule = page.locator('[data-test=routing-rule]').first();
  await rule.locator('[data-test=rule-tiers]').click();
  await pick(page, '金卡');
  await pick(page, '黑金');
  await rule.locator('[data-test=rule-team]').click();
  await pick(page, 'VIP');
  await page.locator('[data-test=save-routing]').click();
  await page.locator('.el-message--success').first().waitFor();

  // Hours: Monday to Friday 09:00–18:00; a closing time before the opening is refused naming the day.
  for (const day of [1, 2, 3, 4, 5]) await page.locator(`[data-test=hours-day-${day}] [data-test=hours-on]`).click();
  await page.locator('[data-test=hours-day-1] input[data-test=hours-close]').fill('08:00');
  await page.locator('[data-test=save-hours]').click();
  expect(await page.locator('[data-test=hours-error]').innerText()).toContain('周一：下班时间必须晚于上班时间');
  await page.locator('[data-test=hours-day-1] input[data-test=hours-close]').fill('18:00');
  const holidays = page.locator('[data-test=hours-holidays]');
  await holidays.locator('input').fill('2027-01-01');
  await holidays.locator('input').press('Enter');
  await holidays.locator('[data-test=hours-date-add]').click();
  await holidays.locator('[data-test=hours-date]', { hasText: '2027-01-01' }).waitFor();
  await page.locator('[data-test=save-hours]').click();
  await page.locator('[data-test=hours-error]').waitFor({ state: 'detached' });
  await page.locator('.el-message--success').last().waitFor();
  await screenshot(page, 'console-desk-settings');

  await page.reload();
  await page.locator('[data-test=team-table] .el-table__row', { hasText: 'VIP' }).waitFor();
  expect(await page.locator('[data-test=team-table] .el-table__row', { hasText: 'VIP' }).innerText()).toContain('60');
  const saved = page.locator('[data-test=routing-rule]');
  await saved.first().waitFor();
  expect(await saved.count()).toBe(1);
  expect(await saved.first().locator('[data-test=rule-tiers]').innerText()).toMatch(/金卡[\s\S]*黑金/);
  expect(await saved.first().locator('[data-test=rule-team]').innerText()).toContain('VIP');
  await page.locator('[data-test=hours-holidays] [data-test=hours-date]', { hasText: '2027-01-01' }).waitFor();
  expect(await page.locator('[data-test=hours-day-1] input[data-test=hours-close]').inputValue()).toBe('18:00');
  expect(await page.locator('[data-test=hours-day-6] input[data-test=hours-open]').count()).toBe(0);

  // What the server holds is what the page showed.
  const tenant = app.config.DEFAULT_TENANT;
  const hours = await app.rt.services.desk.rules.settings(tenant);
  expect(hours.hours).toMatchObject({ timezone: 'Asia/Shanghai', holidays: ['2027-01-01'] });
  expect(hours.hours!.weekly.map((w) => `${w.day} ${w.open}-${w.close}`)).toEqual([
    '1 09:00-18:00',
    '2 09:00-18:00',
    '3 09:00-18:00',
    '4 09:00-18:00',
    '5 09:00-18:00',
  ]);
  const [routing] = await app.rt.services.desk.teams.routing(tenant);
  expect(routing).toMatchObject({ when: 'tier', values: ['gold', 'black'] });

  // A gold member asks for a human: the inbox's queue shows the chat with its team.
  const s = app.rt.services;
  const contact = { id: 'wx-gold', name: '金卡客' };
  const at = new Date('2026-10-01T08:00:00Z');
  await s.events.ingest(tenant, [
    {
      eventId: 'ds-gold-1',
      type: 'order.paid',
      occurredAt: at.toISOString(),
      customer: { wechatyContactId: contact.id, name: '金卡客' },
      data: { orderId: 'ds-gold-1', amount: 600_000 },
    },
  ]);
  await s.events.settle();
  const gold = async () =>
    (await s.loyalty.members.find(tenant, String(await s.customers.findByIdentity(tenant, { wechatyContactId: contact.id }))))?.tier === 'gold';
  expect(await until(gold, 8000)).toBe(true);
  const captured = await s.desk.conversations.capture(tenant, {
    botAccountId: 'brand-bot',
    peer: { kind: 'private', contact },
    talker: contact,
    externalId: 'ds-msg-1',
    type: 'text',
    text: '人工',
    at,
  });
  const { conversation } = await s.desk.handoff.requestHuman(tenant, String(captured.conversation._id), 'customer asked for a human');
  expect(conversation.teamName).toBe('VIP');
  await page.goto(`${app.url}/h5/console/inbox`);
  const queued = page.locator('[data-test=conversation-row]', { hasText: '金卡客' });
  expect(await queued.locator('[data-test=row-team]').innerText()).toBe('VIP');
});
