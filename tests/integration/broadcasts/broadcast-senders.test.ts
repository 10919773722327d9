import { startBroadcastTestbed, type BroadcastTestbed } from './broadcast-testbed.js';

/**
 * A WeCom campaign waits for each staff member to confirm it in their app: the campaign page shows
 * who has and who has not, and 提醒 asks WeCom to remind those who have not (three times a day).
 */
const clock = Date.UTC(2026, 2, 12, 2, 0);
let tb: BroadcastTestbed;
beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
}, 60_000);
afterAll(() => tb?.stop());

const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
const s = () => tb.app.rt.services;

test('the page lists each staff member’s confirmation, and 提醒 reminds only the one who has not sent, three times a day', async () => {
  const wang = { staffId: await tb.staff('wangwu'), wecomUserId: 'wangwu' };
  const zhao = { staffId: await tb.staff('zhaoliu'), wecomUserId: 'zhaoliu' };
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '提醒')).id;
  await tb.contacts(3, wang, tag, 'sw');
  await tb.contacts(2, zhao, tag, 'sz');
  const segmentId = (
    await api('POST', '/api/v1/segments', { name: '提醒人群', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })
  ).body.id;
  const id = (await api('POST', '/api/v1/broadcasts', { name: '提醒测试', channel: 'wecom_group_msg', segmentId, content: { text: '周末特卖' } })).body.id;
  for (let i = 0; i < 5; i++) await s().broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress.counts.sent).toBe(5);

  const msgOf = (userid: string) => [...tb.fake.corp.msgTemplates.values()].find((t) => t.input.text?.content === '周末特卖' && t.input.sender === userid)!;
  tb.fake.corp.confirmGroupMsg(msgOf('wangwu').msgid, 'wangwu');
  const senders = await api('GET', `/api/v1/broadcasts/${id}/senders`);
  expect(senders.status).toBe(200);
  expect(senders.body.items).toEqual([
    expect.objectContaining({ userid: 'zhaoliu', staffId: zhao.staffId, name: 'zhaoliu', tasks: 1, confirmed: 0, reminded: 0 }),
    expect.objectContaining({ userid: 'wangwu', staffId: wang.staffId, tasks: 1, confirmed: 1 }),
  ]);

  for (let i = 1; i <= 3; i++) expect((await api('POST', `/api/v1/broadcasts/${id}/remind`, {})).body).toEqual({ reminded: 1, limited: 0 });
  expect(msgOf('zhaoliu').reminders).toBe(3);
  expect(msgOf('wangwu').reminders).toBeUndefined();
  expect((await api('GET', `/api/v1/broadcasts/${id}/senders`)).body.items[0]).toMatchObject({ userid: 'zhaoliu', reminded: 3 });
  const fourth = await api('POST', `/api/v1/broadcasts/${id}/remind`, { userid: 'zhaoliu' });
  expect(fourth.status).toBe(409);
  expect(fourth.body.error.code).toBe('BROADCAST_REMIND_LIMIT');
  expect(msgOf('zhaoliu').reminders).toBe(3);

  tb.fake.corp.confirmGroupMsg(msgOf('zhaoliu').msgid, 'zhaoliu');
  const none = await api('POST', `/api/v1/broadcasts/${id}/remind`, {});
  expect(none.status).toBe(409);
  expect(none.body.error.code).toBe('BROADCAST_NOTHING_TO_REMIND');
});
