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
  const segmentId = (await api('POST', '/api/v1/segments', { name: '限速', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })).body.id;
  const text = '限速测试';
  const id = (await api('POST', '/api/v1/broadcasts', { name: '限速', segmentId, channel: 'wecom_group_msg', content: { text } })).body.id;

  await s.broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress).toMatchObject({ status: 'sending', deferredReason: 'rate_limited', counts: { sent: 3, queued: 2 } });
  expect(sentTo(tb.fake, text).size).toBe(3);

  clock += 61_000;
  await s.broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress).toMatchObject({ status: 'completed', counts: { sent: 5, queued: 0 } });
  const got = sentTo(tb.fake, text);
  expect(got.size).toBe(5);
  expect([...got.values()].every((k) => k === 1)).toBe(true);
});
