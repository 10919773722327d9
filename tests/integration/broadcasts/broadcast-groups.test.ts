import { startBroadcastTestbed, type BroadcastTestbed } from './broadcast-testbed.js';
import { handlers } from '../../../scripts/wecom-fake/fake-api.js';
import type { AddMsgTemplateBody } from '../../../scripts/wecom-fake/fake-requests.js';
import { fail } from '../../../scripts/wecom-fake/fake-reply.js';

/** Campaigns to WeCom customer groups (客户群群发) by chat id, through the local WeCom. */
// Reconciliation asks WeCom for messages by time; the local WeCom runs on this clock too (the testbed).
let clock = Date.now();
let tb: BroadcastTestbed;
const s = () => tb.app.rt.services;
const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
const addMsgTemplate = handlers['POST externalcontact/add_msg_template'];

beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  await tb.staff('chen');
  await tb.staff('lin');
}, 60_000);
afterAll(async () => {
  handlers['POST externalcontact/add_msg_template'] = addMsgTemplate;
  await tb?.stop();
});

let n = 0;
/** A customer group in WeCom, mirrored into our server as the WeCom adapter does on its change event. */
async function group(owner: string, name: string) {
  const chat_id = `wrgrp${++n}`;
  tb.fake.corp.groups.set(chat_id, { chat_id, name, owner, create_time: 1, status: 0, member_list: [{ userid: owner, type: 1, join_time: 1, join_scene: 1 }] });
  await s().customerGroups.groups.refresh(tb.tenantId, chat_id);
  return chat_id;
}
/** Chat id -> how many times WeCom was asked to post `text` there. */
function postedTo(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tb.fake.corp.msgTemplates.values()) {
    if (t.input.chat_type !== 'group' || t.input.text?.content !== text) continue;
    for (const r of t.results) if (r.chat_id) counts.set(r.chat_id, (counts.get(r.chat_id) ?? 0) + 1);
  }
  return counts;
}
const progress = async (id: string) => (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
async function ticks(k = 3) {
  for (let i = 0; i < k; i++) await s().broadcasts.dispatcher.tick(5_000);
}

test('a group campaign posts once in each named group, by the group owner, and skips a dismissed or unknown group', async () => {
  const g1 = await group('chen', '陈的一群');
  const g2 = await group('chen', '陈的二群');
  const g3 = await group('lin', '林的群');
  const gone = await group('lin', '已解散');
  await s().customerGroups.groups.dismiss(tb.tenantId, gone);
  const text = '群福利：今晚8点直播抽奖';
  const res = await api('POST', '/api/v1/broadcasts', {
    name: '直播预告',
    channel: 'wecom_group_chat',
    chatIds: [g1, g2, g3, gone, 'wr-no-such-group'],
    content: { text, link: { title: '直播间', url: 'https://shop.example.com/live' } },
  });
  expect(res.status).toBe(201);
  await ticks();

  expect(await progress(res.body.id)).toMatchObject({ status: 'completed', counts: { total: 5, sent: 3, skipped: 2, failed: 0 }, skipped: { group_gone: 2 } });
  expect(postedTo(text)).toEqual(
    new Map([
      [g1, 1],
      [g2, 1],
      [g3, 1],
    ]),
  );
  // One task per owner, as WeCom shows it in each owner's app.
  const creators = [...tb.fake.corp.msgTemplates.values()]
    .filter((t) => t.input.text?.content === text)
    .map((t) => t.input.sender)
    .sort();
  expect(creators).toEqual(['chen', 'lin']);

  // Until each owner confirms in their WeCom app nothing is posted; the pull shows where it stands.
  expect((await api('POST', `/api/v1/broadcasts/${res.body.id}/sync-results`)).body.delivery).toMatchObject({ awaitingConfirmation: 3, delivered: 0 });
  for (const t of tb.fake.corp.msgTemplates.values())
    if (t.input.text?.content === text && t.input.sender === 'chen') tb.fake.corp.confirmGroupMsg(t.msgid, 'chen');
  expect((await api('POST', `/api/v1/broadcasts/${res.body.id}/sync-results`)).body.delivery).toMatchObject({ awaitingConfirmation: 1, delivered: 2 });
});

test('when WeCom takes a group message but the answer is lost, WeCom is asked seconds later, finds it, and nothing is posted twice', async () => {
  const g1 = await group('chen', '回放一群');
  const g2 = await group('lin', '回放二群');
  const text = '群公告：回放已上线';
  // The first call is carried out by WeCom, but our server only sees "system busy".
  let first = true;
  handlers['POST externalcontact/add_msg_template'] = (corp, req) => {
    const out = addMsgTemplate(corp, req);
    if (first && (req.body as AddMsgTemplateBody)?.text?.content === text) {
      first = false;
      fail(-1, 'system busy');
    }
    return out;
  };
  const id = (await api('POST', '/api/v1/broadcasts', { name: '回放', channel: 'wecom_group_chat', chatIds: [g1, g2], content: { text } })).body.id;
  await ticks(1);
  const p = await progress(id);
  expect(p.counts.sent + p.counts.sending).toBe(2);
  expect(p.counts.sending).toBe(1);

  clock += 11_000; // past the settle window (10 s), well before the 60 s lease
  await ticks();
  expect(await progress(id)).toMatchObject({ status: 'completed', counts: { sent: 2, sending: 0, failed: 0 } });
  expect(postedTo(text)).toEqual(
    new Map([
      [g1, 1],
      [g2, 1],
    ]),
  );
});

test('a group campaign needs chat ids and takes no segment, A/B split or coupon: refused with 400 saying so', async () => {
  const noChats = await api('POST', '/api/v1/broadcasts', { name: 'x', channel: 'wecom_group_chat', content: { text: 'x' } });
  expect(noChats.status).toBe(400);
  expect(noChats.body.error.message).toMatch(/give chatIds/);
  const coupon = await api('POST', '/api/v1/broadcasts', {
    name: 'x',
    channel: 'wecom_group_chat',
    chatIds: ['wrgrp1'],
    content: { text: 'x', couponTemplateId: 'a'.repeat(24) },
  });
  expect(coupon.status).toBe(400);
  expect(coupon.body.error.message).toMatch(/need individual customers/);
  const noSegment = await api('POST', '/api/v1/broadcasts', { name: 'x', channel: 'wecom_group_msg', content: { text: 'x' } });
  expect(noSegment.status).toBe(400);
  expect(noSegment.body.error.message).toMatch(/give segmentId/);
});
