import { createHash } from 'node:crypto';
import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { WecomTagOpModel } from '../../../server/src/wecom/wecom-sync.model.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';

let tb: WecomTestbed;
let admin: { id: string; token: string };
let sales: { id: string; token: string };
let backup: { id: string; token: string };
beforeAll(async () => {
  tb = await startWecomTestbed();
  admin = await tb.staff('boss', 'admin', '老板');
  sales = await tb.staff('xiaomei', 'sales', '小美');
  backup = await tb.staff('dawei', 'sales', '大伟');
});
afterAll(() => tb.stop());

const customerOf = (externalUserId: string) =>
  eventually(async () => {
    const id = await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId });
    if (!id) throw new Error('no profile yet');
    return id;
  });
const added = async (userid: string, name: string) => {
  const r = await tb.fake.addFriend(userid, { name });
  await eventually(async () => expect((await WecomCallbackModel.findOne({ 'data.ExternalUserID': r.externalUserId }).lean())?.status).toBe('done'));
  return { ...r, customerId: await customerOf(r.externalUserId) };
};
const wecomTagNames = (externalUserId: string, userid: string) =>
  tb.fake.corp.contacts
    .get(externalUserId)!
    .follows.get(userid)!
    .tagIds.map((t) => tb.fake.corp.tagById(t)?.tag.name);

test('tagging a customer in the SCRM tags them in WeCom too (mark_tag), and untagging removes it', async () => {
  const c = await added('xiaomei', '标签客户');
  const tag = (await tb.app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '兴趣', name: '护肤' } })).body;
  const res = await tb.app.request('POST', `/api/v1/customers/${c.customerId}/tags`, { token: sales.token, body: { add: [tag.id] } });
  expect(res.status).toBe(200);
  await eventually(() => expect(wecomTagNames(c.externalUserId, 'xiaomei')).toEqual(['护肤']));
  await tb.app.request('POST', `/api/v1/customers/${c.customerId}/tags`, { token: sales.token, body: { remove: [tag.id] } });
  await eventually(() => expect(wecomTagNames(c.externalUserId, 'xiaomei')).toEqual([]));
});

test('a WeCom outage does not fail the staff request; the tag reaches WeCom once it is back', async () => {
  const c = await added('xiaomei', '停机客户');
  const tag = (await tb.app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '兴趣', name: '彩妆' } })).body;
  tb.fake.corp.faults.push({ path: 'externalcontact/add_corp_tag', times: 1000, httpStatus: 503 });
  const res = await tb.app.request('POST', `/api/v1/customers/${c.customerId}/tags`, { token: sales.token, body: { add: [tag.id] } });
  expect(res.status).toBe(200);
  expect(res.body.tags).toContain(tag.id);
  const op = await eventually(async () => {
    const row = await WecomTagOpModel.findOne({ customerId: c.customerId, addTagIds: tag.id }).lean();
    expect(row?.attempts).toBeGreaterThanOrEqual(1);
    return row!;
  });
  expect(op.status).toBe('pending');
  expect(wecomTagNames(c.externalUserId, 'xiaomei')).toEqual([]);
  tb.fake.corp.faults.length = 0; // WeCom is back
  await tb.app.rt.services.wecom.tagSync.retryPending(0);
  expect(wecomTagNames(c.externalUserId, 'xiaomei')).toEqual(['彩妆']);
  expect((await WecomTagOpModel.findById(op._id).lean())?.status).toBe('done');
});

test('channel QR codes are for admins and community managers; sales get 403', async () => {
  const res = await tb.app.request('POST', '/api/v1/wecom/contact-ways', { token: sales.token, body: { name: 'x', staffIds: [sales.id] } });
  expect(res.status).toBe(403);
  expect((await tb.app.request('GET', '/api/v1/wecom/contact-ways', { token: sales.token })).status).toBe(403);
  expect((await tb.app.request('GET', '/api/v1/wecom/contact-ways')).status).toBe(401);
});

test('a code for more than 100 staff members (WeCom takes at most 100) is refused with 400 before WeCom is called', async () => {
  const before = tb.fake.callsTo('externalcontact/add_contact_way').length;
  const staffIds = Array.from({ length: 101 }, (_, i) => `64b000000000000000000${String(i).padStart(3, '0')}`);
  const res = await tb.app.request('POST', '/api/v1/wecom/contact-ways', { token: admin.token, body: { name: '大码', staffIds } });
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.body.error)).toMatch(/at most 100 staff/);
  expect(tb.fake.callsTo('externalcontact/add_contact_way')).toHaveLength(before);
});

test('a code for staff without a WeCom userid is refused with 400 and nothing is created', async () => {
  const created = await tb.app.rt.services.staff.create(tb.tenantId, { username: 'nowecom', name: '无企微', role: 'sales', password: 'harbor-kettle-2026' });
  const before = tb.fake.corp.contactWays.size;
  const res = await tb.app.request('POST', '/api/v1/wecom/contact-ways', { token: admin.token, body: { name: 'x', staffIds: [created.id] } });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/no WeCom userid/);
  expect(tb.fake.corp.contactWays.size).toBe(before);
});

