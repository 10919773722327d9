import { z } from 'zod';
import QRCode from 'qrcode';
import { ApiRouter, routeTable } from '../shared/http/route.js';
import type { Principal } from '../shared/http/principal.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { LoyaltyService } from '../modules/loyalty/loyalty.service.js';
import type { Miniapp } from './wechat.adapter.js';
import { maskPhone } from '../modules/privacy/masking.js';
import { PHONE_POLICY_VERSION } from '../modules/shopper-auth/miniapp-auth.service.js';
import type { ShopperAuth } from '../modules/shopper-auth/shopper-auth.module.js';
import { dateTime, int, objectIdString } from '../shared/http/api-schemas.js';
import { MemberSummary } from '../modules/loyalty/loyalty.responses.js';
import { msg } from '../shared/http/validation-message.js';

const session = z.object({ token: z.string().describe('send as Authorization: Bearer'), expiresAt: dateTime, customerId: objectIdString });
const shopperAction = z
  .object({ method: z.string(), path: z.string().describe('under /api/v1') })
  .nullable()
  .describe('null when the server has no such action');
const miniappConfig = z.object({
  appId: z.string().nullable(),
  phonePolicyVersion: z.string(),
  subscribeTemplates: z.object({ coupon_expiry: z.string().nullable(), points_expiry: z.string().nullable() }),
  privacy: z.object({ consents: shopperAction, export: shopperAction, erasure: shopperAction }),
});
const reminders = z.object({ coupon_expiry: int, points_expiry: int }).describe('reminders allowed and not yet sent, by kind');

/** The module APIs these routes use, and nothing else. */
export interface MiniappRouteApis {
  customers: CustomerService;
  loyalty: LoyaltyService;
  miniapp: Miniapp;
  shopperAuth: ShopperAuth;
}

const SHOPPER = ['shopper'] as const;
const code = z.string().trim().min(1, msg('MINIAPP_LOGIN_CODE')).max(256);
const shopperId = (p: Principal) => (p as Extract<Principal, { kind: 'shopper' }>).customerId;

/**
 * A shopper route, if the module that owns it is present (the privacy module's consents, export and
 * erasure), so the mini-app offers exactly the actions the server has and shows the rest as unavailable.
 */
function findShopperRoute(method: string, pattern: RegExp): { method: string; path: string } | null {
  const hit = routeTable.find((r) => r.method === method && r.allow !== 'public' && r.allow.includes('shopper') && pattern.test(r.path));
  return hit ? { method: hit.method.toUpperCase(), path: hit.path.replace(/^\/api\/v1/, '') } : null;
}

export function miniappRoutes(s: MiniappRouteApis) {
  const api = new ApiRouter('/api/v1/miniapp', 'miniapp');

  api.route(
    {
      method: 'get',
      path: '/config',
      allow: 'public',
      summary: 'What the mini-app needs to know: subscribe template ids, which privacy actions exist',
      response: miniappConfig,
    },
    () => ({
      appId: s.miniapp.client.appId || null,
      phonePolicyVersion: PHONE_POLICY_VERSION,
      subscribeTemplates: s.miniapp.reminders.templates(),
      privacy: {
        consents: findShopperRoute('put', /^\/api\/v1\/me\/privacy\/consents$/),
        export: findShopperRoute('get', /^\/api\/v1\/me\/privacy\/export$/),
        erasure: findShopperRoute('post', /^\/api\/v1\/me\/privacy\/erasure$/),
      },
    }),
  );

  // /me/card plus the code drawn as a PNG: a mini-program has no QR drawing of its own.
  api.route(
    {
      method: 'get',
      path: '/card',
      allow: SHOPPER,
      summary: 'My member card (as /me/card) with its 5-minute scan code as a QR image',
      response: MemberSummary.extend({
        card: z.object({ payload: z.string(), expiresAt: dateTime, qr: z.string().describe('the payload as a PNG data: URL') }),
      }),
      errors: [404],
    },
    async ({ principal, tenantId }) => {
      const id = String((await s.customers.get(tenantId, shopperId(principal)))._id);
      const member = await s.loyalty.join(tenantId, id, 'shopper');
      const card = await s.loyalty.members.cardPayload(tenantId, member);
      const qr = await QRCode.toDataURL(card.payload, { errorCorrectionLevel: 'M', margin: 1, width: 360 });
      return { ...(await s.loyalty.summary(tenantId, id)), card: { ...card, qr } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/phone',
      allow: SHOPPER,
      summary: 'Bind the phone number the shopper shared through getPhoneNumber (consent required)',
      body: z.object({ code, consent: z.literal(true, msg('PHONE_CONSENT')) }).strict(),
      response: session.extend({ phone: z.string().describe('masked: 138****0000') }),
      errors: [404, 409, 429],
    },
    async ({ principal, tenantId, body }) => {
      const r = await s.shopperAuth.miniapp.bindPhone(tenantId, shopperId(principal), body.code);
      return { token: r.token, expiresAt: r.expiresAt, customerId: r.customerId, phone: maskPhone(r.phone) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/subscriptions',
      allow: SHOPPER,
      status: 201,
      summary: 'Record the result of wx.requestSubscribeMessage (each accept allows one reminder)',
      body: z
        .object({
          idempotencyKey: z.string().trim().min(8, msg('IDEMPOTENCY_KEY_SUBSCRIBE')).max(64),
          results: z.record(z.string().min(1).max(128), z.string().max(32)),
        })
        .strict(),
      response: reminders,
      errors: [404, 409],
    },
    async ({ principal, tenantId, body }) => s.miniapp.reminders.grant(tenantId, shopperId(principal), body.idempotencyKey, body.results),
  );

  api.route(
    {
      method: 'get',
      path: '/subscriptions',
      allow: SHOPPER,
      summary: 'How many reminders of each kind I have allowed and not yet received',
      response: reminders,
      errors: [404],
    },
    async ({ principal, tenantId }) => s.miniapp.reminders.available(tenantId, shopperId(principal)),
  );

  return api;
}
