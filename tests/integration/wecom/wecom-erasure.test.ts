import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';

/**
 * Erasure reaches into WeCom (PIPL art. 47): our corp tags come off the person's external contact and
 * every staff member's remark, description and remark mobiles on it are cleared, through the local
 * WeCom (which answers as WeCom's documented mark_tag and remark do). When WeCom cannot be reached,
 * the erasure says so, the admin's list shows it, and the retry job finishes it.
 */
let tb: WecomTestbed;
let admin: { id: string; token: string };
beforeAll(async () => {
  tb = await startWecomTestbed();
  admin = await tb.staff('boss', 'admin', '老板');
  await tb.staff('xiaomei', 'sales', '小美');
  await tb.staff('dawei', 'sales', '大伟');
}, 60_000);
afterAll(() => tb.stop());

const customerOf = (externalUserId: string) =>
  eventually(async () => {
    const id = await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId });
    if (!id) throw new Error('no profile yet');
    return id;
  });
const callbacksDone = (externalUserId: string) =>
  eventually(async () => {
    const open = await WecomCallbackModel.countDocuments({ 'data.ExternalUserID': externalUserId, status: { $ne: 'done' } });
    expect(open).toBe(0);
  });

/** A WeChat user who added two staff members, each of whom tagged and remarked them in WeCom. */
async function taggedContact(name: string, phone: string) {
  const { tagId: vip } = await tb.fake.adminCreatesTag('客户等级', `VIP-${name}`);
  await eventually(async () => expect(await tb.app.rt.services.tags.byWecomIds(tb.tenantId, [vip])).toHaveLength(1));
  const { externalUserId } = await tb.fake.addFriend('xiaomei', { name });
  const id = await customerOf(externalUserId);
  await callbacksDone(externalUserId);
  tb.fake.corp.follow('dawei', externalUserId, { add_way: 3 });
  await tb.fake.sendEvent({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'dawei', ExternalUserID: externalUserId });
  await callbacksDone(externalUserId);
  for (const userid of ['xiaomei', 'dawei'])
    await tb.fake.editContact(userid, externalUserId, { tagIds: [vip], remark: `${name}-老客`, description: `住杭州，电话 ${phone}`, remark_mobiles: [phone] });
  await callbacksDone(externalUserId);
  await eventually(async () => expect((await tb.app.rt.services.customers.get(tb.tenantId, id)).tags?.length).toBeGreaterThan(0));
  return { id, externalUserId, vip };
}

const followsOf = (externalUserId: string) => [...(tb.fake.corp.contacts.get(externalUserId)?.follows.values() ?? [])];

test('erasing a customer removes our corp tags from their WeCom contact and clears every staff member’s remark there', async () => {
  const p = await taggedContact('甄小姐', '13700008888');
  expect(followsOf(p.externalUserId).map((f) => f.tagIds)).toEqual([[p.vip], [p.vip]]);

  const res = await tb.app.request('POST', `/api/v1/privacy/customers/${p.id}/erasure`, { token: admin.token, body: { reason: 'ticket 7' } });
  expect(res.status).toBe(200);
  expect(res.body.wecom).toMatchObject({ connected: true, done: 2, pending: 0, errors: [] });
  for (const f of followsOf(p.externalUserId)) {
    expect(f.tagIds).toEqual([]);
    expect([f.remark, f.description, f.remark_mobiles]).toEqual(['', '', []]);
  }
  const calls = tb.fake.callsTo('externalcontact/mark_tag').filter((c: any) => c.body.external_userid === p.externalUserId);
  expect(calls.map((c: any) => c.body.remove_tag)).toEqual([[p.vip], [p.vip]]);
});

test('when WeCom cannot be reached the erasure records what is left, the admin sees it, and the retry job finishes it', async () => {
  const p = await taggedContact('贾先生', '13700009999');
  tb.fake.corp.faults.push({ path: 'externalcontact/mark_tag', times: 1000, httpStatus: 503 });
  const res = await tb.app.request('POST', `/api/v1/privacy/customers/${p.id}/erasure`, { token: admin.token, body: { reason: 'ticket 8' } });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'done', wecom: { done: 0, pending: 2 } });
  expect(res.body.wecom.errors.join(' ')).toMatch(/WeCom/);
  expect(followsOf(p.externalUserId).every((f) => f.tagIds.includes(p.vip))).toBe(true);

  const listed = await tb.app.request('GET', '/api/v1/privacy/erasures?pending=wecom', { token: admin.token });
  expect(listed.status).toBe(200);
  expect(listed.body.items.map((e: any) => [e.customerId, e.wecom.pending])).toEqual([[p.id, 2]]);
  expect(JSON.stringify(listed.body)).not.toContain(p.externalUserId); // the admin's view holds no erased value

  tb.fake.corp.faults.length = 0;
  expect(await tb.app.rt.services.privacy.wecomErasure.retryPending()).toMatchObject({ done: 2, left: 0 });
  for (const f of followsOf(p.externalUserId)) expect([f.tagIds, f.remark, f.remark_mobiles]).toEqual([[], '', []]);
  expect((await tb.app.request('GET', '/api/v1/privacy/erasures?pending=wecom', { token: admin.token })).body.items).toEqual([]);
  const row = await tb.app.rt.services.privacy.erasure.status(tb.tenantId, p.id);
  expect(JSON.stringify(row)).not.toContain(p.externalUserId); // once done, the record forgets it
});
