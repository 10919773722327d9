import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';
import { CustomerModel } from '../../../server/src/modules/customers/customer.model.js';

/**
 * The reach a community manager sees before pressing 发送: how many will get the campaign and how many
 * will be skipped, by reason. It is judged as the send judges, so the numbers are the ones the send
 * then records.
 */
// A fixed day (10:00 in Shanghai), so the frequency cap's "today" never depends on when the test runs.
let clock = Date.UTC(2026, 2, 10, 2, 0);
let tb: BroadcastTestbed;
let owner: { staffId: string; wecomUserId: string };
beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  owner = { staffId: await tb.staff('wangwu'), wecomUserId: 'wangwu' };
}, 60_000);
afterAll(() => tb?.stop());

const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
const s = () => tb.app.rt.services;
const tag = async (name: string) => (await s().tags.ensure(tb.tenantId, '活动', name)).id;
const segmentFor = async (tagId: string) =>
  (
    await api('POST', '/api/v1/segments', {
      name: `seg-${tagId}`,
      audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tagId] }] },
    })
  ).body.id as string;
async function settle(id: string) {
  for (let i = 0; i < 30; i++) {
    await s().broadcasts.dispatcher.tick(10_000);
    const p = (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
    if (['completed', 'cancelled'].includes(p.status)) return p;
  }
  throw new Error('campaign did not settle');
}

test('the reach before sending names every skip reason, and the send then records exactly those numbers', async () => {
  const all = await tag('reach-all');
  const earlier = await tag('reach-earlier');
  const ids = await tb.contacts(12, owner, all, 'r');
  const noConsent = await tb.contacts(2, owner, all, 'rc', { consent: false });
  // Two were messaged today already (the cap is one a day), one opted out, two are not WeCom contacts,
  // and one has no name for {name}.
  for (const id of ids.slice(0, 2)) await s().customers.tag(tb.tenantId, id, [earlier], []);
  const first = await api('POST', '/api/v1/broadcasts', {
    name: '早些时候',
    channel: 'wecom_group_msg',
    segmentId: await segmentFor(earlier),
    content: { text: '早些时候的消息' },
  });
  expect(await settle(first.body.id)).toMatchObject({ counts: { sent: 2 } });
  expect((await api('POST', '/api/v1/broadcasts/opt-outs', { customerId: ids[2] })).status).toBe(201);
  await CustomerModel.updateMany({ _id: { $in: ids.slice(3, 5) } }, { $set: { identities: [] } });
  await CustomerModel.updateOne({ _id: ids[5] }, { $set: { name: '' } });

  const body = { name: '春季上新', channel: 'wecom_group_msg', segmentId: await segmentFor(all), content: { text: '{name}，春季新品到店' } };
  const reach = await api('POST', '/api/v1/broadcasts/reach', body);
  expect(reach.status).toBe(200);
  expect(reach.body).toMatchObject({
    unit: 'customers',
    total: 14,
    willReceive: 6,
    holdout: 0,
    skipped: { frequency_cap: 2, opted_out: 1, no_wecom_contact: 2, 'placeholder_unfilled:{name}': 1, no_marketing_consent: 2 },
  });
  expect(Object.keys(reach.body.skipped)).toHaveLength(5);
  // Asking for the reach stored nothing and took no frequency-cap slot.
  expect((await api('GET', '/api/v1/broadcasts')).body.items.map((c: any) => c.name)).not.toContain('春季上新');

  const created = await api('POST', '/api/v1/broadcasts', body);
  expect(created.status).toBe(201);
  expect((await api('GET', `/api/v1/broadcasts/${created.body.id}/reach`)).body).toMatchObject({ total: 14, willReceive: 6, skipped: reach.body.skipped });
  const p = await settle(created.body.id);
  expect(p.counts).toMatchObject({ total: 14, sent: reach.body.willReceive, skipped: 8, failed: 0 });
  expect(p.skipped).toEqual(reach.body.skipped);
  expect(sentTo(tb.fake, 'r6，春季新品到店').get('wmr000006')).toBe(1);
  expect(noConsent).toHaveLength(2);

  // Once started, the campaign's progress is the truth; its reach is refused in words.
  const late = await api('GET', `/api/v1/broadcasts/${created.body.id}/reach`);
  expect(late.status).toBe(409);
  expect(late.body.error.code).toBe('BROADCAST_BAD_STATE');
});

test('a created campaign with a holdout and two variants gets an exact reach, matching its send', async () => {
  clock += 86_400_000;
  const t = await tag('reach-ab');
  await tb.contacts(20, owner, t, 'ab');
  const id = (
    await api('POST', '/api/v1/broadcasts', {
      name: 'A/B',
      channel: 'wecom_group_msg',
      segmentId: await segmentFor(t),
      variants: [
        { key: 'A', weight: 50, content: { text: '版本A' } },
        { key: 'B', weight: 50, content: { text: '版本B' } },
      ],
      holdoutPercent: 30,
    })
  ).body.id;
  const reach = (await api('GET', `/api/v1/broadcasts/${id}/reach`)).body;
  expect(reach).toMatchObject({ total: 20, estimate: false });
  expect(reach.holdout).toBeGreaterThan(0);
  const p = await settle(id);
  expect(p.counts).toMatchObject({ holdout: reach.holdout, sent: reach.willReceive });
});

test('a group campaign’s reach counts the groups WeCom will post in and the ones it skips', async () => {
  tb.fake.corp.groups.set('wrreach1', {
    chat_id: 'wrreach1',
    name: '老客群',
    owner: 'wangwu',
    create_time: 1,
    status: 0,
    member_list: [{ userid: 'wangwu', type: 1, join_time: 1, join_scene: 1 }],
  });
  await s().customerGroups.groups.refresh(tb.tenantId, 'wrreach1');
  const res = await api('POST', '/api/v1/broadcasts/reach', {
    name: '群发',
    channel: 'wecom_group_chat',
    chatIds: ['wrreach1', 'wr-no-such'],
    content: { text: '群福利' },
  });
  expect(res.body).toMatchObject({ unit: 'groups', total: 2, willReceive: 1, skipped: { group_gone: 1 } });
});

test('the preview shows the text as the segment’s first customer reads it, filled by the send’s renderer', async () => {
  const t = await tag('preview');
  const [first] = await tb.contacts(2, owner, t, 'pv');
  const segmentId = await segmentFor(t);
  const res = await api('POST', '/api/v1/broadcasts/preview', {
    channel: 'wecom_group_msg',
    segmentId,
    content: { text: '{name}，您好', link: { title: '{name}的专属页', url: 'https://shop.example.com/p' } },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ customer: { id: first, name: 'pv0' }, content: { text: 'pv0，您好', link: { title: 'pv0的专属页' } }, unfilled: null });
  await CustomerModel.updateOne({ _id: first }, { $set: { name: '' } });
  const blank = await api('POST', '/api/v1/broadcasts/preview', { channel: 'wecom_group_msg', customerId: first, content: { text: '{name}，您好' } });
  expect(blank.body).toMatchObject({ unfilled: 'placeholder_unfilled:{name}' });
  const typo = await api('POST', '/api/v1/broadcasts/preview', { channel: 'wecom_group_msg', segmentId, content: { text: '{nmae}，您好' } });
  expect(typo.status).toBe(400);
  expect(typo.body.error.code).toBe('BROADCAST_PLACEHOLDER');
});
