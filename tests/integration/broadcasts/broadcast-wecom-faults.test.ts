import { Types } from 'mongoose';
import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';
import { handlers } from '../../../scripts/wecom-fake/fake-api.js';
import type { AddMsgTemplateBody } from '../../../scripts/wecom-fake/fake-requests.js';
import { fail } from '../../../scripts/wecom-fake/fake-reply.js';
import { DeliveryModel } from '../../../server/src/modules/broadcasts/broadcast.model.js';

/**
 * A campaign through a WeCom that misbehaves the ways it does in production: a send it carries out
 * but answers "system busy" (-1), a 502 from its gateway, an access token it keeps refusing (42001),
 * a send that times out on our side and lands at WeCom afterwards, "too many calls" (45009) past our
 * pauses, and a failed read of its message list during recovery. Time is the app's clock, advanced by hand:
 * everyone must be messaged exactly once, and the unknown sends settled as soon as WeCom can answer
 * (BROADCAST_SETTLE_MS, 10 s), not after the 60 s lease plus a minute's deferral per failed read.
 */
const DAY = 86_400_000;
const d0 = new Date(Date.now() + DAY);
let clock = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), d0.getUTCDate(), 2, 0); // 10:00 Shanghai
let tb: BroadcastTestbed;
const s = () => tb.app.rt.services;
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
const addMsgTemplate = handlers['POST externalcontact/add_msg_template'];

beforeAll(async () => {
  tb = await startBroadcastTestbed({
    now: () => new Date(clock),
    env: { BROADCAST_WECOM_TASK_SIZE: '20', BROADCAST_BATCH_SIZE: '40', BROADCAST_STAFF_PER_MINUTE: '100000', WECOM_TIMEOUT_MS: '500' },
  });
}, 60_000);
afterAll(async () => {
  handlers['POST externalcontact/add_msg_template'] = addMsgTemplate;
  await tb?.stop();
});

const segment = async (name: string, tagId: string) =>
  (await api('POST', '/api/v1/segments', { name, audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tagId] }] } })).body
    .id as string;

test('through timeouts, 5xx, 42001, 45009 and a failed recovery read, 160 customers are each messaged once, settled within seconds of app time', async () => {
  const OWNERS = ['f1', 'f2', 'f3', 'f4'];
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '故障')).id;
  for (const [i, u] of OWNERS.entries()) await tb.contacts(40, { staffId: await tb.staff(u), wecomUserId: u }, tag, `ft${i}`);
  const text = '故障演练：周末专享';

  // WeCom's answers to our add_msg_template calls: the 1st carried out but answered "system busy"; the
  // 2nd a 502 (nothing done); two calls later 42001 twice (the client refreshes the token once, then
  // gives up: nothing done).
  let call = 0;
  handlers['POST externalcontact/add_msg_template'] = (corp, req) => {
    if ((req.body as AddMsgTemplateBody)?.text?.content !== text) return addMsgTemplate(corp, req);
    call += 1;
    if (call === 1) {
      addMsgTemplate(corp, req);
      fail(-1, 'system busy');
    }
    return addMsgTemplate(corp, req);
  };
  tb.fake.corp.faults.push({ path: 'externalcontact/add_msg_template', skip: 1, times: 1, httpStatus: 502 });
  tb.fake.corp.faults.push({ path: 'externalcontact/add_msg_template', skip: 2, times: 2, errcode: 42001, errmsg: 'access_token expired' });
  // Then one answered after 1.5 s (we give up at 0.5 s; WeCom creates it all the same) and, a call
  // later, 45009 three times (our client pauses twice, then gives up).
  tb.fake.corp.faults.push({ path: 'externalcontact/add_msg_template', skip: 1, times: 1, delayMs: 1500 });
  tb.fake.corp.faults.push({ path: 'externalcontact/add_msg_template', skip: 1, times: 3, errcode: 45009, errmsg: 'api freq out of limit' });
  // The first recovery read of the message list fails too.
  tb.fake.corp.faults.push({ path: 'externalcontact/get_groupmsg_list_v2', times: 1, errcode: -1, errmsg: 'system busy' });

  const id = (
    await api('POST', '/api/v1/broadcasts', { name: '故障演练', segmentId: await segment('故障', tag), channel: 'wecom_group_msg', content: { text } })
  ).body.id;
  const started = clock;
  let status = '';
  for (let i = 0; i < 60 && status !== 'completed'; i++) {
    await s().broadcasts.dispatcher.tick(5_000);
    // App time moves on only once WeCom has finished what it was doing (a late answer included).
    while (tb.fake.inFlight > 0) await new Promise((r) => setTimeout(r, 50));
    status = (await api('GET', `/api/v1/broadcasts/${id}`)).body.status;
    if (status !== 'completed') clock += 1_000;
  }
  const appSeconds = (clock - started) / 1000;
  process.stdout.write(`wecom faults: ${call} add_msg_template calls reached WeCom's handler; campaign settled after ${appSeconds} s of app time\n`);

  const progress = (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
  expect(progress).toMatchObject({ status: 'completed', counts: { total: 160, sent: 160, failed: 0, sending: 0, queued: 0 } });
  const got = sentTo(tb.fake, text);
  expect(tb.fake.corp.faults.filter((f) => f.times > 0)).toEqual([]);
  expect(got.size).toBe(160);
  expect([...got.values()].every((n) => n === 1)).toBe(true);
  // The chunks WeCom took while answering -1, and after we had given up waiting, were found there.
  expect(await DeliveryModel.countDocuments({ campaignId: new Types.ObjectId(id), reason: 'confirmed_after_restart' })).toBe(40);
  // Settled once WeCom could answer: the settle window (10 s), 5 s pauses and a 1–2 s backoff, not
  // the 60 s lease and a minute's deferral per failed read.
  expect(appSeconds).toBeLessThan(40);
}, 90_000);

test("a customer over WeCom's daily receiving limit is reported as such, not as delivered", async () => {
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '上限')).id;
  await tb.contacts(2, { staffId: await tb.staff('lim'), wecomUserId: 'lim' }, tag, 'lm');
  // Earlier today the rep sent wmlm000000 a group message from their own app (not through us).
  tb.fake.memberSendsGroupMsg('lim', ['wmlm000000'], '个人群发：早安');
  const text = '今日上新';
  const id = (await api('POST', '/api/v1/broadcasts', { name: '上新', segmentId: await segment('上限', tag), channel: 'wecom_group_msg', content: { text } }))
    .body.id;
  for (let i = 0; i < 3; i++) await s().broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress).toMatchObject({ status: 'completed', counts: { sent: 2 } });

  for (const t of tb.fake.corp.msgTemplates.values()) if (t.input.text?.content === text) tb.fake.corp.confirmGroupMsg(t.msgid);
  const synced = await api('POST', `/api/v1/broadcasts/${id}/sync-results`);
  expect(synced.body.delivery).toMatchObject({ delivered: 1, recipientLimit: 1 });
});
