import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startTestApp, type TestApp } from '../support/harness.js';
import { parseCsv } from '../../server/src/shared/csv.js';
import { CustomerModel } from '../../server/src/modules/customers/customer.model.js';

let app: TestApp;
let key: string;
let admin: { id: string; token: string; username: string };
beforeAll(async () => {
  app = await startTestApp();
  key = (await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop')).key;
  admin = await app.staff('admin');
});
afterAll(() => app.stop());

const tenant = () => app.config.DEFAULT_TENANT;
const order = (eventId: string, customer: Record<string, string>, amount: number) => ({
  eventId,
  type: 'order.paid',
  occurredAt: '2026-05-01T08:00:00Z',
  customer,
  data: { orderId: `o-${eventId}`, amount },
});
/** Posts a batch and waits for the worker's applier (points, aggregates, RFM), as a later read would. */
const ingest = async (events: unknown[]) => {
  const res = await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': key }, body: { events } });
  await app.settle();
  return res;
};

test('a shop order naming both the phone and the WeCom contact merges the two profiles, keeping both histories', async () => {
  const shop = await ingest([order('m1', { phone: '13900000011', name: '陈静' }, 10_000)]);
  const wecomId = await app.rt.services.customers.identify(tenant(), { externalUserId: 'wmMERGE01' }, { name: '静静' }, 'wecom');
  expect(wecomId).not.toBe(shop.body.results[0].customerId);

  const both = await ingest([order('m2', { phone: '13900000011', externalUserId: 'wmMERGE01' }, 2_500)]);
  const survivor = both.body.results[0].customerId;
  const profile = await app.request('GET', `/api/v1/customers/${survivor}`, { token: admin.token });
  expect(profile.body.aggregates).toMatchObject({ orderCount: 2, totalPaid: 12_500 });
  expect(profile.body.identities.map((i: any) => i.type).sort()).toEqual(['externalUserId', 'phone']);
  expect(profile.body.timeline.some((t: any) => t.kind === 'merge')).toBe(true);

  // A link to the merged-away profile (a bookmark, an old sidebar) opens the surviving one; searching
  // the phone finds exactly one person.
  const loser = [shop.body.results[0].customerId, wecomId].find((id) => id !== survivor);
  expect((await app.request('GET', `/api/v1/customers/${loser}`, { token: admin.token })).body.id).toBe(survivor);
  const found = await app.request('GET', '/api/v1/customers?q=13900000011', { token: admin.token });
  expect(found.body.items.map((c: any) => c.id)).toEqual([survivor]);
});

test('search finds people by name, phone fragment or remark, filters by tag, and pages', async () => {
  const tag = await app.rt.services.tags.ensure(tenant(), '兴趣偏好', '露营');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++)
    ids.push(
      await app.rt.services.customers.identify(
        tenant(),
        { phone: `1370000100${i}` },
        { name: `搜索测试${i}`, remark: i === 3 ? '喜欢帐篷' : undefined },
        'import',
      ),
    );
  await app.rt.services.customers.tag(tenant(), ids[1], [tag.id], []);

  const byName = await app.request('GET', `/api/v1/customers?q=${encodeURIComponent('搜索测试')}&pageSize=2`, { token: admin.token });
  expect(byName.body.total).toBe(5);
  expect(byName.body.items).toHaveLength(2);
  const page3 = await app.request('GET', `/api/v1/customers?q=${encodeURIComponent('搜索测试')}&pageSize=2&page=3`, { token: admin.token });
  expect(page3.body.items).toHaveLength(1);
  expect((await app.request('GET', '/api/v1/customers?q=00001002', { token: admin.token })).body.items.map((c: any) => c.id)).toEqual([ids[2]]);
  expect((await app.request('GET', `/api/v1/customers?q=${encodeURIComponent('帐篷')}`, { token: admin.token })).body.items.map((c: any) => c.id)).toEqual([
    ids[3],
  ]);
  expect((await app.request('GET', `/api/v1/customers?tag=${tag.id}`, { token: admin.token })).body.items.map((c: any) => c.id)).toEqual([ids[1]]);
  // A search term full of regex syntax is taken literally, not as a pattern.
  expect((await app.request('GET', `/api/v1/customers?q=${encodeURIComponent('.*(')}`, { token: admin.token })).body.total).toBe(0);
});

