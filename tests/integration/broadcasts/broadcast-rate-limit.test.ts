import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';

/** The per-staff send budget (BROADCAST_STAFF_PER_MINUTE), here 3 a minute, on a controlled clock. */
const DAY = 86_400_000;
const d0 = new Date(Date.now() + DAY);
let clock = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), d0.getUTCDate(), 2, 0); // 10:00 Shanghai
let tb: BroadcastTestbed;
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock), env: { BROADCAST_STAFF_PER_MINUTE: '3' } });
}, 60_000);
afterAll(() => tb?.stop());

test('with a per-staff limit of 3 a minute, 5 customers get 3 messages now and 2 a minute later, each once', async () => {
  const s = tb.app.rt.services;
  const owner = { staffId: await tb.staff('ratelimited'), wecomUserId: 'ratelimited' };
  const tag = (await s.tags.ensure(tb.tenantId, '活动', '限速')).id;
  await tb.contacts(5, owner, tag, 'rl');
  const segmentId = (
    await api('POST', '/api/v1/segments', { name: '限速', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })
  ).body.id;
  const text = '限速测试';
  const id = (await api('POST', '/api/v1/broadcasts', { name: '限速', segmentId, channel: 'wecom_group_msg', content: { text } })).body.id;

  await s.broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress).toMatchObject({
    status: 'sending',
    deferredReason: 'rate_limited',
    counts: { sent: 3, queued: 2 },
  });
  expect(sentTo(tb.fake, text).size).toBe(3);

  clock += 61_000;
  await s.broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress).toMatchObject({ status: 'completed', counts: { sent: 5, queued: 0 } });
  const got = sentTo(tb.fake, text);
  expect(got.size).toBe(5);
  expect([...got.values()].every((k) => k === 1)).toBe(true);
});

test("a sender's partly spent budget is used to the last message, and a sender who is out of budget does not hold back another", async () => {
  const s = tb.app.rt.services;
  const busy = { staffId: await tb.staff('busy'), wecomUserId: 'busy' };
  const idle = { staffId: await tb.staff('idle'), wecomUserId: 'idle' };
  const [early, late] = [(await s.tags.ensure(tb.tenantId, '活动', '早场')).id, (await s.tags.ensure(tb.tenantId, '活动', '晚场')).id];
  await tb.contacts(2, busy, early, 'be');
  await tb.contacts(4, busy, late, 'bl');
  await tb.contacts(2, idle, late, 'il');
  const campaign = async (tag: string, text: string) => {
    const segmentId = (
      await api('POST', '/api/v1/segments', { name: text, audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })
    ).body.id;
    return (await api('POST', '/api/v1/broadcasts', { name: text, segmentId, channel: 'wecom_group_msg', content: { text } })).body.id as string;
  };
  const progress = async (id: string) => (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;

  // 早场 takes 2 of busy's 3 sends this minute.
  const first = await campaign(early, '早场通知');
  await s.broadcasts.dispatcher.tick(5_000);
  expect((await progress(first)).counts).toMatchObject({ sent: 2 });

  // 晚场, the same minute: busy's last send goes out, idle sends both of theirs; busy's other 3 wait.
  const second = await campaign(late, '晚场通知');
  await s.broadcasts.dispatcher.tick(5_000);
  expect(await progress(second)).toMatchObject({ status: 'sending', deferredReason: 'rate_limited', counts: { sent: 3, queued: 3 } });
  const sent = sentTo(tb.fake, '晚场通知');
  expect([...sent.keys()].filter((ext) => ext.startsWith('wmil')).length).toBe(2);
  expect([...sent.keys()].filter((ext) => ext.startsWith('wmbl')).length).toBe(1);

  // The next minute starts: busy's budget is back, the rest go, each once.
  clock = (Math.floor(clock / 60_000) + 1) * 60_000;
  await s.broadcasts.dispatcher.tick(5_000);
  expect(await progress(second)).toMatchObject({ status: 'completed', counts: { sent: 6, queued: 0 } });
  expect([...sentTo(tb.fake, '晚场通知').values()]).toEqual([1, 1, 1, 1, 1, 1]);
});
