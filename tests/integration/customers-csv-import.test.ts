import { startTestApp, type TestApp } from '../support/harness.js';
import { CustomerModel } from '../../server/src/modules/customers/customer.model.js';

let app: TestApp;
let admin: { id: string; token: string; username: string };
beforeAll(async () => {
  app = await startTestApp();
  admin = await app.staff('admin');
});
afterAll(() => app.stop());

const tenant = () => app.config.DEFAULT_TENANT;
const importCsv = (text: string, query = '', token = admin.token) =>
  app.request('POST', `/api/v1/customers/import.csv${query}`, {
    token,
    body: text,
    headers: { 'content-type': 'text/csv; charset=utf-8', 'accept-language': 'zh-CN' },
  });

test('a CSV file with a BOM and quoted commas is imported; a bad phone is rejected by its row number in the file, naming the column', async () => {
  const file =
    '\ufeffphone,name,gender,city,birthday,tags,remark,积分\r\n' +
    '13310000001,林小雨,女,厦门,03-08,美妆|高意向,"说""下周再来"", 喜欢口红",5\r\n' +
    '13310000002,郑凯,男,福州,,,,\r\n' +
    'not-a-phone,坏数据,,,,,,\r\n' +
    '13310000003,王五,不男不女,,13-40,,,\r\n';
  const res = await importCsv(file);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ rows: 4, created: 2, updated: 0 });
  expect(res.body.rejected).toEqual([
    { row: 4, reason: '“phone”列的“not-a-phone”不是手机号，请填 11 位手机号' },
    { row: 5, reason: '“gender”列的“不男不女”看不懂，请填 男、女 或留空；“birthday”列的“13-40”不是日期，请写成 03-08 或 1990-03-08' },
  ]);
  // The column check the page shows before starting: 积分 is not ours, the computed ones are left alone.
  expect(res.body.columns.find((c: any) => c.name === '积分')).toEqual({ name: '积分', use: 'unknown' });
  expect(res.body.missing).toEqual(
    expect.arrayContaining([
      { field: 'sourceChannel', label: '来源渠道' },
      { field: 'externalUserId', label: '企业微信外部联系人ID' },
    ]),
  );

  const lin = await CustomerModel.findOne({ tenantId: tenant(), phone: '13310000001' }).lean();
  expect(lin).toMatchObject({ name: '林小雨', gender: 'female', city: '厦门', birthday: { month: 3, day: 8 }, remark: '说"下周再来", 喜欢口红' });
  expect(lin!.tags).toHaveLength(2);
  expect(await CustomerModel.countDocuments({ tenantId: tenant(), phone: { $in: ['13310000003'] } })).toBe(0);

  const audit = await app.request('GET', `/api/v1/audit?actorId=${admin.id}`, { token: admin.token });
  expect(audit.body.items.find((e: any) => e.action === 'customers.import')?.details).toMatchObject({ format: 'csv', rows: 4, created: 2, rejected: 2 });
});

test('sending the same rows again (a retried batch) updates the people instead of duplicating them', async () => {
  const batch = 'phone,name,city\n13320000001,钱一,杭州\n13320000002,钱二,宁波\n';
  expect((await importCsv(batch)).body).toMatchObject({ created: 2, updated: 0, rejected: [] });
  const again = await importCsv(batch.replace('杭州', '温州'));
  expect(again.body).toMatchObject({ created: 0, updated: 2, rejected: [] });
  expect(await CustomerModel.countDocuments({ tenantId: tenant(), phone: { $in: ['13320000001', '13320000002'] } })).toBe(2);
  expect((await CustomerModel.findOne({ tenantId: tenant(), phone: '13320000001' }).lean())!.city).toBe('温州');
});

test('a later chunk of a file reports rows by their number in the whole file, and a dry run writes nothing', async () => {
  const chunk = '手机号,姓名\n13330000001,孙一\n12,孙二\n';
  const dry = await importCsv(chunk, '?firstRow=1002&dryRun=true');
  expect(dry.body).toMatchObject({
    rows: 2,
    accepted: 1,
    created: 0,
    updated: 0,
    rejected: [{ row: 1003, reason: '“手机号”列的“12”不是手机号，请填 11 位手机号' }],
  });
  expect(dry.body.columns).toEqual([
    { name: '手机号', field: 'phone', label: '手机号', use: 'import' },
    { name: '姓名', field: 'name', label: '姓名', use: 'import' },
  ]);
  expect(await CustomerModel.countDocuments({ tenantId: tenant(), phone: '13330000001' })).toBe(0);
  expect((await importCsv(chunk, '?firstRow=1002')).body).toMatchObject({ created: 1, rejected: [{ row: 1003 }] });
});

test('a file without an identity column, an unreadable file, more than 1,000 rows or over 2 MB is refused whole, with words to act on', async () => {
  const noIdentity = await importCsv('name,city\n张三,上海\n');
  expect(noIdentity.status).toBe(400);
  expect(noIdentity.body.error).toMatchObject({
    code: 'CUSTOMER_CSV_NO_IDENTITY_COLUMN',
    details: { columns: 'phone、externalUserId、unionId、shopMemberId' },
  });
  const broken = await importCsv('phone,name\n13340000001,"没有闭合\n');
  expect(broken.status).toBe(400);
  expect(broken.body.error.code).toBe('CUSTOMER_CSV_UNREADABLE');
  const many = await importCsv(`phone\n${Array.from({ length: 1001 }, (_, i) => `1335${String(i).padStart(7, '0')}`).join('\n')}\n`);
  expect(many.status).toBe(400);
  expect(many.body.error).toMatchObject({ code: 'CUSTOMER_CSV_TOO_MANY_ROWS', details: { rows: 1001, max: 1000 } });
  const empty = await importCsv('');
  expect(empty.status).toBe(400);
  // A file past 2 MB is refused before it is read: the page sends 200 rows at a time.
  const huge = await importCsv(`phone,remark\n13340000002,${'长'.repeat(800_000)}\n`);
  expect(huge.status).toBe(413);
  expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  expect(await CustomerModel.countDocuments({ tenantId: tenant(), phone: /^1334|^1335/ })).toBe(0);
});

test('only an admin may import', async () => {
  const manager = await app.staff('community_manager');
  expect((await importCsv('phone\n13360000001\n', '', manager.token)).status).toBe(403);
});