test('sales see only their own customers (others answer 404), with phones unmasked only for their own', async () => {
  const mine = await app.staff('sales');
  const other = await app.staff('sales');
  const agent = await app.staff('agent');
  const manager = await app.staff('community_manager');
  const id = await app.rt.services.customers.identify(tenant(), { phone: '13600000077' }, { name: '赵明月', ownerStaffId: mine.id }, 'import');

  const own = await app.request('GET', `/api/v1/customers/${id}`, { token: mine.token });
  expect(own.body).toMatchObject({ name: '赵明月', phone: '13600000077' });
  expect((await app.request('GET', `/api/v1/customers/${id}`, { token: other.token })).status).toBe(404);
  expect((await app.request('GET', '/api/v1/customers?q=13600000077', { token: other.token })).body.total).toBe(0);
  expect((await app.request('PATCH', `/api/v1/customers/${id}`, { token: other.token, body: { city: '上海' } })).status).toBe(404);

  expect((await app.request('GET', `/api/v1/customers/${id}`, { token: agent.token })).body).toMatchObject({ name: '赵明月', phone: '136****0077' });
  const asManager = (await app.request('GET', `/api/v1/customers/${id}`, { token: manager.token })).body;
  expect(asManager.phone).toBe('136****0077');
  expect(asManager.name).toBe('赵*月');
});

test('what staff wrote about a customer is masked like the profile: a note, the remark and a task title show the phone and name only to roles that see them', async () => {
  const owner = await app.staff('sales');
  const agent = await app.staff('agent');
  const manager = await app.staff('community_manager');
  const id = await app.rt.services.customers.identify(tenant(), { phone: '13700000066' }, { name: '钱多多', ownerStaffId: owner.id }, 'import');
  const text = '钱多多 说换号了，新号 139 1234 5678，旧号 13700000066 停用';
  expect((await app.request('POST', `/api/v1/customers/${id}/notes`, { token: owner.token, body: { text } })).status).toBe(201);
  expect((await app.request('PATCH', `/api/v1/customers/${id}`, { token: owner.token, body: { remark: '钱多多 13912345678' } })).status).toBe(200);
  const task = await app.request('POST', `/api/v1/customers/${id}/follow-ups`, {
    token: owner.token,
    body: { title: '给钱多多回电 13912345678', assigneeId: manager.id },
  });
  expect(task.status).toBe(201);

  const asOwner = (await app.request('GET', `/api/v1/customers/${id}`, { token: owner.token })).body;
  expect(asOwner.notes.at(-1).text).toBe(text);
  expect(asOwner.remark).toBe('钱多多 13912345678');

  const asAgent = (await app.request('GET', `/api/v1/customers/${id}`, { token: agent.token })).body;
  expect(asAgent.notes.at(-1).text).toBe('钱多多 说换号了，新号 139****5678，旧号 137****0066 停用');
  expect(asAgent.remark).toBe('钱多多 139****5678');

  const asManager = (await app.request('GET', `/api/v1/customers/${id}`, { token: manager.token })).body;
  expect(asManager.notes.at(-1).text).toBe('钱*多 说换号了，新号 139****5678，旧号 137****0066 停用');
  expect(asManager.timeline.find((t: any) => t.kind === 'note').data.text).toBe(asManager.notes.at(-1).text);
  expect(asManager.remark).toBe('钱*多 139****5678');
  expect(asManager.followUps[0].title).toBe('给钱*多回电 139****5678');
  const managersTasks = (await app.request('GET', '/api/v1/follow-ups', { token: manager.token })).body.items;
  expect(managersTasks.map((t: any) => t.title)).toContain('给钱*多回电 139****5678');
  expect(JSON.stringify(managersTasks)).not.toContain('钱多多');
});

test('a follow-up list gives the 50 due soonest and how many there are in all', async () => {
  const busy = await app.staff('sales', '忙碌的销售');
  const id = await app.rt.services.customers.identify(tenant(), { phone: '13700000099' }, { name: '周到', ownerStaffId: busy.id }, 'import');
  for (let i = 0; i < 52; i++) {
    const due = new Date(Date.UTC(2026, 11, 1 + (i % 28))).toISOString();
    expect((await app.request('POST', `/api/v1/customers/${id}/follow-ups`, { token: busy.token, body: { title: `回访 ${i}`, dueAt: due } })).status).toBe(201);
  }
  const page = (await app.request('GET', '/api/v1/follow-ups?status=open', { token: busy.token })).body;
  expect(page.total).toBe(52);
  expect(page.items).toHaveLength(50);
  const dues = page.items.map((t: any) => t.dueAt);
  expect([...dues].sort()).toEqual(dues);
});

