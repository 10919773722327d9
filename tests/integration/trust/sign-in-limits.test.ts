import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { refusalInChinese } from '../../../h5/src/modules/refusals.js';

/**
 * Sign-in under attack, from outside: wrong guesses lock out only the guessing address (for longer
 * each time), a spray of usernames from one address is stopped, the answer's timing does not tell
 * which usernames exist, guessable staff passwords are refused, and shopper sign-ins are throttled
 * per address. Addresses come from X-Forwarded-For (TRUST_PROXY), a fresh one per test, so nothing
 * here depends on what other tests did from 127.0.0.1.
 */
let app: TestApp;
let wechat: Server;
beforeAll(async () => {
  // WeChat's web OAuth code exchange (sns/oauth2/access_token, 网页授权 "通过code换取网页授权access_token"):
  // every code here is unknown, errcode 40029 "invalid code".
  wechat = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' })),
  );
  await new Promise<void>((r) => wechat.listen(0, '127.0.0.1', r));
  app = await startTestApp({
    env: {
      TRUST_PROXY: 'true',
      DEMO_MODE: 'true',
      LOGIN_BLOCK_SECONDS: '1',
      LOGIN_IP_FAILS_PER_HOUR: '40',
      LOGIN_IP_FAILS_PER_DAY: '100',
      SHOPPER_SIGN_IN_PER_MINUTE: '5',
      WECHAT_MP_APPID: 'wx-mp-test',
      WECHAT_MP_SECRET: 'mp-secret-test',
      WECHAT_API_BASE: `http://127.0.0.1:${(wechat.address() as AddressInfo).port}/`,
    },
  });
});
afterAll(async () => {
  await app.stop();
  await new Promise((r) => wechat.close(r));
});

