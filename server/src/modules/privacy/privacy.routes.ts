import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { conflict, notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { AuditService } from '../staff/audit.service.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { Privacy } from './privacy.module.js';
import { requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import { CONSENT_CHANNELS } from './privacy.model.js';
import { CONSENT_TEXTS, CONSENT_TEXT_VERSION } from './consent-texts.js';
import { PrivacyErrorCode } from './privacy.exception.js';
import { auditRead } from './personal-data-audit.js';
import { ConsentHistory, Consents, ConsentTexts, Erasure, PersonalDataExport } from './privacy.responses.js';
import { int } from '../../shared/http/api-schemas.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface PrivacyRouteApis {
  audit: AuditService;
  customers: CustomerService;
  privacy: Privacy;
}

/** The words a shopper is asked to agree to, with their version (shown next to the switches). */
const consentTexts = () => ({ version: CONSENT_TEXT_VERSION, purposes: CONSENT_TEXTS });

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const STAFF = ['admin', 'community_manager', 'sales', 'agent'] as const;
const shopperId = (p: Principal) => {
  if (p.kind !== 'shopper') throw notFound('Shopper');
  return p.customerId;
};

/** The shopper's own privacy controls: consent per purpose, export, erasure. The customer is always the token's. */
export function myPrivacyRoutes(s: PrivacyRouteApis) {
  const api = new ApiRouter('/api/v1/me', 'privacy');
  const P = s.privacy;

  api.route(
    {
      method: 'get',
      path: '/privacy',
      allow: ['shopper'],
      summary: 'My consents (marketing, profiling: off until I agree) with when, where and on which text I gave them, and the texts',
      response: z.object({ consents: Consents, history: ConsentHistory, texts: ConsentTexts }),
      errors: [404],
    },
    async ({ principal, tenantId }) => {
      const c = await s.customers.get(tenantId, shopperId(principal));
      return { consents: await P.consents.get(tenantId, String(c._id)), history: await P.consents.history(tenantId, String(c._id)), texts: consentTexts() };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/privacy/consents',
      allow: ['shopper'],
      summary:
        'Give or withdraw consent per purpose; withdrawing marketing stops every campaign message at once. `version`: the consent text shown (409 when it is no longer the one in force)',
      body: z
        .object({
          marketing: z.boolean().optional(),
          profiling: z.boolean().optional(),
          channel: z.enum(CONSENT_CHANNELS).default('h5'),
          version: z.string().trim().min(1).max(32).optional(),
        })
        .strict()
        .refine((b) => b.marketing !== undefined || b.profiling !== undefined, { message: msg('CONSENT_CHOICE_REQUIRED') }),
      response: z.object({ consents: Consents, texts: ConsentTexts }),
      errors: [404, 409],
    },
    async ({ principal, tenantId, body }) => {
      const id = String((await s.customers.get(tenantId, shopperId(principal)))._id);
      // Consent is to the words shown: a page holding an older text must show the new one first.
      if (body.version && body.version !== CONSENT_TEXT_VERSION) {
        throw conflict(
          PrivacyErrorCode.CONSENT_TEXT_CHANGED,
          'The consent text has changed since this page loaded: reload it, read the new text and choose again',
          { shown: body.version, current: CONSENT_TEXT_VERSION },
        );
      }
      if (body.marketing !== undefined) await P.consents.set(tenantId, id, 'marketing', body.marketing, body.channel, `shopper:${id}`);
      if (body.profiling !== undefined) await P.consents.set(tenantId, id, 'profiling', body.profiling, body.channel, `shopper:${id}`);
      return { consents: await P.consents.get(tenantId, id), texts: consentTexts() };
    },
  );

  // Also under /privacy/, where the mini-app looks for the privacy actions it can offer.
  for (const path of ['/export', '/privacy/export']) {
    api.route(
      {
        method: 'get',
        path,
        allow: ['shopper'],
        summary: 'Download my data: profile, identities, points ledger, coupons, orders, conversations (JSON)',
        response: PersonalDataExport,
        errors: [404],
      },
      async ({ principal, tenantId, ctx }) => {
        const doc = await P.exports.build(tenantId, shopperId(principal), 'shopper');
        await auditRead(s.audit, principal, tenantId, 'privacy.export', doc.profile.id, { by: 'self' });
        ctx.set('Content-Disposition', `attachment; filename="my-data-${doc.profile.id}.json"`);
        ctx.set('Cache-Control', 'no-store');
        return doc;
      },
    );
  }

  for (const path of ['/erasure', '/privacy/erasure']) {
    api.route(
      {
        method: 'post',
        path,
        allow: ['shopper'],
        summary: 'Erase my personal data (irreversible; points totals stay, anonymised). Repeating it answers the same',
        body: z.object({ confirm: z.literal(true, msg('ERASE_CONFIRM')) }).strict(),
        response: Erasure,
        errors: [404, 409],
      },
      ({ principal, tenantId }) => {
        const id = shopperId(principal);
        return P.erasure.erase(tenantId, id, { id, role: 'shopper' });
      },
    );
  }
  return api;
}

/** Staff side: consent lookup for anyone who may see the customer; export and erasure for admins, audited. */
export function privacyAdminRoutes(s: PrivacyRouteApis) {
  const api = new ApiRouter('/api/v1/privacy', 'privacy');
  const P = s.privacy;
  const params = z.object({ id: objectId });

  api.route(
    {
      method: 'get',
      path: '/customers/:id/consents',
      allow: STAFF,
      summary: 'A customer’s consents per purpose',
      params,
      use: [requireVisibleCustomer(s.customers, 'id')],
      response: z.object({ consents: Consents, history: ConsentHistory }),
    },
    async ({ tenantId, ctx }) => {
      const c = visibleCustomer(ctx);
      return { consents: await P.consents.get(tenantId, String(c._id)), history: await P.consents.history(tenantId, String(c._id)) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/customers/:id/export',
      allow: ['admin'],
      summary: 'Export a customer’s personal data (a data-subject request); recorded in the audit log',
      params,
      response: PersonalDataExport,
    },
    async ({ principal, tenantId, params, ctx }) => {
      const doc = await P.exports.build(tenantId, params.id, 'staff');
      const staff = principal as Extract<Principal, { kind: 'staff' }>;
      await s.audit.record({
        tenantId,
        actorId: staff.id,
        actorRole: staff.role,
        action: 'privacy.export',
        targetType: 'customers',
        targetId: doc.profile.id,
        details: { ip: ctx.ip },
      });
      ctx.set('Cache-Control', 'no-store');
      return doc;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/customers/:id/erasure',
      allow: ['admin'],
      audit: false,
      summary: 'Erase a customer’s personal data on their request (irreversible, idempotent); recorded in the audit log',
      params,
      body: z.object({ reason: z.string().trim().min(2, msg('PRIVACY_REASON_REQUIRED')).max(200) }).strict(),
      response: Erasure,
      errors: [409],
    },
    ({ principal, tenantId, params }) => {
      const staff = principal as Extract<Principal, { kind: 'staff' }>;
      return P.erasure.erase(tenantId, params.id, { id: staff.id, role: staff.role });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/erasures',
      allow: ['admin'],
      summary: 'Erasures, newest first, with what could not be erased in WeCom yet (retried by the privacy.erasure-wecom job)',
      query: z.object({ pending: z.enum(['wecom']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
      response: z.object({
        items: z.array(Erasure.omit({ already: true }).extend({ requestedBy: z.string().describe('who asked: the shopper, or the admin') })),
      }),
    },
    async ({ tenantId, query }) => ({ items: await P.erasure.list(tenantId, { wecomPending: query.pending === 'wecom', limit: query.limit }) }),
  );

  api.route(
    {
      method: 'post',
      path: '/retention/run',
      allow: ['admin'],
      summary: 'Apply the retention periods now (also runs daily)',
      response: z
        .object({ tenants: int, conversations: int, messages: int, outbound: int, events: int, callbacks: int, attachments: int })
        .describe('how many of each were deleted (attachments: files in the desk store)'),
    },
    () => P.retention.run(),
  );
  return api;
}
