import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';

/**
 * What a community manager sees after "sent": WeCom's send results (a group message waits for the
 * staff member to confirm it in their app) and the runs of a recurring campaign.
 */
const DAY = 86_400_000;
// 02:00 UTC = 10:00 in Shanghai, a day ahead so earlier test files' cap slots never collide.
const d0 = new Date(Date.now() + DAY);
let clock = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), d0.getUTCDate(), 2, 0);
let tb: BroadcastTestbed;
const s = () => tb.app.rt.services;
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
}, 60_000);
afterAll(() => tb?.stop());

const segmentFor = async (tagId: string) =>
  (
    await api('POST', '/api/v1/segments', {
      name: `seg-${tagId}`,
      audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tagId] }] },
    })
  ).body.id as string;
const campaign = async (body: Record<string, unknown>) => {
  const res = await api('POST', '/api/v1/broadcasts', { channel: 'wecom_group_msg', ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const get = async (id: string) => (await api('GET', `/api/v1/broadcasts/${id}`)).body;
async function ticks(n = 5) {
  for (let i = 0; i < n; i++) await s().broadcasts.dispatcher.tick(10_000);
}
const msgIdsFor = (text: string, sender: string) =>
  [...tb.fake.corp.msgTemplates.values()].filter((t) => t.input.text?.content === text && t.input.sender === sender).map((t) => t.msgid);

test('sent messages show as awaiting the staff member until they confirm in WeCom; then delivered, and a contact who deleted them as not a contact', async () => {
  const a = { staffId: await tb.staff('chen'), wecomUserId: 'chen' };
  const b = { staffId: await tb.staff('lin'), wecomUserId: 'lin' };
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '会员日')).id;
  await tb.contacts(5, a, tag, 'ra');
  await tb.contacts(3, b, tag, 'rb');
  const text = '会员日：积分双倍';
  const id = await campaign({ name: '会员日', segmentId: await segmentFor(tag), content: { text } });
  await ticks(3);
  expect((await get(id)).progress).toMatchObject({ status: 'completed', counts: { sent: 8 } });

  let p = (await api('POST', `/api/v1/broadcasts/${id}/sync-results`)).body;
  expect(p.delivery).toMatchObject({ delivered: 0, awaitingConfirmation: 8, notAContact: 0 });
  expect(p.delivery.checkedAt).toBeTruthy();

  // One customer deletes 陈 before 陈 confirms; 林 has not confirmed yet.
  tb.fake.corp.contacts.get('wmra000004')!.follows.delete('chen');
  for (const msgid of msgIdsFor(text, 'chen')) tb.fake.corp.confirmGroupMsg(msgid, 'chen');
  p = (await api('POST', `/api/v1/broadcasts/${id}/sync-results`)).body;
  expect(p.delivery).toMatchObject({ delivered: 4, notAContact: 1, awaitingConfirmation: 3 });

  // The worker's periodic pull picks up 林's confirmation.
  for (const msgid of msgIdsFor(text, 'lin')) tb.fake.corp.confirmGroupMsg(msgid, 'lin');
  await s().broadcasts.deliveryResults.syncRecent();
  expect((await get(id)).progress.delivery).toMatchObject({ delivered: 7, notAContact: 1, awaitingConfirmation: 0, unknown: 0 });
});

test('a weekly campaign runs again with its audience as it is then, each run counted on its own; after weeks with no worker it runs once, not once per missed week', async () => {
  const owner = { staffId: await tb.staff('wu'), wecomUserId: 'wu' };
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '周报')).id;
  const [first] = await tb.contacts(3, owner, tag, 'wk');
  const text = '本周上新';
  const id = await campaign({
    name: '每周上新',
    segmentId: await segmentFor(tag),
    content: { text },
    schedule: { kind: 'recurring', at: new Date(clock + 60_000).toISOString(), everyDays: 7 },
  });
  await ticks(2);
  expect(sentTo(tb.fake, text).size).toBe(0); // not yet time

  clock += 2 * 60_000;
  await ticks(3);
  expect(await get(id)).toMatchObject({ status: 'scheduled', occurrence: 2 });
  expect(sentTo(tb.fake, text).size).toBe(3);
  // 吴 confirms the first run after it rolled over; the pull still records it on that run.
  for (const msgid of msgIdsFor(text, 'wu')) tb.fake.corp.confirmGroupMsg(msgid, 'wu');
  await api('POST', `/api/v1/broadcasts/${id}/sync-results`);
  expect((await api('GET', `/api/v1/broadcasts/${id}/runs`)).body.items).toEqual([
    { occurrence: 1, counts: expect.objectContaining({ sent: 3, delivered: 3 }) },
  ]);

  // A new member of the audience, and one who left it.
  await tb.contacts(1, owner, tag, 'wn');
  await s().customers.tag(tb.tenantId, first, [], [tag]);
  clock += 7 * DAY;
  await ticks(3);
  const runs = (await api('GET', `/api/v1/broadcasts/${id}/runs`)).body.items;
  expect(runs).toEqual([
    { occurrence: 2, counts: expect.objectContaining({ total: 3, sent: 3 }) },
    { occurrence: 1, counts: expect.objectContaining({ total: 3, sent: 3, delivered: 3 }) },
  ]);
  const got = sentTo(tb.fake, text);
  expect(got).toEqual(
    new Map([
      ['wmwk000000', 1],
      ['wmwk000001', 2],
      ['wmwk000002', 2],
      ['wmwn000000', 1],
    ]),
  );

  // The worker was down for three weeks: one catch-up run now, the next one in the future.
  clock += 22 * DAY;
  await ticks(3);
  await ticks(2);
  const c = await get(id);
  expect(c).toMatchObject({ status: 'scheduled', occurrence: 4 });
  expect(new Date(c.startAt).getTime()).toBeGreaterThan(clock);
  expect(new Date(c.startAt).getTime() - clock).toBeLessThanOrEqual(7 * DAY);
  expect(sentTo(tb.fake, text).get('wmwk000001')).toBe(3);
});
