import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';

/**
 * 在职继承 / 离职继承 against the local WeCom: an admin hands a member's customers (and groups) to
 * another member; WeCom completes or the customer refuses later; our records and profiles follow.
 */
let tb: WecomTestbed;
type Who = { id: string; token: string };
let admin: Who;
let manager: Who;
let xiaomei: Who;
let dawei: Who;
beforeAll(async () => {
  tb = await startWecomTestbed();
  admin = await tb.staff('boss', 'admin', '老板');
  manager = await tb.staff('yunying', 'community_manager', '运营');
  xiaomei = await tb.staff('xiaomei', 'sales', '小美');
  dawei = await tb.staff('dawei', 'sales', '大伟');
});
afterAll(() => tb.stop());

const callbackDone = (externalUserId: string, changeType: string) =>
  eventually(async () => {
    const cb = await WecomCallbackModel.findOne({ 'data.ExternalUserID': externalUserId, changeType }).lean();
    expect(cb?.status).toBe('done');
  });
async function customerOf(userid: string, name: string) {
  const r = await tb.fake.addFriend(userid, { name });
  await callbackDone(r.externalUserId, 'add_external_contact');
  const id = await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId: r.externalUserId });
  return { externalUserId: r.externalUserId, id: id! };
}
const profile = async (id: string) => (await tb.app.request('GET', `/api/v1/customers/${id}`, { token: admin.token })).body;
const transfer = (body: Record<string, unknown>, token = admin.token) => tb.app.request('POST', '/api/v1/wecom/transfers', { token, body });
const records = async (staffId: string) =>
  (await tb.app.request('GET', `/api/v1/wecom/transfers?staffId=${staffId}`, { token: admin.token })).body.items as any[];
const recordOf = async (staffId: string, customerId: string) => (await records(staffId)).find((r) => r.customerId === customerId);
const tasksOf = (customerId: string) => tb.app.rt.services.followUps.list(tb.tenantId, { customerId, status: 'open' });

test('in service: of 3 customers WeCom hands over 2 and one refuses; owners and open follow-ups move for the 2, the refused one stays', async () => {
  const [a, b, c] = [await customerOf('xiaomei', '甲客户'), await customerOf('xiaomei', '乙客户'), await customerOf('xiaomei', '丙客户')];
  for (const x of [a, b, c]) await tb.app.rt.services.followUps.create(tb.tenantId, { customerId: x.id, assigneeId: xiaomei.id, title: '回访' });
  const summary = (await tb.app.request('GET', `/api/v1/wecom/transfers/members/${xiaomei.id}`, { token: admin.token })).body;
  expect(summary).toMatchObject({ name: '小美', wecomUserId: 'xiaomei', customers: 3 });

  const body = {
    mode: 'in_service',
    handoverStaffId: xiaomei.id,
    takeoverStaffId: dawei.id,
    customerIds: [a.id, b.id, c.id],
    message: '您好，后续由大伟为您服务',
  };
  const first = await transfer(body);
  expect(first.status).toBe(202);
  expect(first.body).toMatchObject({ started: 3, alreadyInProgress: 0 });
  expect(first.body.items.map((r: any) => [r.name, r.status])).toEqual([
    ['甲客户', 'pending'],
    ['乙客户', 'pending'],
    ['丙客户', 'pending'],
  ]);
  const sent = tb.fake.callsTo('externalcontact/transfer_customer');
  expect(sent).toHaveLength(1);
  expect(sent[0].body).toMatchObject({ handover_userid: 'xiaomei', takeover_userid: 'dawei', transfer_success_msg: '您好，后续由大伟为您服务' });
  expect((sent[0].body.external_userid as string[]).sort()).toEqual([a, b, c].map((x) => x.externalUserId).sort());

  // The admin's browser retries (a timeout, a double tap): nothing goes to WeCom again.
  const retried = await transfer(body);
  expect(retried.status).toBe(202);
  expect(retried.body).toMatchObject({ started: 0, alreadyInProgress: 3 });
  expect(tb.fake.callsTo('externalcontact/transfer_customer')).toHaveLength(1);
  expect(tb.fake.corp.transfers.filter((t) => t.handover_userid === 'xiaomei')).toHaveLength(3);

  await tb.fake.completeTransfer(a.externalUserId);
  await tb.fake.completeTransfer(b.externalUserId);
  await tb.fake.refuseTransfer(c.externalUserId);
  await eventually(async () => {
    expect((await recordOf(xiaomei.id, a.id))?.status).toBe('transferred');
    expect((await recordOf(xiaomei.id, b.id))?.status).toBe('transferred');
    expect((await recordOf(xiaomei.id, c.id))?.status).toBe('refused');
  });
  await callbackDone(b.externalUserId, 'del_external_contact');
  expect((await recordOf(xiaomei.id, c.id)).reason).toMatch(/declined/);

  for (const x of [a, b]) {
    const p = await profile(x.id);
    expect(p.ownerStaffId).toBe(dawei.id);
    expect(p.followerStaffIds).toEqual([dawei.id]);
    expect(p.wecom.relation).toBe('active'); // handed over, not lost
    const tasks = await tasksOf(x.id);
    expect(tasks.map((t) => [t.title, t.assigneeId])).toEqual([['回访', dawei.id]]); // no "removed on WeCom" task either
  }
  const refused = await profile(c.id);
  expect(refused.ownerStaffId).toBe(xiaomei.id);
  expect((await tasksOf(c.id)).map((t) => t.assigneeId)).toEqual([xiaomei.id]);
  // The taker now sees the customers in their list; the giver no longer does.
  const mine = (await tb.app.request('GET', '/api/v1/customers/', { token: dawei.token })).body.items.map((x: any) => x.id);
  expect(mine).toEqual(expect.arrayContaining([a.id, b.id]));
  expect((await tb.app.request('GET', `/api/v1/customers/${a.id}`, { token: xiaomei.token })).status).toBe(404);

  // The poll job asks WeCom too, and finds nothing left to do.
  const polled = await tb.app.rt.services.wecomTransfers.transferResults.poll();
  expect(polled.settled).toBe(0);
  expect((await profile(a.id)).ownerStaffId).toBe(dawei.id);
});

