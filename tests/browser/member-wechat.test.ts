import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { TestApp } from '../support/harness.js';
import { ensureH5Built, launchBrowser, phonePage, screenshot } from '../support/browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * Production sign-in to the member center: WeChat web OAuth (snsapi_base), against a local stand-in
 * speaking WeChat's protocol — open.weixin.qq.com/connect/oauth2/authorize (inside WeChat it returns at
 * once with ?code&state) and api.weixin.qq.com/sns/oauth2/access_token (code → openid/unionid, once).
 */
const APPID = 'wx-mp-test';
const SECRET = 'mp-secret-test';
let wechat: Server;
let wechatUrl = '';
let app: TestApp;
let browser: Browser;
const codes = new Map<string, { openid: string; unionid?: string; used: boolean }>();
let current = { openid: 'o-mp-alice', unionid: 'u-alice' };
const calls: string[] = [];

beforeAll(async () => {
  ensureH5Built();
  let n = 0;
  wechat = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const q = Object.fromEntries(url.searchParams);
    calls.push(url.pathname);
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/connect/oauth2/authorize') {
      if (q.appid !== APPID || q.scope !== 'snsapi_base' || q.response_type !== 'code' || !URL.canParse(q.redirect_uri ?? ''))
        return res.writeHead(400).end('bad request');
      const code = `code-${++n}`;
      codes.set(code, { ...current, used: false });
      const back = new URL(q.redirect_uri!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.state ?? '');
      return res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/sns/oauth2/access_token') {
      if (q.appid !== APPID || q.secret !== SECRET || q.grant_type !== 'authorization_code') return json({ errcode: 40125, errmsg: 'invalid appsecret' });
      const c = codes.get(q.code ?? '');
      if (!c) return json({ errcode: 40029, errmsg: 'invalid code' });
      if (c.used) return json({ errcode: 40163, errmsg: 'code been used' });
      c.used = true;
      return json({
        access_token: 'at',
        expires_in: 7200,
        refresh_token: 'rt',
        openid: c.openid,
        scope: 'snsapi_base',
        ...(c.unionid ? { unionid: c.unionid } : {}),
      });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => wechat.listen(0, '127.0.0.1', r));
  wechatUrl = `http://127.0.0.1:${(wechat.address() as AddressInfo).port}/`;
  app = await startLoyaltyTestApp({
    plugins: [staticH5Plugin()],
    env: { WECHAT_MP_APPID: APPID, WECHAT_MP_SECRET: SECRET, WECHAT_API_BASE: wechatUrl, WECHAT_OAUTH_AUTHORIZE_URL: `${wechatUrl}connect/oauth2/authorize` },
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await new Promise((r) => wechat?.close(r));
});

test('a shopper opening the member center in WeChat is signed in without typing anything, as the profile their unionid already has', async () => {
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  // Known from the mini-app (same Open Platform unionid), with points already.
  const alice = await s.customers.identify(tenant, { unionId: 'u-alice' }, { name: '孙悦' });
  const admin = await app.staff('admin');
  expect(
    (
      await app.request('POST', `/api/v1/loyalty/members/${alice}/points`, {
        token: admin.token,
        body: { points: 321, reason: '小程序签到', idempotencyKey: 'wechat-seed-1' },
      })
    ).status,
  ).toBe(201);

  const page = await phonePage(browser);
  await page.goto(`${app.url}/h5/member/points`);
  await page.locator('[data-test=points-balance]', { hasText: '321' }).waitFor();
  expect(page.url()).toBe(`${app.url}/h5/member/points`); // back where they started, the one-time code dropped
  expect(calls).toEqual(['/connect/oauth2/authorize', '/sns/oauth2/access_token']);
  await screenshot(page, 'member-wechat-signed-in');
  // The profile now also knows this Official Account's openid.
  expect(await s.customers.findByIdentity(tenant, { openId: 'o-mp-alice', appId: APPID })).toBe(alice);
  await page.context().close();
});

test('a used code is refused, and a sign-in link that this browser did not start is not honoured', async () => {
  const used = [...codes.keys()][0]!;
  const again = await app.request('POST', '/api/v1/auth/shopper/wechat', { body: { code: used } });
  expect(again.status).toBe(401);
  expect(again.body.error.message).toMatch(/open the member center again/);

  current = { openid: 'o-mp-mallory', unionid: 'u-mallory' };
  const page = await phonePage(browser);
  // A link someone else made: a fresh code, but a state this browser never sent.
  const forged = `code-forged`;
  codes.set(forged, { ...current, used: false });
  await page.goto(`${app.url}/h5/member?code=${forged}&state=not-mine-123`);
  await page.locator('[data-test=login-error]', { hasText: '登录链接已失效' }).waitFor();
  expect(codes.get(forged)!.used).toBe(false); // never even swapped
  expect(page.url()).not.toContain('code=');
  await page.context().close();
});

test('the WeChat sign-in only ever returns to a page of this site', async () => {
  const res = await app.request('GET', '/api/v1/auth/shopper/wechat/authorize?path=/h5/member&state=abcdefgh1');
  expect(res.status).toBe(200);
  expect(res.body.url).toContain(`appid=${APPID}`);
  expect(res.body.url).toContain(encodeURIComponent(`${app.url}/h5/member`));
  const offsite = await app.request('GET', `/api/v1/auth/shopper/wechat/authorize?path=${encodeURIComponent('https://evil.example/')}&state=abcdefgh1`);
  expect(offsite.status).toBe(400);
});
