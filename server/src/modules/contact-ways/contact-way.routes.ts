import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { ContactWayService } from './contact-way.service.js';

/** The module APIs these routes use, and nothing else. */
export interface ContactWayRouteApis {
  contactWays: ContactWayService;
}
import { AppError, notFound } from '../../shared/app-error.js';
import { WecomErrorCode } from '../../wecom/wecom.exception.js';
import { ContactWayDetail, ContactWayList } from './contact-way.responses.js';
import { msg } from '../../shared/http/validation-message.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const idParams = z.object({ id: objectId });
const MANAGERS = ['admin', 'community_manager'] as const;

const welcome = z
  .object({
    text: z.string().trim().min(1).max(4000, msg('WELCOME_TEXT_AT_MOST_4000_BYTES')).optional(),
    link: z
      .object({ title: z.string().trim().min(1).max(128), url: z.string().url(), desc: z.string().max(512).optional(), picurl: z.string().url().optional() })
      .optional(),
  })
  .refine((w) => w.text || w.link, { message: msg('WELCOME_CONTENT_REQUIRED') });

const body = z.object({
  name: z.string().trim().min(1).max(64),
  // WeCom takes at most 100 members on one contact way (doc 92228); backups replace them when at cap.
  staffIds: z.array(objectId).min(1, msg('STAFF_REQUIRED')).max(100, msg('CONTACT_WAY_STAFF_AT_MOST_100')),
  backupStaffIds: z.array(objectId).max(100, msg('CONTACT_WAY_BACKUP_AT_MOST_100')).default([]),
  tagIds: z.array(objectId).max(50).default([]),
  welcome: welcome.optional(),
  dailyCap: z.number().int().min(1).max(100_000).optional(),
  skipVerify: z.boolean().default(true),
});

/** Channel QR codes (活码): create, list with add statistics, change, delete. */
export function contactWayRoutes(s: ContactWayRouteApis) {
  const api = new ApiRouter('/api/v1/wecom/contact-ways', 'wecom');
  const ways = s.contactWays;
  api.route({ method: 'get', path: '/', allow: MANAGERS, summary: 'Channel QR codes with add statistics', response: ContactWayList }, async ({ tenantId }) => ({
    items: await ways.list(tenantId),
  }));
  api.route(
    {
      method: 'get',
      path: '/sources',
      allow: ['admin', 'community_manager', 'sales', 'agent'],
      summary: "Channel codes' names by the source they stamp on customers (wecom:<state>), for showing where a customer came from",
      response: z.object({
        items: z.array(z.object({ source: z.string().describe('wecom:<state>, as on a customer'), name: z.string(), deleted: z.boolean() })),
      }),
    },
    async ({ tenantId }) => ({ items: await ways.sourceNames(tenantId) }),
  );
  api.route(
    {
      method: 'post',
      path: '/',
      allow: MANAGERS,
      status: 201,
      summary: 'Create a channel QR code (WeCom contact way)',
      body,
      response: ContactWayDetail,
      errors: [404, 502],
    },
    ({ tenantId, body, principal }) => ways.create(tenantId, body, principal.kind === 'staff' ? principal.id : undefined),
  );
  api.route(
    { method: 'get', path: '/:id', allow: MANAGERS, summary: 'A channel QR code with adds per day', params: idParams, response: ContactWayDetail },
    ({ tenantId, params }) => ways.get(tenantId, params.id),
  );
  api.route(
    {
      method: 'patch',
      path: '/:id',
      allow: MANAGERS,
      summary: 'Change staff, tags, welcome message or cap of a channel QR code',
      params: idParams,
      body: body.partial().strict(),
      response: ContactWayDetail,
      errors: [502],
    },
    ({ tenantId, params, body }) => ways.update(tenantId, params.id, body),
  );
  api.route(
    {
      method: 'get',
      path: '/:id/qr.png',
      allow: MANAGERS,
      summary: "The code's QR image as a file to download (fetched from where WeCom hosts it, doc 92228's qr_code)",
      params: idParams,
      produces: { types: ['image/*'], description: 'The QR image (PNG unless WeCom serves another image type), as an attachment' },
      errors: [502],
    },
    async ({ tenantId, params, ctx }) => {
      const way = await ways.get(tenantId, params.id);
      if (!way.qrCode) throw notFound('QR image');
      let res: Response;
      try {
        res = await fetch(way.qrCode, { signal: AbortSignal.timeout(10_000) });
      } catch {
        res = new Response(null, { status: 599 });
      }
      if (!res.ok) throw new AppError(WecomErrorCode.UNREACHABLE, `WeCom did not serve the QR image (HTTP ${res.status})`, { status: 502 });
      ctx.type = res.headers.get('content-type')?.startsWith('image/') ? res.headers.get('content-type')! : 'image/png';
      ctx.attachment(`${way.name}.png`);
      return Buffer.from(await res.arrayBuffer());
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/:id',
      allow: MANAGERS,
      summary: 'Delete a channel QR code (in WeCom too)',
      params: idParams,
      response: z.object({ id: z.string(), deleted: z.literal(true) }),
      errors: [429],
    },
    ({ tenantId, params }) => ways.remove(tenantId, params.id),
  );
  return api;
}
