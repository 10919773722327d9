import { z } from 'zod';
import { SourceThrottle } from '../../shared/sign-in-limits.js';
import { ApiRouter } from '../../shared/http/route.js';
import { AppError, notFound } from '../../shared/app-error.js';
import type { Deps } from '../../shared/deps.js';
import { demoSignIn } from '../../config/env.js';
import { dateTime, objectIdString } from '../../shared/http/api-schemas.js';
import type { CustomerService } from '../customers/customer.service.js';
import { ShopperAuthErrorCode } from './shopper-wechat-auth.js';
import type { ShopperAuth } from './shopper-auth.module.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface ShopperAuthRouteApis {
  customers: CustomerService;
  deps: Deps;
  shopperAuth: ShopperAuth;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const SHOPPER = ['shopper'] as const;
const ShopperSession = z.object({ token: z.string(), expiresAt: dateTime, customerId: objectIdString });
const session = z.object({ token: z.string().describe('send as Authorization: Bearer'), expiresAt: dateTime, customerId: objectIdString });
const code = z.string().trim().min(1, msg('MINIAPP_LOGIN_CODE')).max(256);

/** `/api/v1/auth/shopper/*`: the H5's WeChat OAuth (snsapi_base), the demo sign-in and sign-out. */
export function shopperAuthRoutes(s: ShopperAuthRouteApis) {
  const api = new ApiRouter('/api/v1/auth/shopper', 'auth');
  // Per address: a phone number is the demo sign-in's only secret, so it fails closed without Redis;
  // a WeChat code is checked by WeChat, so that sign-in goes ahead (README "Faults").
  const perMinute = s.deps.config.SHOPPER_SIGN_IN_PER_MINUTE;
  const demoThrottle = new SourceThrottle(s.deps.redis, 'shopper_demo', perMinute, 60, false);
  const wechatThrottle = new SourceThrottle(s.deps.redis, 'shopper_wechat', perMinute, 60, true);
  api.route(
    {
      method: 'post',
      path: '/demo-login',
      allow: 'public',
      summary: 'DEMO ONLY (DEMO_MODE=true and HOST on loopback): sign in as a seeded shopper by customer id or phone; 404 otherwise',
      body: z.union([z.object({ customerId: objectId }).strict(), z.object({ phone: z.string().regex(/^1\d{10}$/, msg('MAINLAND_MOBILE')) }).strict()]),
      response: ShopperSession,
      errors: [404, 429],
    },
    async ({ body, ctx }) => {
      // Off unless the demo launcher turned it on and no one beyond this machine can reach the server.
      if (!demoSignIn(s.deps.config).on) throw notFound('Route');
      const tenantId = ctx.state.tenantId as string;
      await demoThrottle.take(tenantId, ctx.ip);
      const id = 'customerId' in body ? body.customerId : await s.customers.findByIdentity(tenantId, { phone: body.phone });
      if (!id) throw notFound('Customer');
      const customer = await s.customers.get(tenantId, id);
      return s.customers.sessions.issue(tenantId, String(customer._id));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/wechat/authorize',
      allow: 'public',
      summary: 'Where to send the shopper for WeChat sign-in (snsapi_base); 404 when no Official Account is configured',
      query: z.object({
        path: z.string().regex(/^\/h5\/[^\s#]*$/, msg('H5_PATH')),
        state: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, msg('OAUTH_STATE_FORMAT')),
      }),
      response: z.object({ url: z.string() }),
      errors: [404],
    },
    ({ query, ctx }) => {
      const { config } = s.deps;
      if (!s.shopperAuth.wechat.enabled())
        throw new AppError(ShopperAuthErrorCode.OAUTH_OFF, 'WeChat sign-in is not configured (WECHAT_MP_APPID, WECHAT_MP_SECRET)', { status: 404 });
      // Back to our own origin only, so the sign-in cannot be turned into an open redirect (set PUBLIC_URL in
      // production; WeChat itself also refuses a redirect outside the Official Account's authorised domain).
      const origin = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : `${ctx.protocol}://${ctx.host}`;
      return { url: s.shopperAuth.wechat.authorizeUrl(origin + query.path, query.state) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/wechat',
      allow: 'public',
      summary: 'Exchange the WeChat OAuth code for a shopper session (the profile is found or created by openid/unionid)',
      body: z.object({ code: z.string().trim().min(1).max(512) }).strict(),
      response: ShopperSession,
      errors: [401, 404, 429],
    },
    async ({ body, ctx }) => {
      const { config } = s.deps;
      if (!s.shopperAuth.wechat.enabled())
        throw new AppError(ShopperAuthErrorCode.OAUTH_OFF, 'WeChat sign-in is not configured (WECHAT_MP_APPID, WECHAT_MP_SECRET)', { status: 404 });
      const tenantId = ctx.state.tenantId as string;
      await wechatThrottle.take(tenantId, ctx.ip);
      const who = await s.shopperAuth.wechat.exchangeCode(body.code);
      const id = await s.customers.identify(
        tenantId,
        { openId: who.openid, appId: config.WECHAT_MP_APPID, ...(who.unionid ? { unionId: who.unionid } : {}) },
        {},
        'wechat-h5',
      );
      return s.customers.sessions.issue(tenantId, id);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/logout',
      allow: SHOPPER,
      errors: [404],
      summary: 'Sign out: every session of this shopper (all devices) is refused from the next request on',
      response: z.object({ signedOut: z.literal(true) }),
    },
    async ({ principal, tenantId }) => {
      if (principal.kind !== 'shopper') throw notFound('Shopper');
      await s.customers.sessions.end(tenantId, [principal.customerId]);
      return { signedOut: true };
    },
  );
  return api;
}

/** `POST /api/v1/auth/miniapp`: beside `/auth/shopper/demo-login`, the real sign-in for the mini-app. */
export function miniappAuthRoutes(s: ShopperAuthRouteApis) {
  const api = new ApiRouter('/api/v1/auth', 'auth');
  api.route(
    {
      method: 'post',
      path: '/miniapp',
      allow: 'public',
      summary: 'Mini-app sign-in: a wx.login code → a shopper token for the same profile as the H5',
      body: z.object({ code }).strict(),
      response: session.extend({ phoneBound: z.boolean() }),
      errors: [401, 429],
    },
    async ({ body, ctx }) => s.shopperAuth.miniapp.login(ctx.state.tenantId as string, body.code, ctx.ip),
  );
  return api;
}
