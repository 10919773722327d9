import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';

/**
 * The 标签 page's API: groups and tags with how many active customers carry each and where each stands
 * with WeCom; rename, move and delete (a tag or a whole group) take effect on customers and in WeCom.
 */
let tb: WecomTestbed;
let manager: { id: string; token: string };
let sales: { id: string; token: string };
beforeAll(async () => {
  tb = await startWecomTestbed();
  manager = await tb.staff('manager', 'community_manager', '运营小林');
  sales = await tb.staff('xiaomei', 'sales', '小美');
});
afterAll(() => tb.stop());

type OverviewTag = { id: string; name: string; groupName: string; customers: number; wecom: { state: string; wecomTagId?: string } };
type Overview = { wecomEnabled: boolean; groups: Array<{ name: string; customers: number; tags: OverviewTag[] }> };
const overview = async (): Promise<Overview> => {
  const res = await tb.app.request('GET', '/api/v1/tags/overview', { token: manager.token });
  expect(res.status).toBe(200);
  return res.body;
};
const tagIn = (o: Overview, group: string, name: string) => o.groups.find((g) => g.name === group)?.tags.find((t) => t.name === name);
const createTag = async (groupName: string, name: string) =>
  (await tb.app.request('POST', '/api/v1/tags', { token: manager.token, body: { groupName, name } })).body as { id: string };
const customersTagged = async (n: number, tagIds: string[], prefix: string) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await tb.app.rt.services.customers.identify(tb.tenantId, { phone: `139${prefix}${String(i).padStart(4, '0')}` }, { name: `客户${prefix}${i}` });
    await tb.app.rt.services.customers.tag(tb.tenantId, id, tagIds, []);
    ids.push(id);
  }
  return ids;
};
const profileTags = async (id: string) => (await tb.app.request('GET', `/api/v1/customers/${id}`, { token: manager.token })).body.tags as string[];
const corpTagIds = async () => (await tb.app.rt.services.wecom.client.getCorpTagList()).flatMap((g) => g.tag.filter((t) => !t.deleted).map((t) => t.id));

test('each tag shows how many active customers carry it, and whether WeCom has it', async () => {
  const hot = await createTag('意向', '高意向');
  const cold = await createTag('意向', '低意向');
  await customersTagged(3, [hot.id], '1000');
  await customersTagged(1, [hot.id, cold.id], '1001');
  // Pushed to WeCom: the tagging's mark op creates the corp tag.
  await tb.app.rt.services.wecom.tagSync.ensureCorpTags(tb.tenantId, [hot.id]);
  const o = await overview();
  expect(o.wecomEnabled).toBe(true);
  expect(tagIn(o, '意向', '高意向')).toMatchObject({ customers: 4, wecom: { state: expect.stringMatching(/synced|pending/) } });
  expect(tagIn(o, '意向', '高意向')!.wecom.wecomTagId).toBeTruthy();
  expect(tagIn(o, '意向', '低意向')).toMatchObject({ customers: 1 });
  expect(o.groups.find((g) => g.name === '意向')!.customers).toBe(5);
  const fresh = await createTag('意向', '未使用');
  expect(tagIn(await overview(), '意向', '未使用')).toMatchObject({ id: fresh.id, customers: 0, wecom: { state: 'local' } });
});

test('rename and move keep the tag on its customers; a clash or an empty change is refused and changes nothing', async () => {
  const tag = await createTag('兴趣', '露营');
  await createTag('兴趣', '徒步');
  await customersTagged(2, [tag.id], '2000');

  const clash = await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: manager.token, body: { name: '徒步' } });
  expect(clash.status).toBe(409);
  expect(clash.body.error.code).toBe('TAG_EXISTS');
  const empty = await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: manager.token, body: {} });
  expect(empty.status).toBe(400);
  const bySales = await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: sales.token, body: { name: '野营' } });
  expect(bySales.status).toBe(403);
  expect(tagIn(await overview(), '兴趣', '露营')).toMatchObject({ id: tag.id, customers: 2 });

  expect((await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: manager.token, body: { name: '精致露营' } })).status).toBe(200);
  expect((await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: manager.token, body: { groupName: '户外' } })).status).toBe(200);
  const o = await overview();
  expect(tagIn(o, '兴趣', '露营')).toBeUndefined();
  expect(tagIn(o, '户外', '精致露营')).toMatchObject({ id: tag.id, customers: 2 });
});

