import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';

let tb: WecomTestbed;
beforeAll(async () => {
  tb = await startWecomTestbed();
});
afterAll(() => tb.stop());

test('a burst of scans is greeted at once, each customer once, while the slower profile work queues behind', async () => {
  const admin = await tb.staff('boss', 'admin');
  const sales = await tb.staff('xiaomei', 'sales', '小美');
  const way = await tb.app.request('POST', '/api/v1/wecom/contact-ways', {
    token: admin.token,
    body: { name: '门店活动码', staffIds: [sales.id], welcome: { text: '欢迎来到门店活动！' } },
  });
  expect(way.status).toBe(201);
  // WeCom is slow to describe contacts (6 s per externalcontact/get): the profile work of 12 scans at
  // five at a time takes three rounds. Scaled down from the real case (20 s window, hundreds of scans).
  tb.fake.corp.faults.push({ path: 'externalcontact/get', times: 12, delayMs: 6000 });

  const scans = await Promise.all(Array.from({ length: 12 }, (_, i) => tb.fake.scan(way.body.configId, { name: `活动客${i}` })));
  const mine = new Set(scans.map((s) => s.externalUserId));
  const greeted = () => tb.fake.corp.welcomesSent.filter((w) => mine.has(w.external_userid));
  const profilesDone = () => WecomCallbackModel.countDocuments({ 'data.ExternalUserID': { $in: [...mine] }, status: 'done' });
  await eventually(() => expect(greeted()).toHaveLength(12), 15_000);
  // Every greeting went out before the second round of profile work could finish: at most the first
  // five profiles are in (greeting after the profile work would have needed all three rounds).
  expect(await profilesDone()).toBeLessThanOrEqual(5);

  // Once the profiles are all in, still one greeting each.
  await eventually(async () => expect(await profilesDone()).toBe(12), 40_000);
  expect(greeted()).toHaveLength(12);
  expect(new Set(greeted().map((w) => w.external_userid)).size).toBe(12);
  const rows = await WecomCallbackModel.find({ 'data.ExternalUserID': { $in: [...mine] } }).lean();
  expect(rows.map((r) => r.welcome?.status)).toEqual(Array(12).fill('sent'));
}, 55_000);
