import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { WecomTagOpModel } from '../../../server/src/wecom/wecom-sync.model.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';
import type { AddCorpTagBody } from '../../../scripts/wecom-fake/fake-requests.js';

let tb: WecomTestbed;
let admin: { id: string; token: string };
beforeAll(async () => {
  tb = await startWecomTestbed();
  admin = await tb.staff('boss', 'admin', '老板');
  await tb.staff('xiaomei', 'sales', '小美');
  await tb.staff('dawei', 'sales', '大伟');
});
afterAll(() => tb.stop());

const callbackDone = (filter: Record<string, unknown>) =>
  eventually(async () => expect((await WecomCallbackModel.findOne(filter).lean())?.status).toBe('done'));

/** One WeChat user who added both xiaomei and dawei, with a profile here. */
async function customerOfBoth(name: string) {
  const { externalUserId } = await tb.fake.addFriend('xiaomei', { name });
  await tb.fake.addFriend('dawei', { name, external_userid: externalUserId });
  for (const userid of ['xiaomei', 'dawei'])
    await callbackDone({ 'data.ExternalUserID': externalUserId, 'data.UserID': userid, changeType: 'add_external_contact' });
  const customerId = (await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId }))!;
  return { externalUserId, customerId };
}

// What WeCom shows, read through its own API.
const client = () => tb.app.rt.services.wecom.client;
const corpTagsNamed = async (name: string) =>
  (await client().getCorpTagList()).flatMap((g) =>
    g.tag.filter((t) => t.name === name && !t.deleted).map((t) => ({ group: g.group_name, groupId: g.group_id, id: t.id })),
  );
const contactTags = async (externalUserId: string) =>
  Object.fromEntries(
    (await client().getExternalContact(externalUserId)).follow_user.map((f) => [
      f.userid,
      (f.tags ?? []).map((t) => `${t.group_name}/${t.tag_name}/${t.tag_id}`),
    ]),
  );
const addCorpTagCalls = (name: string) =>
  tb.fake.callsTo('externalcontact/add_corp_tag').filter((c) => (c.body as AddCorpTagBody).tag?.some((t) => t.name === name)).length;

const ourTags = async () =>
  (await tb.app.request('GET', '/api/v1/tags', { token: admin.token })).body.items as Array<{
    id: string;
    groupName: string;
    name: string;
    wecomTagId?: string;
    wecomGroupId?: string;
  }>;
const profileTags = async (customerId: string) =>
  (await tb.app.request('GET', `/api/v1/customers/${customerId}`, { token: admin.token })).body.tags as string[];

/** A tag of ours on the customer, mirrored to WeCom and marked on both staff members' contact. */
async function taggedInWecom(customerId: string, externalUserId: string, groupName: string, name: string) {
  const tag = (await tb.app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName, name } })).body;
  expect((await tb.app.request('POST', `/api/v1/customers/${customerId}/tags`, { token: admin.token, body: { add: [tag.id] } })).status).toBe(200);
  const [old] = await eventually(async () => {
    const found = await corpTagsNamed(name);
    expect(found).toHaveLength(1);
    expect(await contactTags(externalUserId)).toEqual({ xiaomei: [`${groupName}/${name}/${found[0].id}`], dawei: [`${groupName}/${name}/${found[0].id}`] });
    return found;
  });
  return { tag, old };
}

const moveOp = (tagId: string) => WecomTagOpModel.findOne({ kind: 'tag', tagId }).sort({ _id: -1 }).lean();

test("a tag moved to another group shows in that group in WeCom, on both staff members' contact, and the old corp tag is gone", async () => {
  const c = await customerOfBoth('露营客户');
  const { tag, old } = await taggedInWecom(c.customerId, c.externalUserId, '兴趣爱好', '露营');

  expect((await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: admin.token, body: { groupName: '户外' } })).status).toBe(200);
  const op = await eventually(async () => {
    const row = await moveOp(tag.id);
    expect(row?.status).toBe('done');
    return row!;
  });

  const [moved, ...more] = await corpTagsNamed('露营');
  expect(more).toEqual([]);
  expect(moved).toMatchObject({ group: '户外' });
  expect(moved.id).not.toBe(old.id);
  expect(await client().getCorpTagList({ tag_id: [old.id] })).toEqual([]);
  expect(await contactTags(c.externalUserId)).toEqual({ xiaomei: [`户外/露营/${moved.id}`], dawei: [`户外/露营/${moved.id}`] });
  expect((await ourTags()).find((t) => t.id === tag.id)).toMatchObject({ groupName: '户外', name: '露营', wecomTagId: moved.id, wecomGroupId: moved.groupId });
  expect(await profileTags(c.customerId)).toContain(tag.id);

  // Pushing again, the same op or a new one for the tag, changes nothing in WeCom.
  const before = await client().getCorpTagList();
  const adds = addCorpTagCalls('露营');
  await tb.app.rt.services.wecom.tagSync.pushOp(String(op._id));
  await tb.app.rt.services.wecom.tagSync.onTagChanged({ tenantId: tb.tenantId, tagId: tag.id, change: 'updated', source: 'api' });
  await eventually(async () => expect(await WecomTagOpModel.countDocuments({ kind: 'tag', tagId: tag.id, status: { $ne: 'done' } })).toBe(0));
  await tb.app.rt.services.wecom.tagSync.retryPending(0);
  expect(await client().getCorpTagList()).toEqual(before);
  expect(addCorpTagCalls('露营')).toBe(adds);
  expect(await contactTags(c.externalUserId)).toEqual({ xiaomei: [`户外/露营/${moved.id}`], dawei: [`户外/露营/${moved.id}`] });
});

