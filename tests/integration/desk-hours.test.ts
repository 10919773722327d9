import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';

/**
 * Business hours and holidays: the product's clock starts on Friday 2027-01-08 at 21:00 in Shanghai;
 * the desk is open on weekdays 09:00–18:00 and closed on Monday the 11th (a holiday). A customer who
 * asks for a human now is told when someone will answer, and the 5-minute first-response target is
 * counted from Tuesday's opening.
 */
const FRIDAY_NIGHT = new Date('2027-01-08T21:00:00+08:00');
let chat: MockChat;
let manager: string;
beforeAll(async () => {
  chat = await startMockChat({}, { start: FRIDAY_NIGHT });
  manager = (await chat.app.staff('community_manager', '主管')).token;
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const desk = () => chat.app.rt.services.desk;
const office = { weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '18:00' })), holidays: ['2027-01-11'] };

test('hours that make no sense are refused naming the field, in Chinese for the pages', async () => {
  const backwards = await chat.app.request('PUT', '/api/v1/desk/hours', {
    token: manager,
    headers: { 'accept-language': 'zh-CN' },
    body: { weekly: [{ day: 1, open: '18:00', close: '09:00' }] },
  });
  expect(backwards.status).toBe(400);
  expect(backwards.body.error.message).toMatch(/weekly\.0\.close.*下班时间必须晚于上班时间/);
  const twice = await chat.app.request('PUT', '/api/v1/desk/hours', {
    token: manager,
    body: {
      weekly: [
        { day: 1, open: '09:00', close: '12:00' },
        { day: 1, open: '13:00', close: '18:00' },
      ],
    },
  });
  expect(twice.status).toBe(400);
  const zone = await chat.app.request('PUT', '/api/v1/desk/hours', { token: manager, body: { timezone: 'Mars/Olympus', weekly: office.weekly } });
  expect(zone.status).toBe(400);
  expect(zone.body.error).toMatchObject({ code: 'DESK_BAD_HOURS', details: { field: 'hours.timezone' } });
  // Nothing half-saved: still always open.
  expect((await chat.app.request('GET', '/api/v1/desk/hours', { token: manager })).body.weekly).toEqual([]);
  // No weekday open is always open; the holidays entered are kept for when hours are set.
  const open = await chat.app.request('PUT', '/api/v1/desk/hours', { token: manager, body: { weekly: [], holidays: ['2027-02-11'] } });
  expect(open.body).toEqual({ timezone: 'Asia/Shanghai', weekly: [], holidays: ['2027-02-11'], workdays: [] });
  expect((await chat.app.request('GET', '/api/v1/desk/hours', { token: manager })).body.holidays).toEqual(['2027-02-11']);
});

test('a chat handed over on Friday night before a Monday holiday is due 5 minutes after Tuesday opens, and the customer is told when', async () => {
  const saved = await chat.app.request('PUT', '/api/v1/desk/hours', { token: manager, body: office });
  expect(saved.status).toBe(200);
  expect(saved.body).toMatchObject({ timezone: 'Asia/Shanghai', holidays: ['2027-01-11'] });
  const admin = await chat.app.staff('admin');
  expect((await chat.app.request('PUT', '/api/v1/desk/settings', { token: admin.token, body: { firstResponseSeconds: 300 } })).status).toBe(200);

  const night = chat.contact('夜里来的');
  night.say('人工');
  expect(await night.hears(/非工作时间/)).toBe('已为您转接人工客服。现在是非工作时间，客服将于 1月12日（周二）09:00 上班后第一时间回复您。');
  const c = await eventually(() => desk().conversations.findByPeer(tenant(), chat.account.id, night.mock.id));
  expect(new Date(c.sla!.dueAt!).toISOString()).toBe(new Date('2027-01-12T09:05:00+08:00').toISOString());

  // Tuesday 09:04: within the target (warned at 80 %, not breached).
  chat.clock.advance(new Date('2027-01-12T09:04:30+08:00').getTime() - chat.clock.now().getTime());
  await desk().sla.sweep();
  const before = await desk().conversations.get(tenant(), String(c._id));
  expect(before.sla?.breaches ?? []).toHaveLength(0);
  // 09:05 passed with nobody answering: breached.
  chat.clock.advance(60_000);
  await desk().sla.sweep();
  const after = await eventually(async () => {
    const now = await desk().conversations.get(tenant(), String(c._id));
    return now.sla?.breaches?.length ? now : null;
  });
  expect(new Date(after.sla!.overdueSince!).toISOString()).toBe(new Date('2027-01-12T09:05:00+08:00').toISOString());
});