test('deleting a tag takes it off every customer and deletes the corp tag in WeCom; a second delete finds nothing to do', async () => {
  const tag = await createTag('活动', '双十一');
  const keep = await createTag('活动', '双十二');
  const ids = await customersTagged(3, [tag.id, keep.id], '3000');
  const [wecomTagId] = (await tb.app.rt.services.wecom.tagSync.ensureCorpTags(tb.tenantId, [tag.id])).values();
  expect(await corpTagIds()).toContain(wecomTagId);

  expect((await tb.app.request('DELETE', `/api/v1/tags/${tag.id}`, { token: sales.token })).status).toBe(403);
  expect(tagIn(await overview(), '活动', '双十一')).toMatchObject({ customers: 3 });

  const res = await tb.app.request('DELETE', `/api/v1/tags/${tag.id}`, { token: manager.token });
  expect(res.status).toBe(200);
  expect(res.body.customers).toBe(3);
  for (const id of ids) expect(await profileTags(id)).toEqual([keep.id]);
  expect(tagIn(await overview(), '活动', '双十一')).toBeUndefined();
  await eventually(async () => expect(await corpTagIds()).not.toContain(wecomTagId));

  // Made again, it gets a fresh corp tag on its next use, not the deleted one's id.
  const again = await createTag('活动', '双十一');
  expect(again.id).toBe(tag.id);
  await customersTagged(1, [again.id], '3001');
  const relinked = await eventually(async () => {
    const now = tagIn(await overview(), '活动', '双十一')!;
    expect(now.wecom.wecomTagId).toBeTruthy();
    expect(now.wecom.wecomTagId).not.toBe(wecomTagId);
    return now.wecom.wecomTagId;
  });
  expect(await corpTagIds()).toContain(relinked);
  expect((await tb.app.request('DELETE', `/api/v1/tags/${again.id}`, { token: manager.token })).body.customers).toBe(1);
  await eventually(async () => expect(await corpTagIds()).not.toContain(relinked));

  // Its name is free again: another tag may take it.
  expect((await tb.app.request('PATCH', `/api/v1/tags/${keep.id}`, { token: manager.token, body: { name: '双十一' } })).status).toBe(200);
  expect(tagIn(await overview(), '活动', '双十一')).toMatchObject({ id: keep.id, customers: 3 });
  expect((await tb.app.request('DELETE', '/api/v1/tags/0123456789abcdef01234567', { token: manager.token })).status).toBe(404);
});

test('deleting a group deletes each of its tags from every customer; an unknown group is a 404', async () => {
  const a = await createTag('临时分组', '甲');
  const b = await createTag('临时分组', '乙');
  const other = await createTag('别的分组', '丙');
  const ids = await customersTagged(2, [a.id, b.id, other.id], '4000');

  const missing = await tb.app.request('DELETE', `/api/v1/tags/groups/${encodeURIComponent('没有这个分组')}`, { token: manager.token });
  expect(missing.status).toBe(404);
  const res = await tb.app.request('DELETE', `/api/v1/tags/groups/${encodeURIComponent('临时分组')}`, { token: manager.token });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ tags: 2, customers: 2 });
  for (const id of ids) expect(await profileTags(id)).toEqual([other.id]);
  const o = await overview();
  expect(o.groups.find((g) => g.name === '临时分组')).toBeUndefined();
  expect(tagIn(o, '别的分组', '丙')).toMatchObject({ customers: 2 });
});
