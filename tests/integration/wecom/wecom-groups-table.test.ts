import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';

/**
 * The console's 客户群 table over GET /api/v1/wecom/groups?page=…: groups as WeCom reports them,
 * with members, customers, who joined and who left lately (a leave recorded once however often the
 * group is re-read), the tags its customers carry most, filters, sort, and a group's members.
 */
let tb: WecomTestbed;
let admin: { id: string; token: string };
let sales: { id: string; token: string };
let other: { id: string; token: string };
beforeAll(async () => {
  tb = await startWecomTestbed();
  admin = await tb.staff('boss', 'admin', '老板');
  sales = await tb.staff('xiaomei', 'sales', '小美');
  other = await tb.staff('dawei', 'sales', '大伟');
});
afterAll(() => tb.stop());

const page = async (qs: string, token = admin.token) => (await tb.app.request('GET', `/api/v1/wecom/groups?page=1&${qs}`, { token })).body;

test('a group shows its members, customers, joins and leaves (each leave once), top tags and last sync; filters and sort run on the server', async () => {
  const vip = (await tb.app.rt.services.tags.ensure(tb.tenantId, '客户意向', '高意向')).id;
  const a = await tb.fake.addFriend('xiaomei', { name: '群友甲' });
  const { chatId } = await tb.fake.createGroup('xiaomei', '会员福利群', [a.externalUserId]);
  const b = tb.fake.corp.upsertContact({ name: '群友乙' });
  const c = tb.fake.corp.upsertContact({ name: '群友丙' });
  await tb.fake.joinGroup(chatId, b.external_userid);
  await tb.fake.joinGroup(chatId, c.external_userid);
  const row = () => page('q=福利').then((r) => r.items.find((g: { chatId: string }) => g.chatId === chatId));
  // A member we never saw in the group cannot be seen leaving it: wait until 甲 is mirrored.
  await eventually(async () => expect((await row())?.memberCount).toBe(4));
  await tb.fake.leaveGroup(chatId, a.externalUserId);
  await eventually(async () => expect((await row())?.left).toBe(1));
  const bId = (await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId: b.external_userid }))!;
  const cId = (await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId: c.external_userid }))!;
  await tb.app.rt.services.customers.tag(tb.tenantId, bId, [vip], []);
  await tb.app.rt.services.customers.tag(tb.tenantId, cId, [vip], []);

  // Another change makes WeCom's group be read again: the leave is not counted twice.
  const d = tb.fake.corp.upsertContact({ name: '群友丁' });
  await tb.fake.joinGroup(chatId, d.external_userid);
  await eventually(async () => expect((await row())?.memberCount).toBe(4));
  expect(await row()).toMatchObject({
    name: '会员福利群',
    ownerStaffId: sales.id,
    status: 'active',
    memberCount: 4,
    customerCount: 3,
    joined: 4,
    left: 1,
    topTags: [{ tagId: vip, customers: 2 }],
  });
  expect(Date.parse((await row()).syncedAt)).toBeGreaterThan(0);

  // A second, smaller group of another owner: owner filter, name filter and sort by size.
  const e = await tb.fake.addFriend('dawei', { name: '群友戊' });
  const small = (await tb.fake.createGroup('dawei', '新品试用群', [e.externalUserId])).chatId;
  await eventually(async () => expect((await page(`owner=${other.id}`)).items.map((g: { chatId: string }) => g.chatId)).toEqual([small]));
  expect((await page('q=试用')).total).toBe(1);
  const bySize = await page('sort=memberCount&order=asc&pageSize=1');
  expect(bySize).toMatchObject({ total: 2, page: 1, pageSize: 1 });
  expect(bySize.items.map((g: { chatId: string }) => g.chatId)).toEqual([small]);
  // Sales see their own groups only, whatever owner they ask for.
  expect((await page(`owner=${other.id}`, sales.token)).items.map((g: { chatId: string }) => g.chatId)).toEqual([chatId]);

  // A group's drawer: members with their customers' tags, and who left.
  const detail = await tb.app.request('GET', `/api/v1/wecom/groups/${chatId}`, { token: admin.token });
  expect(detail.status).toBe(200);
  expect(detail.body.members.find((m: { userid: string }) => m.userid === b.external_userid)).toMatchObject({
    type: 2,
    name: '群友乙',
    customerId: bId,
    tags: [vip],
  });
  expect(detail.body.departures).toEqual([expect.objectContaining({ userid: a.externalUserId, name: '群友甲', type: 2 })]);
  expect((await tb.app.request('GET', `/api/v1/wecom/groups/${chatId}`, { token: sales.token })).status).toBe(403);
  expect((await tb.app.request('GET', '/api/v1/wecom/groups/wrNoSuchGroup', { token: admin.token })).status).toBe(404);
  expect((await tb.app.request('GET', '/api/v1/wecom/groups?page=1&sort=name', { token: admin.token })).status).toBe(400);
});