test('a customer WeCom refuses (transferred twice in 90 days already) is reported on its own; the others in the call go ahead', async () => {
  const often = await customerOf('xiaomei', '常转客户');
  const fresh = await customerOf('xiaomei', '新客户');
  const day = 86_400;
  const now = Math.floor(Date.now() / 1000);
  tb.fake.corp.transferLog.set(often.externalUserId, [now - 40 * day, now - 10 * day]);
  const res = await transfer({ mode: 'in_service', handoverStaffId: xiaomei.id, takeoverStaffId: dawei.id, customerIds: [often.id, fresh.id] });
  expect(res.status).toBe(202);
  const byName = Object.fromEntries(res.body.items.map((r: any) => [r.name, r]));
  expect(byName['常转客户']).toMatchObject({ status: 'failed', errcode: 40128 });
  expect(byName['常转客户'].reason).toMatch(/twice in 90 days/);
  expect(byName['新客户']).toMatchObject({ status: 'pending' });
  expect((await profile(often.id)).ownerStaffId).toBe(xiaomei.id);
});

test('two identical starts at once ask WeCom once; a start that met a WeCom outage goes through when retried', async () => {
  const twin = await tb.staff('twin', 'sales', '双击');
  const x = await customerOf('twin', '双击客户');
  const body = { mode: 'in_service', handoverStaffId: twin.id, takeoverStaffId: dawei.id };
  const [one, two] = await Promise.all([transfer(body), transfer(body)]);
  expect([one.status, two.status]).toEqual([202, 202]);
  expect(one.body.started + two.body.started).toBe(1);
  expect(tb.fake.callsTo('externalcontact/transfer_customer').filter((c) => c.body.handover_userid === 'twin')).toHaveLength(1);
  expect((await recordOf(twin.id, x.id)).status).toBe('pending');

  const down = await tb.staff('down', 'sales', '断网');
  const y = await customerOf('down', '断网客户');
  tb.fake.corp.faults.push({ path: 'externalcontact/transfer_customer', times: 1, httpStatus: 502 });
  const failed = await transfer({ ...body, handoverStaffId: down.id });
  expect(failed.status).toBe(503);
  expect((await recordOf(down.id, y.id)).status).toBe('queued');
  const retried = await transfer({ ...body, handoverStaffId: down.id });
  expect(retried.status).toBe(202);
  expect(retried.body.items.map((r: any) => r.status)).toEqual(['pending']);
  expect(tb.fake.corp.transfers.filter((t) => t.handover_userid === 'down')).toHaveLength(1);
});

