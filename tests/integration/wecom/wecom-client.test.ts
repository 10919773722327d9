import { createRedis, type Redis } from '../../../server/src/shared/redis.js';
import { WecomClient } from '../../../server/src/wecom/wecom.client.js';
import { WecomApiError } from '../../../server/src/wecom/wecom.exception.js';
import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';

let fake: FakeWecom;
let redis: Redis;
beforeAll(async () => {
  fake = await startFakeWecom();
  fake.corp.addStaff('zhangsan', '张三');
  redis = createRedis(process.env.REDIS_URL!);
});
afterAll(async () => {
  redis.disconnect();
  await fake.stop();
});

// Each test starts without cached tokens or buckets for this corp (only our keys are removed).
function client(over: Partial<ConstructorParameters<typeof WecomClient>[0]> = {}) {
  return new WecomClient({ apiBase: fake.apiBase, corpId: fake.options.corpId, secret: fake.options.secret, redis, ...over });
}
async function freshCorp() {
  const keys = await redis.keys(`wecom:${fake.options.corpId}:*`);
  if (keys.length) await redis.del(...keys);
}

test('50 concurrent calls from two processes fetch the access token once', async () => {
  await freshCorp();
  const before = fake.corp.gettokenCalls;
  const a = client();
  const b = client(); // a second process: its own single-flight, the same Redis lock
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).getFollowUserList()));
  expect(results.every((r) => r.includes('zhangsan'))).toBe(true);
  expect(fake.corp.gettokenCalls - before).toBe(1);
  expect(fake.callsTo('externalcontact/get_follow_user_list')).toHaveLength(50);
});

test('an expired token (42001) is refreshed once and the call retried, also under 50 concurrent calls', async () => {
  await freshCorp();
  const c = client();
  await c.getFollowUserList();
  const before = fake.corp.gettokenCalls;
  for (const k of fake.corp.tokens.keys()) fake.corp.tokens.set(k, 0); // WeCom expires it early
  const results = await Promise.all(Array.from({ length: 50 }, () => c.getFollowUserList()));
  expect(results).toHaveLength(50);
  expect(fake.corp.gettokenCalls - before).toBe(1);
});

test('a token WeCom no longer knows (40014) is replaced and the call succeeds', async () => {
  await freshCorp();
  const c = client();
  await c.getFollowUserList();
  fake.corp.tokens.clear();
  await expect(c.getFollowUserList()).resolves.toContain('zhangsan');
});

test('other errcodes become a typed error carrying errcode and errmsg, without retrying', async () => {
  await freshCorp();
  const c = client();
  const err = await c.getExternalContact('wm-nobody').catch((e) => e);
  expect(err).toBeInstanceOf(WecomApiError);
  expect(err).toMatchObject({ errcode: 84061, errmsg: 'not external contact', status: 502 });
  expect(fake.callsTo('externalcontact/get').filter((x) => x.query.external_userid === 'wm-nobody')).toHaveLength(1);
  const bad = await client({ secret: 'wrong-secret' })
    .getFollowUserList()
    .catch((e) => e);
  expect(bad).toMatchObject({ errcode: 40001 });
});

test('WeCom being down is an unreachable error (503), not a crash', async () => {
  await freshCorp();
  const c = client({ apiBase: 'http://127.0.0.1:1/cgi-bin/', timeoutMs: 2000 });
  await expect(c.getFollowUserList()).rejects.toMatchObject({ code: 'WECOM_UNREACHABLE', status: 503 });
});

test('the shared token bucket paces calls past its burst instead of exceeding the rate', async () => {
  await freshCorp();
  const c = client({ rate: { perMinute: 600, burst: 5, maxWaitMs: 5000 } }); // 10 per second after 5
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 10 }, () => c.getFollowUserList()));
  // 5 go at once, the other 5 wait ~100 ms each for a token.
  expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  const tight = client({ rate: { perMinute: 60, burst: 1, maxWaitMs: 50 }, corpId: fake.options.corpId });
  await freshCorp();
  await tight.getFollowUserList();
  await expect(tight.getFollowUserList()).rejects.toMatchObject({ code: 'WECOM_RATE_LIMITED', status: 429 });
});

test('JS-SDK tickets are fetched once and cached', async () => {
  await freshCorp();
  const c = client();
  const before = { ...fake.corp.tickets };
  const tickets = await Promise.all(Array.from({ length: 10 }, () => c.jsapiTicketValue()));
  const agent = await Promise.all(Array.from({ length: 10 }, () => c.agentTicketValue()));
  expect(new Set(tickets).size).toBe(1);
  expect(new Set(agent).size).toBe(1);
  expect(fake.corp.tickets.jsapi - before.jsapi).toBe(1);
  expect(fake.corp.tickets.agent - before.agent).toBe(1);
});

test("WeCom's own 'too many calls' (45009) is waited out and retried; past the pauses it is a typed error", async () => {
  await freshCorp();
  const c = client({ busyRetryDelaysMs: [100, 200] });
  await c.getFollowUserList(); // token cached, so only the call itself meets the limit
  const path = 'externalcontact/get_follow_user_list';
  fake.corp.faults.push({ path, times: 2, errcode: 45009, errmsg: 'api freq out of limit' });
  const before = fake.callsTo(path).length;
  const t0 = Date.now();
  expect(await c.getFollowUserList()).toContain('zhangsan');
  expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  expect(fake.callsTo(path).length - before).toBe(3);

  fake.corp.faults.push({ path, times: 5, errcode: 45009, errmsg: 'api freq out of limit' });
  await expect(c.getFollowUserList()).rejects.toMatchObject({ errcode: 45009, status: 502 });
  fake.corp.faults.length = 0;
  // Other errcodes are still not retried.
  fake.corp.faults.push({ path, times: 1, errcode: -1, errmsg: 'system busy' });
  const n = fake.callsTo(path).length;
  await expect(c.getFollowUserList()).rejects.toMatchObject({ errcode: -1 });
  expect(fake.callsTo(path).length - n).toBe(1);
});