test('a rename and move that failed after creating the new corp tag finishes on retry with one corp tag, and WeCom callbacks meanwhile neither duplicate nor drop it', async () => {
  const c = await customerOfBoth('果粉客户');
  const { tag, old } = await taggedInWecom(c.customerId, c.externalUserId, '品牌', '果粉');

  tb.fake.corp.faults.push({ path: 'externalcontact/mark_tag', times: 1, errcode: -1 });
  expect((await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: admin.token, body: { groupName: '数码', name: '苹果粉' } })).status).toBe(200);
  const failed = await eventually(async () => {
    const row = await moveOp(tag.id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    return row!;
  });
  const [created] = await corpTagsNamed('苹果粉');
  expect(created).toMatchObject({ group: '数码', id: failed.move?.to });
  expect(await corpTagsNamed('果粉')).toEqual([old]);

  // WeCom reports the new corp tag, and a staff member edits the contact (still carrying the old one).
  await tb.fake.sendEvent({ Event: 'change_external_tag', ChangeType: 'create', Id: created.id, TagType: 'tag' });
  await callbackDone({ 'data.Id': created.id, changeType: 'create' });
  await tb.fake.editContact('xiaomei', c.externalUserId, { remark: '搬家中' });
  await callbackDone({ 'data.ExternalUserID': c.externalUserId, changeType: 'edit_external_contact' });
  const mine = (await ourTags()).filter((t) => ['果粉', '苹果粉'].includes(t.name));
  expect(mine).toEqual([expect.objectContaining({ id: tag.id, groupName: '数码', name: '苹果粉' })]);
  expect(await profileTags(c.customerId)).toContain(tag.id);

  await tb.app.rt.services.wecom.tagSync.retryPending(0);
  expect((await moveOp(tag.id))?.status).toBe('done');
  expect(await corpTagsNamed('苹果粉')).toEqual([created]);
  expect(await corpTagsNamed('果粉')).toEqual([]);
  expect(addCorpTagCalls('苹果粉')).toBe(1);
  expect(await contactTags(c.externalUserId)).toEqual({ xiaomei: [`数码/苹果粉/${created.id}`], dawei: [`数码/苹果粉/${created.id}`] });

  // WeCom's delete event for the old corp tag leaves ours as it is.
  await tb.fake.sendEvent({ Event: 'change_external_tag', ChangeType: 'delete', Id: old.id, TagType: 'tag' });
  await callbackDone({ 'data.Id': old.id, changeType: 'delete' });
  expect((await ourTags()).filter((t) => ['果粉', '苹果粉'].includes(t.name))).toEqual([
    expect.objectContaining({ id: tag.id, groupName: '数码', name: '苹果粉', wecomTagId: created.id, wecomGroupId: created.groupId }),
  ]);
  expect(await profileTags(c.customerId)).toContain(tag.id);
});

test('moving a tag WeCom does not know yet calls nothing in WeCom; its first use creates it in the new group', async () => {
  const tag = (await tb.app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '未同步', name: '新品' } })).body;
  const calls = tb.fake.corp.calls.length;
  expect((await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: admin.token, body: { groupName: '上新' } })).status).toBe(200);
  await eventually(async () => expect((await moveOp(tag.id))?.status).toBe('done'));
  expect(tb.fake.corp.calls.slice(calls).filter((x) => x.path.includes('corp_tag'))).toEqual([]);
  expect((await ourTags()).find((t) => t.id === tag.id)?.wecomTagId).toBeUndefined();

  const c = await customerOfBoth('新品客户');
  await tb.app.request('POST', `/api/v1/customers/${c.customerId}/tags`, { token: admin.token, body: { add: [tag.id] } });
  await eventually(async () => expect((await corpTagsNamed('新品')).map((t) => t.group)).toEqual(['上新']));
});