test('a bad change is refused with a message that says what is wrong, and changes nothing', async () => {
  const id = await app.rt.services.customers.identify(tenant(), { phone: '13500000088' }, { name: '孙丽', city: '杭州' }, 'import');
  const wrongType = await app.request('PATCH', `/api/v1/customers/${id}`, { token: admin.token, body: { city: '苏州', birthday: { month: 13, day: 1 } } });
  expect(wrongType.status).toBe(400);
  expect(wrongType.body.error.message).toMatch(/birthday\.month/);
  const unknown = await app.request('PATCH', `/api/v1/customers/${id}`, { token: admin.token, body: { city: '苏州', vip: true } });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.message).toMatch(/vip/);
  expect((await app.request('GET', `/api/v1/customers/${id}`, { token: admin.token })).body.city).toBe('杭州');

  expect((await app.request('GET', '/api/v1/customers/not-an-id', { token: admin.token })).status).toBe(400);
  expect((await app.request('GET', '/api/v1/customers/0123456789abcdef01234567', { token: admin.token })).status).toBe(404);
  const broken = await app.request('PATCH', `/api/v1/customers/${id}`, {
    token: admin.token,
    body: '{"city": ',
    headers: { 'content-type': 'application/json' },
  });
  expect(broken.status).toBe(400);
});

test('staff sign in with a password, anonymous and wrong roles are refused, and staff writes land in the audit log', async () => {
  const bad = await app.request('POST', '/api/v1/auth/login', { body: { username: admin.username, password: 'wrong-password' } });
  expect(bad.status).toBe(401);
  const good = await app.request('POST', '/api/v1/auth/login', { body: { username: admin.username, password: 'harbor-kettle-2026' } });
  expect(good.status).toBe(200);
  expect((await app.request('GET', '/api/v1/customers')).status).toBe(401);
  expect((await app.request('GET', '/api/v1/customers', { token: 'v1.forged.token' })).status).toBe(401);
  const sales = await app.staff('sales');
  expect((await app.request('GET', '/api/v1/audit', { token: sales.token })).status).toBe(403);

  const id = await app.rt.services.customers.identify(tenant(), { phone: '13400000099' }, { name: '周杰' }, 'import');
  await app.request('PATCH', `/api/v1/customers/${id}`, { token: good.body.token, body: { city: '成都' } });
  const audit = await app.request('GET', `/api/v1/audit?targetId=${id}`, { token: admin.token });
  expect(audit.body.items[0]).toMatchObject({ actorId: admin.id, targetId: id });
});

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const csvTool = (...args: string[]) =>
  execFileP(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts/customers-csv.ts'), ...args, '--url', app.url, '--user', admin.username, '--password', 'harbor-kettle-2026'],
    { cwd: ROOT },
  );

test('a CSV import creates and updates customers by any identity, reports bad lines, and an export gives them back', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrm-csv-'));
  const file = path.join(dir, 'customers.csv');
  writeFileSync(
    file,
    '\ufeffphone,name,gender,city,birthday,tags,remark\n' +
      '13300000001,林小雨,女,厦门,03-08,美妆|高意向,"说""下周再来"", 喜欢口红"\n' +
      '13300000002,郑凯,男,福州,,,\n' +
      'not-a-phone,坏数据,,,,,\n',
  );
  const first = await csvTool('import', file);
  expect(first.stdout).toMatch(/2 created, 0 updated, 1 rejected/);
  const rejected = parseCsv(readFileSync(path.join(dir, 'customers.rejected.csv'), 'utf8'));
  // The same rules and words as the console's import (the tool sends the file to import.csv in batches).
  expect(rejected[1].slice(0, 2)).toEqual(['4', '“phone”列的“not-a-phone”不是手机号，请填 11 位手机号']);

  // Importing again changes attributes instead of making duplicates.
  writeFileSync(file, 'phone,city\n13300000002,泉州\n');
  expect((await csvTool('import', file)).stdout).toMatch(/0 created, 1 updated, 0 rejected/);
  expect(existsSync(path.join(dir, 'customers.rejected.csv'))).toBe(true);

  const out = path.join(dir, 'export.csv');
  await csvTool('export', out);
  const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
  const col = (row: string[], name: string) => row[header.indexOf(name)];
  const lin = rows.find((r) => col(r, 'phone') === '13300000001')!;
  expect(col(lin, 'name')).toBe('林小雨');
  expect(col(lin, 'remark')).toBe('说"下周再来", 喜欢口红');
  expect(col(lin, 'birthday')).toBe('03-08');
  expect(col(lin, 'tags').split('|').sort()).toEqual(['美妆', '高意向']);
  expect(
    col(
      rows.find((r) => col(r, 'phone') === '13300000002')!,
      'city',
    ),
  ).toBe('泉州');
  expect(rows.length).toBe(await CustomerModel.countDocuments({ tenantId: tenant(), status: 'active' }));

  const audit = await app.request('GET', `/api/v1/audit?actorId=${admin.id}`, { token: admin.token });
  expect(audit.body.items.some((e: any) => e.action === 'customers.export')).toBe(true);

  // The console's download: the same rows as one file an admin opens in Excel; nobody else may take it.
  const download = await fetch(`${app.url}/api/v1/customers/export.csv`, { headers: { authorization: `Bearer ${admin.token}` } });
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(download.headers.get('content-disposition')).toMatch(/attachment; filename="customers-\d{4}-\d{2}-\d{2}\.csv"/);
  const bytes = new Uint8Array(await download.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs for Chinese text
  const [fileHeader, ...fileRows] = parseCsv(new TextDecoder().decode(bytes));
  expect(fileHeader).toEqual(header);
  expect(fileRows.map((r) => col(r, 'id')).sort()).toEqual(rows.map((r) => col(r, 'id')).sort());
  expect(fileRows.find((r) => col(r, 'phone') === '13300000001')).toEqual(lin);
  const sales = await app.staff('sales');
  expect((await app.request('GET', '/api/v1/customers/export.csv', { token: sales.token })).status).toBe(403);
  const after = await app.request('GET', `/api/v1/audit?actorId=${admin.id}`, { token: admin.token });
  expect(after.body.items.some((e: any) => e.action === 'customers.export' && e.details?.format === 'csv')).toBe(true);
}, 60_000);

