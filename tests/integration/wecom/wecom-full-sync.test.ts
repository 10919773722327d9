import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { IdentityModel } from '../../../server/src/modules/customers/customer.model.js';
import { CustomerGroupModel } from '../../../server/src/modules/customer-groups/customer-group.model.js';
import { WecomSyncRunModel } from '../../../server/src/wecom/wecom-sync.model.js';
import type { GroupChatListBody } from '../../../scripts/wecom-fake/fake-requests.js';

let tb: WecomTestbed;
let admin: { token: string };
let clockOffsetMs = 0; // lets the test jump past a dead worker's lease
beforeAll(async () => {
  tb = await startWecomTestbed({ now: () => new Date(Date.now() + clockOffsetMs) });
  admin = await tb.staff('boss', 'admin');
  await tb.staff('xiaomei', 'sales');
  await tb.staff('dawei', 'sales');
});
afterAll(() => tb.stop());

test('a full sync that crashes midway resumes from its saved cursor and imports every contact and group once', async () => {
  // Contacts WeCom has that we never heard of (added before the SCRM existed), one with a corp tag.
  const corp = tb.fake.corp;
  corp.tagGroups.push({ group_id: 'g1', group_name: '来源', create_time: 1, order: 0, tag: [{ id: 'et-old', name: '老客', create_time: 1, order: 0 }] });
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    const c = corp.upsertContact({ name: `老客${i}`, unionid: `u-old-${i}` });
    corp.follow(i % 3 ? 'xiaomei' : 'dawei', c.external_userid, { tagIds: i === 0 ? ['et-old'] : [] });
    ids.push(c.external_userid);
  }
  corp.follow('dawei', ids[1]); // one customer followed by two staff: one profile
  for (let i = 0; i < 3; i++) {
    const chat_id = `wr-old-${i}`;
    corp.groups.set(chat_id, {
      chat_id,
      name: `老群${i}`,
      owner: 'xiaomei',
      create_time: 1,
      status: 0,
      member_list: [{ userid: ids[i], type: 2, join_time: 1, join_scene: 1 }],
    });
  }
  tb.app.rt.services.wecom.fullSync.pageSize = 25; // 61 relations → 3 pages
  // The second page fails as if WeCom or our worker fell over mid-run.
  corp.faults.push({ path: 'externalcontact/batch/get_by_user', skip: 1, times: 1, httpStatus: 502 });

  const start = await tb.app.request('POST', '/api/v1/wecom/sync', { token: admin.token });
  expect(start.status).toBe(202);
  const stalled = await eventually(async () => {
    const p = (await tb.app.request('GET', '/api/v1/wecom/sync', { token: admin.token })).body.run;
    expect(p.error).toMatch(/WeCom could not be reached/);
    return p;
  }, 30_000); // a loaded CI machine takes a while over the first page of 25 profiles
  expect(stalled).toMatchObject({ status: 'running', phase: 'contacts', pages: 1, contacts: 25 });
  // Starting again while it is unfinished returns the same run instead of a second one.
  const twice = await tb.app.request('POST', '/api/v1/wecom/sync', { token: admin.token });
  expect(twice.body).toMatchObject({ id: stalled.id, alreadyRunning: true });

  // A worker that dies mid-page (killed, not failed) still holds the lease: nobody else may resume yet.
  await WecomSyncRunModel.updateOne({ _id: stalled.id }, { $set: { leaseOwner: 'dead-worker', leaseUntil: new Date(Date.now() + 60_000) } });
  await tb.app.rt.services.wecom.fullSync.resumeStalled();
  expect((await tb.app.request('GET', '/api/v1/wecom/sync', { token: admin.token })).body.run).toMatchObject({ status: 'running', pages: 1 });

  clockOffsetMs = 61_000; // the lease has expired
  await tb.app.rt.services.wecom.fullSync.resumeStalled(); // what the repair job does every minute
  const done = (await tb.app.request('GET', '/api/v1/wecom/sync', { token: admin.token })).body.run;
  expect(done).toMatchObject({ id: stalled.id, status: 'done', contacts: 61, groups: 3 });

  // Paging resumed: the first page was fetched once, the failed one twice, none after it again.
  const cursors = tb.fake.callsTo('externalcontact/batch/get_by_user').map((c) => c.body.cursor);
  expect(cursors.filter((c) => c === '')).toHaveLength(1);
  expect(cursors).toHaveLength(4);
  expect(cursors[1]).toBe(cursors[2]);

  expect(await IdentityModel.countDocuments({ tenantId: tb.tenantId, type: 'externalUserId' })).toBe(60);
  const first = await tb.app.rt.services.customers.get(
    tb.tenantId,
    (await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId: ids[0] }))!,
  );
  const oldTag = (await tb.app.rt.services.tags.byWecomIds(tb.tenantId, ['et-old']))[0];
  expect(first.tags).toContain(oldTag.id);
  expect(first.wecom?.relation).toBe('active');
  const two = await tb.app.rt.services.customers.get(tb.tenantId, (await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { unionId: 'u-old-1' }))!);
  expect(two.followerStaffIds).toHaveLength(2);
  expect(await CustomerGroupModel.countDocuments({ tenantId: tb.tenantId })).toBe(3);
}, 50_000);

test('with more than 1,000 members visible, the sync asks for customer groups by owner, 100 at a time, and imports them all', async () => {
  const corp = tb.fake.corp;
  for (let i = 0; i < 1050; i++) corp.addStaff(`rep${String(i).padStart(4, '0')}`);
  // WeCom refuses the unfiltered list for a corp this size (81017).
  const unfiltered = await fetch(`${tb.fake.apiBase}externalcontact/groupchat/list?access_token=${await tb.app.rt.services.wecom.client.accessToken()}`, {
    method: 'POST',
    body: JSON.stringify({ limit: 100 }),
  });
  expect(((await unfiltered.json()) as { errcode: number }).errcode).toBe(81017);
  for (const [chat_id, owner] of [
    ['wr-big-1', 'rep0005'],
    ['wr-big-2', 'rep1040'],
  ] as const)
    corp.groups.set(chat_id, { chat_id, name: chat_id, owner, create_time: 1, status: 0, member_list: [] });
  const before = tb.fake.callsTo('externalcontact/groupchat/list').length;
  tb.app.rt.services.wecom.fullSync.pageSize = 100;

  expect((await tb.app.request('POST', '/api/v1/wecom/sync', { token: admin.token })).status).toBe(202);
  const done = await eventually(async () => {
    const p = (await tb.app.request('GET', '/api/v1/wecom/sync', { token: admin.token })).body.run;
    expect(p.status).toBe('done');
    return p;
  }, 40_000);
  expect(done.error).toBeUndefined();
  expect(await CustomerGroupModel.countDocuments({ tenantId: tb.tenantId, chatId: { $in: ['wr-big-1', 'wr-big-2'] } })).toBe(2);
  const calls = tb.fake.callsTo('externalcontact/groupchat/list').slice(before);
  const owners = calls.map((c) => (c.body as GroupChatListBody).owner_filter?.userid_list ?? []);
  expect(owners.every((list) => list.length > 0 && list.length <= 100)).toBe(true);
  expect(new Set(owners.flat()).size).toBe(corp.staff.size);
}, 60_000);
