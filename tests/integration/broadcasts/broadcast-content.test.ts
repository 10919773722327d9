import { grantMarketing } from '../../support/consent.js';
import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';

/** A campaign carrying a coupon and a mini-program card, through a WeCom that fails once. */
const DAY = 86_400_000;
const d0 = new Date(Date.now() + DAY);
let clock = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), d0.getUTCDate(), 2, 0); // 10:00 Shanghai
let tb: BroadcastTestbed;
const s = () => tb.app.rt.services;
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
}, 60_000);
afterAll(() => tb?.stop());

test('each recipient gets the coupon once even when WeCom fails the first send and it is retried; past the coupon stock the rest are marked failed and not messaged', async () => {
  const owner = { staffId: await tb.staff('he'), wecomUserId: 'he' };
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '领券')).id;
  const ids = await tb.contacts(6, owner, tag, 'cp');
  const t: any = await s().loyalty.coupons.createTemplate(tb.tenantId, {
    name: '限量券',
    kind: 'amount',
    amountOff: 3_000,
    threshold: 10_000,
    validity: { kind: 'relative', days: 7 },
    stock: 4,
    perCustomerLimit: 1,
    channels: ['campaign'],
  });
  const segmentId = (
    await api('POST', '/api/v1/segments', { name: '领券', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })
  ).body.id;
  const text = '限量券已到账，点卡片去用';
  const miniprogram = { title: '去商城', appId: 'wx1234567890abcdef', page: 'pages/index/index', picMediaId: 'MEDIA_1' };
  const created = await api('POST', '/api/v1/broadcasts', {
    name: '限量券',
    segmentId,
    channel: 'wecom_group_msg',
    content: { text, miniprogram, couponTemplateId: String(t.id ?? t._id) },
  });
  expect(created.status).toBe(201);
  const id = created.body.id;

  // WeCom answers the first add_msg_template with "system busy": unknown whether it sent.
  tb.fake.corp.faults.push({ path: 'externalcontact/add_msg_template', times: 1, errcode: -1, errmsg: 'system busy' });
  await s().broadcasts.dispatcher.tick(5_000);
  let p = (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
  expect(p.counts).toMatchObject({ total: 6, sending: 4, failed: 2, sent: 0 });
  expect(sentTo(tb.fake, text).size).toBe(0);

  // After the rows' lease runs out, WeCom is asked, nothing is found, and the send is retried.
  clock += 2 * 60_000;
  for (let i = 0; i < 3; i++) await s().broadcasts.dispatcher.tick(5_000);
  p = (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
  expect(p).toMatchObject({ status: 'completed', counts: { total: 6, sent: 4, failed: 2, sending: 0, queued: 0 } });
  expect(Object.keys(p.failed)).toHaveLength(1);
  expect(Object.keys(p.failed)[0]).toMatch(/^coupon: /);

  const couponsEach = await Promise.all(ids.map(async (cid) => (await s().loyalty.coupons.listForCustomer(tb.tenantId, cid)).length));
  expect(couponsEach.filter((n) => n === 1)).toHaveLength(4);
  expect(couponsEach.filter((n) => n === 0)).toHaveLength(2);
  expect(couponsEach.every((n) => n <= 1)).toBe(true);

  const got = sentTo(tb.fake, text);
  expect(got.size).toBe(4);
  expect([...got.values()].every((n) => n === 1)).toBe(true);
  const tpl = [...tb.fake.corp.msgTemplates.values()].find((x) => x.input.text?.content === text)!;
  expect(tpl.input.attachments).toEqual([
    { msgtype: 'miniprogram', miniprogram: { title: '去商城', appid: 'wx1234567890abcdef', page: 'pages/index/index', pic_media_id: 'MEDIA_1' } },
  ]);
});

