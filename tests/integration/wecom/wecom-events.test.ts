import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';

let tb: WecomTestbed;
let admin: { id: string; token: string };
let sales: { id: string; token: string };
beforeAll(async () => {
  tb = await startWecomTestbed();
  admin = await tb.staff('boss', 'admin', '老板');
  sales = await tb.staff('xiaomei', 'sales', '小美');
});
afterAll(() => tb.stop());

const customerOf = (externalUserId: string) =>
  eventually(async () => {
    const id = await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId });
    if (!id) throw new Error('no profile yet');
    return id;
  });
const profile = async (id: string) => (await tb.app.request('GET', `/api/v1/customers/${id}`, { token: admin.token })).body;
const callbackDone = (externalUserId: string, changeType: string) =>
  eventually(async () => {
    const cb = await WecomCallbackModel.findOne({ 'data.ExternalUserID': externalUserId, changeType }).lean();
    expect(cb?.status).toBe('done');
    return cb!;
  });

test('scanning a channel QR code applies its tags (here and in WeCom) and sends its welcome message once, in time', async () => {
  const tag = await tb.app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '渠道', name: '双11海报' } });
  const way = await tb.app.request('POST', '/api/v1/wecom/contact-ways', {
    token: admin.token,
    body: {
      name: '双11海报码',
      staffIds: [sales.id],
      tagIds: [tag.body.id],
      welcome: { text: '你好，欢迎关注！', link: { title: '新人礼', url: 'https://shop.example.com/gift' } },
    },
  });
  expect(way.status).toBe(201);
  expect(way.body.state.length).toBeLessThanOrEqual(30);
  expect(way.body.qrCode).toMatch(/^http/);

  const scan = await tb.fake.scan(way.body.configId, { name: '小红', unionid: 'u-xh' });
  expect(scan.userid).toBe('xiaomei');
  const cb = await callbackDone(scan.externalUserId, 'add_external_contact');
  expect(cb.welcome?.status).toBe('sent');

  const sent = tb.fake.corp.welcomesSent.filter((w) => w.external_userid === scan.externalUserId);
  expect(sent).toHaveLength(1);
  expect(sent[0].text?.content).toBe('你好，欢迎关注！');
  expect(sent[0].attachments?.[0]).toMatchObject({ msgtype: 'link', link: { title: '新人礼', url: 'https://shop.example.com/gift' } });

  const id = await customerOf(scan.externalUserId);
  const p = await profile(id);
  expect(p.tags).toContain(tag.body.id);
  expect(p.ownerStaffId).toBe(sales.id);
  expect(p.sourceChannel).toBe(`wecom:${way.body.state}`);
  // WeCom has the corp tag on the relation too (mark_tag), created on demand.
  const follow = tb.fake.corp.contacts.get(scan.externalUserId)!.follows.get('xiaomei')!;
  const corpTag = tb.fake.corp.tagById(follow.tagIds[0]);
  expect(corpTag?.tag.name).toBe('双11海报');
  expect(corpTag?.group.group_name).toBe('渠道');

  // Processing the same callback again (a worker retry) sends no second welcome message.
  await WecomCallbackModel.updateOne({ _id: cb._id }, { $set: { status: 'pending' } });
  await tb.app.rt.services.wecom.callbacks.process(String(cb._id));
  expect(tb.fake.corp.welcomesSent.filter((w) => w.external_userid === scan.externalUserId)).toHaveLength(1);

  const stats = await tb.app.request('GET', `/api/v1/wecom/contact-ways/${way.body.id}`, { token: admin.token });
  expect(stats.body.stats.adds).toBe(1);
});

test('a welcome code older than 20 seconds is not used', async () => {
  const way = await tb.app.request('POST', '/api/v1/wecom/contact-ways', {
    token: admin.token,
    body: { name: '迟到码', staffIds: [sales.id], welcome: { text: 'hi' } },
  });
  tb.fake.corp.addStaff('xiaomei');
  const contact = tb.fake.corp.upsertContact({ name: '迟到的人' });
  tb.fake.corp.follow('xiaomei', contact.external_userid, { state: way.body.state });
  const code = tb.fake.corp.issueWelcomeCode('xiaomei', contact.external_userid);
  await tb.app.rt.services.wecom.contacts.onAdd(tb.tenantId, {
    userid: 'xiaomei',
    externalUserId: contact.external_userid,
    state: way.body.state,
    welcomeCode: code,
    receivedAt: new Date(Date.now() - 25_000),
  });
  expect(tb.fake.corp.welcomesSent.filter((w) => w.welcome_code === code)).toHaveLength(0);
  expect(await customerOf(contact.external_userid)).toBeTruthy();
});

