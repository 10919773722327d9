import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';
import { setFakeClock } from '../../../scripts/wecom-fake/fake-corp.js';

// The local WeCom's 微信客服 answers as WeCom documents them (doc 94677 send_msg, 94669 service_state,
// 94670 sync_msg, 90313 errcodes), so the tests built on it hold against the real one.
let clock = Date.parse('2026-05-04T06:00:00Z');
let fake: FakeWecom;
let token: string;
beforeAll(async () => {
  setFakeClock(() => new Date(clock));
  fake = await startFakeWecom();
  fake.setCallbackUrl('http://127.0.0.1:9/unused'); // callbacks are not the subject here
  fake.corp.tokenTtlSeconds = 30 * 86_400; // the clock jumps 48 hours; the access token is not the subject either
  token = ((await (await fetch(`${fake.apiBase}gettoken?corpid=${fake.options.corpId}&corpsecret=${fake.options.secret}`)).json()) as { access_token: string })
    .access_token;
});
afterAll(async () => {
  await fake.stop();
  setFakeClock(undefined);
});

const call = async (path: string, body: unknown): Promise<any> =>
  (await fetch(`${fake.apiBase}${path}?access_token=${token}`, { method: 'POST', body: JSON.stringify(body) })).json();
const customerWrites = (kfId: string, externalUserId: string | undefined, text: string) =>
  fake.kf.customerSends(kfId, { nickname: '顾客', external_userid: externalUserId }, text).catch(() => undefined);

test('send_msg takes 5 messages after the customer writes (95001 for the 6th), none after 48 hours (95002), and none while a servicer has the chat (95018)', async () => {
  const kfId = fake.kf.addAccount('客服');
  await customerWrites(kfId, 'wm-a', '你好');
  const send = (content: string) => call('kf/send_msg', { open_kfid: kfId, touser: 'wm-a', msgtype: 'text', text: { content } });
  for (let i = 1; i <= 5; i++) expect((await send(`第${i}条`)).errcode).toBe(0);
  expect((await send('第6条')).errcode).toBe(95001);
  await customerWrites(kfId, 'wm-a', '还在吗');
  expect((await send('在的')).errcode).toBe(0);
  clock += 48 * 3600_000 + 1000;
  expect((await send('迟到的')).errcode).toBe(95002);
  await customerWrites(kfId, 'wm-a', '人工');
  fake.corp.addStaff('xiaoli', '小李');
  expect((await call('kf/service_state/trans', { open_kfid: kfId, external_userid: 'wm-a', service_state: 3, servicer_userid: 'nobody' })).errcode).toBe(95014);
  expect((await call('kf/service_state/trans', { open_kfid: kfId, external_userid: 'wm-a', service_state: 3, servicer_userid: 'xiaoli' })).errcode).toBe(0);
  expect((await send('接口消息')).errcode).toBe(95018);
  expect((await call('kf/service_state/trans', { open_kfid: kfId, external_userid: 'wm-a', service_state: 1 })).errcode).toBe(95016);
  expect((await call('kf/service_state/trans', { open_kfid: kfId, external_userid: 'wm-a', service_state: 4 })).errcode).toBe(0);
  expect(await call('kf/service_state/get', { open_kfid: kfId, external_userid: 'wm-a' })).toMatchObject({ errcode: 0, service_state: 4 });
  expect((await call('kf/service_state/trans', { open_kfid: kfId, external_userid: 'wm-a', service_state: 1 })).errcode).toBe(95016);
});

test('sync_msg pages from a cursor, refuses an unknown token (95007), and an unknown account is 95000', async () => {
  const kfId = fake.kf.addAccount('客服2');
  for (const t of ['一', '二', '三']) await customerWrites(kfId, 'wm-b', t);
  const first = await call('kf/sync_msg', { open_kfid: kfId, limit: 2 });
  expect(first).toMatchObject({ errcode: 0, has_more: 1 });
  expect(first.msg_list.map((m: any) => m.text.content)).toEqual(['一', '二']);
  const rest = await call('kf/sync_msg', { open_kfid: kfId, cursor: first.next_cursor, limit: 2 });
  expect(rest).toMatchObject({ errcode: 0, has_more: 0 });
  expect(rest.msg_list.map((m: any) => [m.text.content, m.origin])).toEqual([['三', 3]]);
  expect((await call('kf/sync_msg', { open_kfid: kfId, cursor: rest.next_cursor })).msg_list).toEqual([]);
  expect((await call('kf/sync_msg', { open_kfid: kfId, token: 'forged' })).errcode).toBe(95007);
  expect((await call('kf/send_msg', { open_kfid: 'wk-nope', touser: 'wm-b', msgtype: 'text', text: { content: 'x' } })).errcode).toBe(95000);
  const accounts = await call('kf/account/list', { offset: 0, limit: 100 });
  expect(accounts.account_list.map((a: any) => a.open_kfid)).toEqual(expect.arrayContaining([kfId]));
  expect(await call('kf/customer/batchget', { external_userid_list: ['wm-b', 'wm-unknown'] })).toMatchObject({
    customer_list: [{ external_userid: 'wm-b', nickname: '顾客' }],
    invalid_external_userid: ['wm-unknown'],
  });
});