test('past its daily cap a code hands new customers to the backup staff', async () => {
  const way = (
    await tb.app.request('POST', '/api/v1/wecom/contact-ways', {
      token: admin.token,
      body: { name: '限量码', staffIds: [sales.id], backupStaffIds: [backup.id], dailyCap: 2 },
    })
  ).body;
  expect(tb.fake.corp.contactWays.get(way.configId)?.user).toEqual(['xiaomei']);
  for (const name of ['甲', '乙']) {
    const s = await tb.fake.scan(way.configId, { name });
    await customerOf(s.externalUserId);
  }
  await eventually(() => expect(tb.fake.corp.contactWays.get(way.configId)?.user).toEqual(['dawei']));
  const third = await tb.fake.scan(way.configId, { name: '丙' });
  expect(third.userid).toBe('dawei');
  await eventually(async () => {
    const l = (await tb.app.request('GET', '/api/v1/wecom/contact-ways', { token: admin.token })).body.items;
    expect(l.find((x: any) => x.id === way.id)).toMatchObject({ serving: 'backup', stats: { adds: 3, addsToday: 3 } });
  });
  // Deleting the code deletes it in WeCom.
  expect((await tb.app.request('DELETE', `/api/v1/wecom/contact-ways/${way.id}`, { token: admin.token })).status).toBe(200);
  expect(tb.fake.corp.contactWays.has(way.configId)).toBe(false);
});

test('the sidebar signs a staff member in through WeCom OAuth and gives valid JS-SDK signatures', async () => {
  const code = tb.fake.oauthCode('xiaomei');
  const session = await tb.app.request('POST', '/api/v1/wecom/sidebar/session', { body: { code } });
  expect(session.status).toBe(200);
  expect(session.body.staff).toMatchObject({ id: sales.id, wecomUserId: 'xiaomei' });
  const again = await tb.app.request('POST', '/api/v1/wecom/sidebar/session', { body: { code } });
  expect(again.status).toBe(401);
  const stranger = await tb.app.request('POST', '/api/v1/wecom/sidebar/session', { body: { code: tb.fake.oauthCode('boss-without-account') } });
  expect(stranger.status).toBe(403);

  const url = 'https://scrm.example.com/sidebar?x=1#top';
  const sig = await tb.app.request('GET', `/api/v1/wecom/sidebar/signatures?url=${encodeURIComponent(url)}`, { token: session.body.token });
  expect(sig.status).toBe(200);
  const w = tb.app.rt.services.wecom.client;
  const sha1 = (t: string) =>
    createHash('sha1')
      .update(`jsapi_ticket=${t}&noncestr=${sig.body.nonceStr}&timestamp=${sig.body.timestamp}&url=https://scrm.example.com/sidebar?x=1`)
      .digest('hex');
  expect(sig.body.signature).toBe(sha1(await w.jsapiTicketValue()));
  expect(sig.body.agentConfig.signature).toBe(sha1(await w.agentTicketValue()));
  expect(sig.body).toMatchObject({ corpId: tb.fake.options.corpId, agentId: tb.fake.options.agentId });
  expect((await tb.app.request('GET', `/api/v1/wecom/sidebar/signatures?url=${encodeURIComponent(url)}`)).status).toBe(401);
});

test('group messages: the client creates a template, the fake records it, and send results follow the staff confirming', async () => {
  const a = await added('xiaomei', '群发甲');
  const client = tb.app.rt.services.wecom.client;
  const r = await client.addMsgTemplate({
    chat_type: 'single',
    sender: 'xiaomei',
    external_userid: [a.externalUserId, 'wm-not-a-friend'],
    text: { content: '双11上新' },
  });
  expect(r.msgid).toBeTruthy();
  expect(r.fail_list).toEqual(['wm-not-a-friend']);
  const sent = tb.fake.corp.msgTemplates.get(r.msgid)!;
  expect(sent.input.text?.content).toBe('双11上新');
  expect((await client.getGroupmsgSendResult({ msgid: r.msgid, userid: 'xiaomei' })).send_list).toEqual([
    { external_userid: a.externalUserId, userid: 'xiaomei', status: 0 },
  ]);
  tb.fake.corp.confirmGroupMsg(r.msgid);
  const after = await client.getGroupmsgSendResult({ msgid: r.msgid, userid: 'xiaomei' });
  expect(after.send_list[0]).toMatchObject({ status: 1 });
  expect((await client.getGroupmsgTask({ msgid: r.msgid })).task_list[0]).toMatchObject({ userid: 'xiaomei', status: 2 });
  const now = Math.floor(Date.now() / 1000);
  const list = await client.getGroupmsgListV2({ chat_type: 'single', start_time: now - 3600, end_time: now + 60 });
  expect(list.group_msg_list.map((m) => m.msgid)).toContain(r.msgid);
  // Over HTTP, for other processes: the fake's inspection route shows the same record.
  const inspect = (await (await fetch(`${tb.fake.url}/__fake/sent/msg-templates`)).json()) as any[];
  expect(inspect.find((t: any) => t.msgid === r.msgid).results[0].status).toBe(1);
});