const address = () => `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
const signIn = (from: string, username: string, password: string) =>
  app.request('POST', '/api/v1/auth/login', { headers: { 'x-forwarded-for': from }, body: { username, password } });
const PASSWORD = 'harbor-kettle-2026';

test('successful sign-ins never count: the real user signs in 15 times in a row', async () => {
  const me = await app.staff('sales');
  const from = address();
  const statuses = [];
  for (let i = 0; i < 15; i++) statuses.push((await signIn(from, me.username, PASSWORD)).status);
  expect(statuses).toEqual(Array(15).fill(200));
});

test("ten wrong passwords block only the guessing address, for longer each time; the real user's sign-in still works", async () => {
  const victim = await app.staff('admin');
  const attacker = address();
  const guesses = [];
  for (let i = 0; i < 10; i++) guesses.push((await signIn(attacker, victim.username, `guess-${i}`)).status);
  expect(guesses).toEqual(Array(10).fill(401));
  const blocked = await signIn(attacker, victim.username, 'guess-10');
  expect(blocked.status).toBe(429);
  expect(blocked.headers.get('retry-after')).toBe('1');
  // Even the right password is refused from there while the block lasts...
  expect((await signIn(attacker, victim.username, PASSWORD)).status).toBe(429);
  // ...but the real user, elsewhere, is not locked out.
  expect((await signIn(address(), victim.username, PASSWORD)).status).toBe(200);

  // The next block from the same address for the same account lasts twice as long.
  await new Promise((r) => setTimeout(r, 1_100));
  for (let i = 0; i < 10; i++) expect((await signIn(attacker, victim.username, `again-${i}`)).status).toBe(401);
  const longer = await signIn(attacker, victim.username, 'again-10');
  expect([longer.status, longer.headers.get('retry-after')]).toEqual([429, '2']);

  // A success from that address clears its count: ten more wrong guesses before the next block.
  await new Promise((r) => setTimeout(r, 2_100));
  expect((await signIn(attacker, victim.username, PASSWORD)).status).toBe(200);
  for (let i = 0; i < 10; i++) expect((await signIn(attacker, victim.username, `later-${i}`)).status).toBe(401);
}, 30_000);

test('one address spraying one guess at each of 50 usernames is stopped after 40 failures; other addresses are not', async () => {
  const sprayer = address();
  const statuses = [];
  for (let i = 0; i < 50; i++) statuses.push((await signIn(sprayer, `user${i}`, 'Summer2026!')).status);
  expect(statuses.slice(0, 40)).toEqual(Array(40).fill(401));
  expect(statuses.slice(40)).toEqual(Array(10).fill(429));
  const last = await signIn(sprayer, 'user99', 'Summer2026!');
  expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(3000);
  expect(refusalInChinese(last.body.error)).toBe('操作太频繁，请稍后再试');
  const someone = await app.staff('agent');
  expect((await signIn(address(), someone.username, PASSWORD)).status).toBe(200);
});

test('a wrong password for an unknown username takes as long as for a known one (no username probing by timing)', async () => {
  const known = await app.staff('sales');
  const time = async (username: string) => {
    const started = performance.now();
    expect((await signIn(address(), username, 'not-the-password')).status).toBe(401);
    return performance.now() - started;
  };
  const [k, u]: number[][] = [[], []];
  for (let i = 0; i < 9; i++) {
    k.push(await time(known.username));
    u.push(await time(`nobody-${i}-${randomBytes(3).toString('hex')}`));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // Both check one scrypt hash; before, an unknown username answered in about a tenth of the time.
  expect(median(u)).toBeGreaterThan(median(k) * 0.5);
}, 30_000);

test('a guessable staff password is refused on create and on change, in Chinese naming 密码; a strong one works', async () => {
  const admin = await app.staff('admin');
  const create = (password: string) =>
    app.request('POST', '/api/v1/staff', {
      token: admin.token,
      headers: { 'accept-language': 'zh-CN' },
      body: { username: 'wang.lei', name: '王磊', role: 'sales', password },
    });
  for (const weak of ['12345678', 'password-123', 'wang.lei2026', 'qwertyuiop']) {
    const refused = await create(weak);
    expect([weak, refused.status, refused.body.error.code]).toEqual([weak, 400, 'STAFF_WEAK_PASSWORD']);
    expect(refused.body.error.details).toMatchObject({ field: 'password' });
    expect(refusalInChinese(refused.body.error)).toMatch(/^密码太容易被猜到/);
  }
  expect((await app.request('GET', '/api/v1/staff', { token: admin.token })).body.items.map((s: any) => s.username)).not.toContain('wang.lei');
  const created = await create('lotus-ferry-1987');
  expect(created.status).toBe(201);

  const change = (password: string) => app.request('PATCH', `/api/v1/staff/${created.body.id}`, { token: admin.token, body: { password } });
  expect((await change('12345678')).body.error.code).toBe('STAFF_WEAK_PASSWORD');
  expect((await signIn(address(), 'wang.lei', 'lotus-ferry-1987')).status).toBe(200);
  expect((await change('copper-violin-5520')).status).toBe(200);
  expect((await signIn(address(), 'wang.lei', 'copper-violin-5520')).status).toBe(200);
});

test('shopper sign-ins (demo phone, WeChat H5) are throttled per address', async () => {
  const phone = '13900001234';
  await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone }, { name: '测试' }, 'test');
  const demo = (from: string, p: string) =>
    app.request('POST', '/api/v1/auth/shopper/demo-login', { headers: { 'x-forwarded-for': from }, body: { phone: p } });
  const prober = address();
  const statuses = [];
  for (let i = 0; i < 7; i++) statuses.push((await demo(prober, `1390000${String(i).padStart(4, '0')}`)).status);
  expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
  expect((await demo(prober, phone)).status).toBe(429);
  expect((await demo(address(), phone)).status).toBe(200);

  const oauth = (from: string) =>
    app.request('POST', '/api/v1/auth/shopper/wechat', { headers: { 'x-forwarded-for': from }, body: { code: randomBytes(8).toString('hex') } });
  const from = address();
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push((await oauth(from)).status);
  expect(answers.slice(0, 5).every((s) => s !== 429 && s < 500)).toBe(true);
  expect(answers[5]).toBe(429);
  expect((await oauth(address())).status).not.toBe(429);
});
