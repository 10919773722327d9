import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { DeskService } from './desk.service.js';
import type { Actor } from './handoff.service.js';
import type { IncomingMessage } from 'node:http';
import { ValidationError } from '../../shared/http/route.js';
import { wantsChinese } from '../../shared/http/validation-zh.js';
import { ATTACHMENT_TYPES, tooLarge, kindOf } from './attachment.service.js';
import { ATTACHMENT_FILE, Mentions, Message, UploadedAttachment } from './conversation.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface InboxRouteApis {
  desk: DeskService;
}

type Staff = Extract<Principal, { kind: 'staff' }>;
const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const actor = (p: Principal): Actor => {
  const s = p as Staff;
  return { id: s.id, name: s.name, role: s.role };
};

/** The upload's declared type: one a channel can send (the body is read only after this passes). */
const uploadHeaders = z.object({
  'content-type': z.enum(ATTACHMENT_TYPES, { error: msg('ATTACHMENT_TYPE') }),
});

/** Reads the raw body, refusing once it passes `limit` (the declared length is checked first). */
async function readBody(req: IncomingMessage, limit: number, onTooLarge: () => Error): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw onTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw onTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The inbox's own lists beside the conversations (提及我), 重试 on a failed message, and attachments. */
export function inboxRoutes(s: InboxRouteApis) {
  const api = new ApiRouter('/api/v1/desk', 'conversations');

  api.route(
    {
      method: 'get',
      path: '/mentions',
      allow: ['agent', 'community_manager', 'sales'],
      summary: '提及我: notes that @mention me in chats I have not opened since, newest first, with their count',
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(30) }),
      response: Mentions,
    },
    ({ query, principal, tenantId }) => s.desk.mentions.unread(tenantId, (principal as Staff).id, query.limit),
  );

  api.route(
    {
      method: 'post',
      path: '/messages/:id/retry',
      allow: ['agent'],
      summary: '重试: send a reply or notice whose delivery failed again (the chat’s assignee); it shows queued, then sent or failed with the reason',
      params: z.object({ id: objectId }),
      response: Message,
      errors: [409],
    },
    ({ params, principal, tenantId }) => s.desk.retryDelivery(tenantId, params.id, actor(principal)),
  );

  api.route(
    {
      method: 'post',
      path: '/attachments',
      allow: ['agent'],
      status: 201,
      summary:
        'Upload an image (JPG/PNG, ≤ 10 MB) or file (PDF, Office, text, CSV, ZIP; ≤ 20 MB) as the raw body with its Content-Type; then send it with POST conversations/:id/messages { attachmentId }',
      response: UploadedAttachment,
      query: z.object({ name: z.string().trim().min(1, msg('FILE_NAME_REQUIRED')).max(200) }),
      errors: [413, 415],
    },
    async ({ query, tenantId, ctx }) => {
      const type = String(ctx.get('content-type')).split(';')[0].trim().toLowerCase();
      const parsed = uploadHeaders.safeParse({ 'content-type': type });
      if (!parsed.success) throw new ValidationError('headers', parsed.error, wantsChinese(ctx));
      const mime = parsed.data['content-type'];
      const bytes = await readBody(ctx.req, s.desk.attachments.maxBytes, () => tooLarge(kindOf(mime)));
      return s.desk.attachments.upload(tenantId, { name: query.name, mime, bytes });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/attachments/:id',
      allow: ['agent', 'community_manager'],
      summary: 'An image or file of a chat (either way), for the inbox to show',
      params: z.object({ id: objectId }),
      produces: ATTACHMENT_FILE,
    },
    async ({ params, tenantId, ctx }) => {
      const file = await s.desk.attachments.get(tenantId, params.id);
      if (!file) throw notFound('Attachment');
      ctx.type = file.mime;
      // Images show in the page; anything else is downloaded, never rendered by the browser.
      ctx.set('Content-Disposition', `${kindOf(file.mime) === 'image' ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`);
      ctx.set('Cache-Control', 'private, max-age=86400');
      ctx.body = file.bytes;
      return undefined;
    },
  );

  return api;
}