test('a shopper who unsubscribed in the member center stays unsubscribed once linked to their older WeCom profile', async () => {
  const { signToken } = await import('../../../server/src/shared/tokens.js');
  const owner = await tb.staff('yang');
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '合并')).id;
  const wecomProfile = async (ext: string, name: string) => {
    tb.fake.corp.upsertContact({ name, external_userid: ext });
    tb.fake.corp.follow('yang', ext);
    const id = await s().customers.identify(tb.tenantId, { externalUserId: ext }, { name, ownerStaffId: owner }, 'wecom');
    await s().customers.setWecomRelation(tb.tenantId, id, { relation: 'active', at: new Date(clock), staffId: owner });
    await s().customers.tag(tb.tenantId, id, [tag], []);
    await grantMarketing(s(), tb.tenantId, [id]); // both agreed to marketing when added on WeCom
    return id;
  };
  const linked = await wecomProfile('wmmerge1', '合并客');
  await wecomProfile('wmmerge2', '普通客');
  clock += 60_000;
  // Later the same person signs in to the member center by phone (a new profile) and unsubscribes.
  const shopper = await s().customers.identify(tb.tenantId, { phone: '13812345678' }, {}, 'h5');
  const token = await signToken(tb.app.config.APP_SECRET, {
    k: 'shopper',
    sub: shopper,
    t: tb.tenantId,
    exp: Math.floor(tb.app.rt.services.deps.now().getTime() / 1000) + 3600,
  });
  expect((await tb.app.request('POST', '/api/v1/broadcasts/me/opt-out', { token, body: {} })).status).toBe(201);
  // Then the shop links the phone to the WeCom contact: one person, the WeCom profile survives.
  expect(await s().customers.identify(tb.tenantId, { externalUserId: 'wmmerge1', phone: '13812345678' }, {}, 'shop')).toBe(linked);

  const segmentId = (
    await api('POST', '/api/v1/segments', { name: '合并', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })
  ).body.id;
  const text = '合并后仍不打扰';
  const id = (await api('POST', '/api/v1/broadcasts', { name: '合并', segmentId, channel: 'wecom_group_msg', content: { text } })).body.id;
  for (let i = 0; i < 3; i++) await s().broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress).toMatchObject({
    status: 'completed',
    counts: { sent: 1, skipped: 1 },
    skipped: { opted_out: 1 },
  });
  expect(sentTo(tb.fake, text)).toEqual(new Map([['wmmerge2', 1]]));
});

test('while WeCom cannot say whether one campaign went out, the others still send; that one shows why and finishes once WeCom answers', async () => {
  const owner = { staffId: await tb.staff('qian'), wecomUserId: 'qian' };
  const tagA = (await s().tags.ensure(tb.tenantId, '活动', '卡住')).id;
  const tagB = (await s().tags.ensure(tb.tenantId, '活动', '照常')).id;
  await tb.contacts(2, owner, tagA, 'sa');
  await tb.contacts(2, owner, tagB, 'sb');
  const seg = async (name: string, tagId: string) =>
    (await api('POST', '/api/v1/segments', { name, audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tagId] }] } })).body.id;
  clock += DAY; // a new day for the frequency cap
  const a = (
    await api('POST', '/api/v1/broadcasts', { name: '卡住', segmentId: await seg('卡住', tagA), channel: 'wecom_group_msg', content: { text: '卡住的活动' } })
  ).body.id;
  tb.fake.corp.faults.push({ path: 'externalcontact/add_msg_template', times: 1, errcode: -1, errmsg: 'system busy' });
  await s().broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${a}`)).body.progress.counts.sending).toBe(2);

  // Past the lease WeCom's message list is down too, so campaign A cannot tell; B is created meanwhile.
  clock += 2 * 60_000;
  tb.fake.corp.faults.push({ path: 'externalcontact/get_groupmsg_list_v2', times: 1, errcode: -1, errmsg: 'system busy' });
  const b = (
    await api('POST', '/api/v1/broadcasts', { name: '照常', segmentId: await seg('照常', tagB), channel: 'wecom_group_msg', content: { text: '照常的活动' } })
  ).body.id;
  await s().broadcasts.dispatcher.tick(5_000);
  await s().broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${b}`)).body.progress).toMatchObject({ status: 'completed', counts: { sent: 2 } });
  const stuck = (await api('GET', `/api/v1/broadcasts/${a}`)).body.progress;
  expect(stuck).toMatchObject({ status: 'sending', counts: { sending: 2, sent: 0 } });
  expect(stuck.deferredReason).toMatch(/^error: .*get_groupmsg_list_v2/);

  clock += 61_000;
  await s().broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${a}`)).body.progress).toMatchObject({ status: 'completed', counts: { sent: 2 } });
  expect(sentTo(tb.fake, '卡住的活动')).toEqual(
    new Map([
      ['wmsa000000', 1],
      ['wmsa000001', 1],
    ]),
  );
});