test('after two profiles merge, tagging the surviving profile still reaches the WeCom relation of the merged one', async () => {
  const older = await tb.app.rt.services.customers.identify(tb.tenantId, { phone: '13900000077' }, { name: '老档案' }, 'test');
  const c = await added('xiaomei', '新档案');
  expect(c.customerId).not.toBe(older);
  const { chatId } = await tb.fake.createGroup('xiaomei', '合并测试群', [c.externalUserId]);
  await eventually(async () => expect((await tb.app.rt.services.customerGroups.groups.get(tb.tenantId, chatId))?.memberCount).toBe(2));
  // An order arrives naming both identities: the two profiles are one person, the older one survives.
  const survivor = await tb.app.rt.services.customers.identify(tb.tenantId, { externalUserId: c.externalUserId, phone: '13900000077' });
  expect(survivor).toBe(older);
  const tag = (await tb.app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '兴趣', name: '香水' } })).body;
  expect((await tb.app.request('POST', `/api/v1/customers/${older}/tags`, { token: admin.token, body: { add: [tag.id] } })).status).toBe(200);
  await eventually(() => expect(wecomTagNames(c.externalUserId, 'xiaomei')).toEqual(['香水']));
  const group = await tb.app.rt.services.customerGroups.groups.get(tb.tenantId, chatId);
  expect(group?.members.find((m) => m.userid === c.externalUserId)?.customerId).toBe(older);
});

test('tags made, renamed and deleted in the SCRM become, rename and delete WeCom corp tags', async () => {
  const tag = (await tb.app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '活动', name: '618' } })).body;
  const sync = await tb.app.request('POST', '/api/v1/wecom/tags/sync', { token: admin.token });
  expect(sync.status).toBe(200);
  const wecomId = (await tb.app.rt.services.tags.byIds(tb.tenantId, [tag.id]))[0].wecomTagId!;
  expect(tb.fake.corp.tagById(wecomId)?.tag.name).toBe('618');

  expect((await tb.app.request('PATCH', `/api/v1/tags/${tag.id}`, { token: admin.token, body: { name: '618大促' } })).status).toBe(200);
  await eventually(() => expect(tb.fake.corp.tagById(wecomId)?.tag.name).toBe('618大促'));
  // A later pull from WeCom keeps our name (it is WeCom's name now too).
  await tb.app.request('POST', '/api/v1/wecom/tags/sync', { token: admin.token });
  expect((await tb.app.rt.services.tags.byIds(tb.tenantId, [tag.id]))[0].name).toBe('618大促');

  expect((await tb.app.request('DELETE', `/api/v1/tags/${tag.id}`, { token: admin.token })).status).toBe(200);
  await eventually(() => expect(tb.fake.corp.tagById(wecomId)).toBeUndefined());
});

test("changing a code's staff and welcome message takes effect on the next scan", async () => {
  const way = (
    await tb.app.request('POST', '/api/v1/wecom/contact-ways', {
      token: admin.token,
      body: { name: '可改码', staffIds: [sales.id], welcome: { text: '旧欢迎语' } },
    })
  ).body;
  const patched = await tb.app.request('PATCH', `/api/v1/wecom/contact-ways/${way.id}`, {
    token: admin.token,
    body: { staffIds: [backup.id], welcome: { text: '新欢迎语' } },
  });
  expect(patched.status).toBe(200);
  expect(tb.fake.corp.contactWays.get(way.configId)?.user).toEqual(['dawei']);
  const s = await tb.fake.scan(way.configId, { name: '改后客户' });
  expect(s.userid).toBe('dawei');
  await eventually(() => expect(tb.fake.corp.welcomesSent.find((w) => w.external_userid === s.externalUserId)?.text?.content).toBe('新欢迎语'));
  const bad = await tb.app.request('PATCH', `/api/v1/wecom/contact-ways/${way.id}`, { token: admin.token, body: { state: 'x' } });
  expect(bad.status).toBe(400);
});

test("a code's QR image downloads as an image file, fetched from where WeCom hosts it, as its OpenAPI entry says", async () => {
  const way = (await tb.app.request('POST', '/api/v1/wecom/contact-ways', { token: admin.token, body: { name: '门店码', staffIds: [sales.id] } })).body;
  const res = await fetch(`${tb.app.url}/api/v1/wecom/contact-ways/${way.id}/qr.png`, { headers: { authorization: `Bearer ${admin.token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^image\//);
  expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  const doc = (await tb.app.request('GET', '/api/openapi.json')).body;
  expect(Object.keys(doc.paths['/api/v1/wecom/contact-ways/{id}/qr.png'].get.responses['200'].content)).toEqual(['image/*']);
});