test('resigned: the customers WeCom lists for a member who left go to the taker, including one only the poll can confirm', async () => {
  const laowang = await tb.staff('laowang', 'sales', '老王');
  const p = await customerOf('laowang', '老王客户一');
  const q = await customerOf('laowang', '老王客户二');
  // The taker already has customer q in WeCom: no add callback will come when it is handed over.
  tb.fake.corp.follow('dawei', q.externalUserId);
  tb.fake.resign('laowang');
  await tb.app.request('PATCH', `/api/v1/staff/${laowang.id}`, { token: admin.token, body: { active: false } });

  const list = (await tb.app.request('GET', '/api/v1/wecom/transfers/unassigned', { token: admin.token })).body.items;
  expect(list).toEqual([expect.objectContaining({ handoverUserid: 'laowang', customers: 2, staff: { id: laowang.id, name: '老王' } })]);

  const res = await transfer({ mode: 'resigned', handoverUserid: 'laowang', takeoverStaffId: dawei.id });
  expect(res.status).toBe(202);
  expect(res.body.items.map((r: any) => r.status)).toEqual(['pending', 'pending']);
  expect(tb.fake.callsTo('externalcontact/resigned/transfer_customer')).toHaveLength(1);
  expect((await tb.app.request('GET', '/api/v1/wecom/transfers/unassigned', { token: admin.token })).body.items).toEqual([]);

  await tb.fake.completeTransfer(p.externalUserId);
  await tb.fake.completeTransfer(q.externalUserId);
  await eventually(async () => expect((await recordOf(laowang.id, p.id))?.status).toBe('transferred'));
  expect((await recordOf(laowang.id, q.id)).status).toBe('pending');
  const polled = await tb.app.rt.services.wecomTransfers.transferResults.poll();
  expect(polled.settled).toBe(1);
  expect((await recordOf(laowang.id, q.id)).status).toBe('transferred');
  for (const x of [p, q]) expect((await profile(x.id)).ownerStaffId).toBe(dawei.id);
});

test("a member's customer groups get the new owner; a group WeCom refuses is reported with its errcode", async () => {
  const member = await customerOf('xiaomei', '群客户');
  const { chatId } = await tb.fake.createGroup('xiaomei', '小美的会员群', [member.externalUserId]);
  const group = async () => (await tb.app.request('GET', '/api/v1/wecom/groups', { token: admin.token })).body.items.find((g: any) => g.chatId === chatId);
  await eventually(async () => expect((await group())?.ownerStaffId).toBe(xiaomei.id));

  const res = await tb.app.request('POST', '/api/v1/wecom/transfers/groups', {
    token: admin.token,
    body: { mode: 'in_service', handoverStaffId: xiaomei.id, takeoverStaffId: dawei.id },
  });
  expect(res.status).toBe(202);
  expect(res.body.items).toEqual([expect.objectContaining({ subject: 'group', target: chatId, name: '小美的会员群', status: 'transferred' })]);
  expect(tb.fake.corp.groups.get(chatId)?.owner).toBe('dawei');
  expect((await group()).ownerStaffId).toBe(dawei.id);

  // 老王 left (previous test): his group needs the resigned transfer, and WeCom says so per group.
  const old = await tb.fake.createGroup('laowang', '老王的群', []);
  await eventually(async () => expect((await tb.app.rt.services.customerGroups.groups.get(tb.tenantId, old.chatId))?.ownerUserid).toBe('laowang'));
  const wrong = await tb.app.request('POST', '/api/v1/wecom/transfers/groups', {
    token: admin.token,
    body: { mode: 'in_service', handoverUserid: 'laowang', takeoverStaffId: dawei.id },
  });
  expect(wrong.body.items).toEqual([expect.objectContaining({ status: 'failed', errcode: 90502 })]);
  expect(wrong.body.items[0].reason).toMatch(/resigned transfer/);
  const right = await tb.app.request('POST', '/api/v1/wecom/transfers/groups', {
    token: admin.token,
    body: { mode: 'resigned', handoverUserid: 'laowang', takeoverStaffId: dawei.id },
  });
  expect(right.body.items).toEqual([expect.objectContaining({ status: 'transferred' })]);
});