test('a welcome code WeCom no longer accepts (41050) marks the welcome late, with the reason', async () => {
  const way = await tb.app.request('POST', '/api/v1/wecom/contact-ways', {
    token: admin.token,
    body: { name: '失效码', staffIds: [sales.id], welcome: { text: 'hi' } },
  });
  tb.fake.corp.welcomeWindowSeconds = -1; // every code has expired by the time we use it
  try {
    const { externalUserId } = await tb.fake.addFriend('xiaomei', { name: '码失效的人' }, way.body.state);
    const cb = await eventually(async () => {
      const row = await WecomCallbackModel.findOne({ 'data.ExternalUserID': externalUserId, changeType: 'add_external_contact' }).lean();
      expect(row?.welcome?.status).toBe('late');
      return row!;
    });
    expect(cb.welcome!.detail).toMatch(/41050/);
    expect(tb.fake.corp.welcomesSent.filter((w) => w.external_userid === externalUserId)).toHaveLength(0);
  } finally {
    tb.fake.corp.welcomeWindowSeconds = 20;
  }
});

test('a corp tag added in the WeCom admin appears in our tags, and a contact tagged in WeCom gets it on the profile', async () => {
  const { tagId } = await tb.fake.adminCreatesTag('客户等级', 'VIP');
  const ours = await eventually(async () => {
    const list = (await tb.app.request('GET', '/api/v1/tags', { token: admin.token })).body.items;
    const t = list.find((x: any) => x.wecomTagId === tagId);
    expect(t).toMatchObject({ groupName: '客户等级', name: 'VIP' });
    return t;
  });
  const { externalUserId } = await tb.fake.addFriend('xiaomei', { name: '老客户' });
  const id = await customerOf(externalUserId);
  await callbackDone(externalUserId, 'add_external_contact');
  await tb.fake.editContact('xiaomei', externalUserId, { tagIds: [tagId] });
  await callbackDone(externalUserId, 'edit_external_contact');
  expect((await profile(id)).tags).toContain(ours.id);

  // Renamed and then deleted in WeCom: our tag follows.
  await tb.fake.adminRenamesTag(tagId, 'SVIP');
  await eventually(async () => {
    const list = (await tb.app.request('GET', '/api/v1/tags', { token: admin.token })).body.items;
    expect(list.find((x: any) => x.wecomTagId === tagId)?.name).toBe('SVIP');
  });
  await tb.fake.adminDeletesTag(tagId);
  await eventually(async () => {
    const list = (await tb.app.request('GET', '/api/v1/tags', { token: admin.token })).body.items;
    expect(list.find((x: any) => x.wecomTagId === tagId)).toBeUndefined();
  });

  // Untagged in WeCom: the profile loses it too (the mirrored tag only).
  const { tagId: t2 } = await tb.fake.adminCreatesTag('客户等级', '潜客');
  await eventually(async () => expect((await tb.app.rt.services.tags.byWecomIds(tb.tenantId, [t2])).length).toBe(1));
  await tb.fake.editContact('xiaomei', externalUserId, { tagIds: [t2] });
  await eventually(async () => expect((await profile(id)).tags).toContain((await tb.app.rt.services.tags.byWecomIds(tb.tenantId, [t2]))[0].id));
  await tb.fake.editContact('xiaomei', externalUserId, { tagIds: [] });
  await eventually(async () => expect((await profile(id)).tags).not.toContain((await tb.app.rt.services.tags.byWecomIds(tb.tenantId, [t2]))[0].id));
});

test('a customer deleting the staff member marks the relation lost and raises one follow-up for the owner', async () => {
  const { externalUserId } = await tb.fake.addFriend('xiaomei', { name: '流失客户' });
  const id = await customerOf(externalUserId);
  await callbackDone(externalUserId, 'add_external_contact');
  const d = await tb.fake.customerDeletesStaff('xiaomei', externalUserId);
  await callbackDone(externalUserId, 'del_follow_user');
  await tb.fake.redeliver(d);
  const p = await profile(id);
  expect(p.wecom.relation).toBe('lost');
  const tasks = (await tb.app.request('GET', '/api/v1/follow-ups', { token: sales.token })).body.items;
  const mine = tasks.filter((t: any) => String(t.customerId) === id);
  expect(mine).toHaveLength(1);
  expect(mine[0].title).toMatch(/流失客户 removed 小美 on WeCom/);
});