test('staff remove several tags in one request and add another; the profile keeps the rest', async () => {
  const t = async (name: string) => (await app.rt.services.tags.ensure(tenant(), '标签移除', name)).id;
  const [a, b, c, d] = [await t('甲'), await t('乙'), await t('丙'), await t('丁')];
  const id = await app.rt.services.customers.identify(tenant(), { phone: '13700002001' }, { name: '标签测试' }, 'import');
  await app.rt.services.customers.tag(tenant(), id, [a, b, c], []);
  const res = await app.request('POST', `/api/v1/customers/${id}/tags`, { token: admin.token, body: { add: [d], remove: [a, c] } });
  expect(res.status).toBe(200);
  expect([...res.body.tags].sort()).toEqual([b, d].sort());
  expect((await app.request('GET', `/api/v1/customers?tag=${a}`, { token: admin.token })).body.items).toEqual([]);
});

test('exports neutralise formula cells (OWASP CSV injection) and an export imported and exported again is unchanged', async () => {
  const hostile = { name: '=HYPERLINK("http://x","y")', city: '+cmd|/C calc', remark: '@SUM(1+1)*cmd', tag: '-2+3' };
  const imported = await app.request('POST', '/api/v1/customers/import', {
    token: admin.token,
    body: {
      rows: [
        { identity: { phone: '13300000777' }, attrs: { name: hostile.name, city: hostile.city, remark: hostile.remark }, tags: [hostile.tag] },
        { identity: { phone: '13300000778' }, attrs: { name: '黄丽', city: '杭州', remark: '老客户, 爱买"面膜"' }, tags: ['普通'] },
      ],
    },
  });
  expect(imported.body).toMatchObject({ created: 2, rejected: [] });

  const dir = mkdtempSync(path.join(tmpdir(), 'scrm-csv-'));
  const first = path.join(dir, 'first.csv');
  await csvTool('export', first);
  const download = await fetch(`${app.url}/api/v1/customers/export.csv`, { headers: { authorization: `Bearer ${admin.token}` } });
  for (const text of [readFileSync(first, 'utf8'), await download.text()]) {
    const [header, ...rows] = parseCsv(text);
    const col = (row: string[], name: string) => row[header.indexOf(name)];
    const row = rows.find((r) => col(r, 'phone') === '13300000777')!;
    // A spreadsheet shows these as text instead of running them as formulas.
    expect(col(row, 'name')).toBe(`'${hostile.name}`);
    expect(col(row, 'city')).toBe(`'${hostile.city}`);
    expect(col(row, 'remark')).toBe(`'${hostile.remark}`);
    expect(col(row, 'tags')).toBe(`'${hostile.tag}`);
    expect(col(row, 'orderCount')).toBe('0'); // numbers stay numbers
    const other = rows.find((r) => col(r, 'phone') === '13300000778')!;
    expect([col(other, 'name'), col(other, 'city'), col(other, 'remark'), col(other, 'tags')]).toEqual(['黄丽', '杭州', '老客户, 爱买"面膜"', '普通']);
    // No cell of the file starts a formula.
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  }

  // Import the export as is: nothing changes (the quote added on export is taken off on import), and
  // the next export is the same file byte for byte.
  const before = await CustomerModel.find({ tenantId: tenant(), status: 'active' }).sort({ _id: 1 }).lean();
  expect((await csvTool('import', first)).stdout).toMatch(new RegExp(`0 created, ${before.length} updated, 0 rejected`));
  const after = await CustomerModel.find({ tenantId: tenant(), status: 'active' }).sort({ _id: 1 }).lean();
  expect(after.map((c) => [c.name, c.city, c.remark, c.tags])).toEqual(before.map((c) => [c.name, c.city, c.remark, c.tags]));
  const second = path.join(dir, 'second.csv');
  await csvTool('export', second);
  expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'));
}, 60_000);