test('only admins start transfers (403 for others); managers read the records; mistakes get 400/404/409 with what to fix', async () => {
  const body = { mode: 'in_service', handoverStaffId: xiaomei.id, takeoverStaffId: dawei.id };
  for (const who of [xiaomei, dawei, manager]) expect((await transfer(body, who.token)).status).toBe(403);
  expect((await tb.app.request('POST', '/api/v1/wecom/transfers/groups', { token: manager.token, body })).status).toBe(403);
  const seen = await tb.app.request('GET', `/api/v1/wecom/transfers?staffId=${xiaomei.id}`, { token: manager.token });
  expect(seen.status).toBe(200);
  // Community managers see customers' names masked, as everywhere else.
  expect(seen.body.items.map((r: any) => r.name)).toEqual(expect.arrayContaining(['甲*户', '小美的会员群']));
  expect((await tb.app.request('GET', '/api/v1/wecom/transfers', { token: xiaomei.token })).status).toBe(403);
  expect((await tb.app.request('GET', '/api/v1/wecom/transfers/unassigned', { token: manager.token })).status).toBe(403);
  const calls = tb.fake.callsTo('externalcontact/transfer_customer').length;

  const self = await transfer({ ...body, takeoverStaffId: xiaomei.id });
  expect([self.status, self.body.error.message]).toEqual([400, expect.stringMatching(/someone other than/)]);
  const both = await transfer({ ...body, handoverUserid: 'xiaomei' });
  expect([both.status, both.body.error.message]).toEqual([400, expect.stringMatching(/exactly one of handoverStaffId or handoverUserid/)]);
  const nobody = await transfer({ ...body, takeoverStaffId: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
  expect(nobody.status).toBe(404);
  const idle = await tb.staff('kongxian', 'sales', '空闲');
  const empty = await transfer({ ...body, handoverStaffId: idle.id });
  expect([empty.status, empty.body.error.message]).toEqual([409, '空闲 has no WeCom customers to hand over']);
  const notHers = await customerOf('dawei', '大伟的客户');
  const wrong = await transfer({ ...body, customerIds: [notHers.id] });
  expect([wrong.status, wrong.body.error.details]).toEqual([400, { reason: 'not_contacts', n: 1, who: '小美', customerIds: [notHers.id] }]);
  expect(tb.fake.callsTo('externalcontact/transfer_customer')).toHaveLength(calls);
});

test('handing over more than 300 of a member’s groups in a day (WeCom’s limit) is refused before WeCom, saying how many can go', async () => {
  const { CustomerGroupModel } = await import('../../../server/src/modules/customer-groups/customer-group.model.js');
  const many = await tb.staff('qunzhu', 'sales', '群主');
  await CustomerGroupModel.collection.insertMany(
    Array.from({ length: 301 }, (_, i) => ({
      tenantId: tb.tenantId,
      chatId: `wr-many-${i}`,
      name: `群${i}`,
      ownerUserid: 'qunzhu',
      status: 'active',
      members: [],
      memberCount: 0,
    })),
  );
  const before = tb.fake.callsTo('externalcontact/groupchat/onjob_transfer').length;
  const res = await tb.app.request('POST', '/api/v1/wecom/transfers/groups', {
    token: admin.token,
    body: { mode: 'in_service', handoverStaffId: many.id, takeoverStaffId: dawei.id },
  });
  expect(res.status).toBe(409);
  expect(res.body.error).toMatchObject({ code: 'WECOM_TRANSFER_INVALID', details: { reason: 'daily_group_limit', n: 301, left: 300 } });
  expect(tb.fake.callsTo('externalcontact/groupchat/onjob_transfer')).toHaveLength(before);
});