test('the staff member deleting the customer also marks the relation lost, but not while another staff member still has them', async () => {
  await tb.staff('laowang', 'sales', '老王');
  const { externalUserId } = await tb.fake.addFriend('xiaomei', { name: '两人客户' });
  await callbackDone(externalUserId, 'add_external_contact');
  tb.fake.corp.follow('laowang', externalUserId);
  await tb.fake.editContact('laowang', externalUserId, {});
  await callbackDone(externalUserId, 'edit_external_contact');
  const id = await customerOf(externalUserId);

  await tb.fake.staffDeletesCustomer('xiaomei', externalUserId);
  await callbackDone(externalUserId, 'del_external_contact');
  expect((await profile(id)).wecom.relation).toBe('active');

  await tb.fake.staffDeletesCustomer('laowang', externalUserId);
  await eventually(async () => expect((await profile(id)).wecom.relation).toBe('lost'));
});

test('customer groups are created, gain and lose members, and are dismissed as WeCom reports', async () => {
  const a = await tb.fake.addFriend('xiaomei', { name: '群友甲' });
  const { chatId } = await tb.fake.createGroup('xiaomei', '会员福利群', [a.externalUserId]);
  const group = () => tb.app.request('GET', '/api/v1/wecom/groups', { token: admin.token }).then((r) => r.body.items.find((g: any) => g.chatId === chatId));
  await eventually(async () => expect((await group())?.memberCount).toBe(2));
  const g = await group();
  expect(g).toMatchObject({ name: '会员福利群', ownerStaffId: sales.id, status: 'active' });
  const memberA = g.members.find((m: any) => m.userid === a.externalUserId);
  expect(memberA.customerId).toBe(await customerOf(a.externalUserId));

  const b = tb.fake.corp.upsertContact({ name: '群友乙' });
  await tb.fake.joinGroup(chatId, b.external_userid);
  await eventually(async () => expect((await group())?.memberCount).toBe(3));
  await tb.fake.leaveGroup(chatId, a.externalUserId);
  await eventually(async () => expect((await group())?.members.map((m: any) => m.userid)).toEqual(['xiaomei', b.external_userid]));
  await tb.fake.dismissGroup(chatId);
  await eventually(async () => expect((await group())?.status).toBe('dismissed'));
  // A sales member sees the groups they own.
  const mine = await tb.app.request('GET', '/api/v1/wecom/groups', { token: sales.token });
  expect(mine.body.items.map((x: any) => x.chatId)).toContain(chatId);
});

test('a phone number the sales rep notes on the contact in WeCom links the contact to the shop member with that phone', async () => {
  const customers = tb.app.rt.services.customers;
  const member = await customers.identify(tb.tenantId, { shopMemberId: 'shop-1001', phone: '13800138000' }, { name: '商城会员' }, 'shop');
  const { externalUserId } = await tb.fake.addFriend('xiaomei', { name: '微信好友' });
  await callbackDone(externalUserId, 'add_external_contact');
  expect(await customers.findByIdentity(tb.tenantId, { externalUserId })).not.toBe(member);

  // A note that is not a phone number changes nothing and does not fail the event.
  await tb.fake.editContact('xiaomei', externalUserId, { remark_mobiles: ['见面再说'] });
  await callbackDone(externalUserId, 'edit_external_contact');
  expect(await customers.findByIdentity(tb.tenantId, { externalUserId })).not.toBe(member);

  await tb.fake.editContact('xiaomei', externalUserId, { remark_mobiles: ['+86 138-0013-8000'] });
  await eventually(async () => {
    const viaWecom = await customers.findByIdentity(tb.tenantId, { externalUserId });
    expect(viaWecom).toBe(await customers.findByIdentity(tb.tenantId, { shopMemberId: 'shop-1001' }));
  });
  // The merged profile takes over the WeCom relation and owner in the same event, just after the link.
  await eventually(async () => {
    const p = await profile((await customers.findByIdentity(tb.tenantId, { externalUserId }))!);
    expect(p).toMatchObject({ ownerStaffId: sales.id, wecom: { relation: 'active' } });
  });
});
