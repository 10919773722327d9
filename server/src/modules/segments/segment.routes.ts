import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Broadcasts } from '../broadcasts/broadcasts.module.js';
import type { SegmentService } from './segment.service.js';
import { customerView } from '../customers/customer.view.js';
import { audienceSchema } from './audience.schema.js';
import { audienceIssueWords } from './audience.wording.js';
import { conflict } from '../../shared/app-error.js';
import { SegmentErrorCode } from './segment.service.js';
import { AudiencePreview, Segment, SegmentWithUsage } from './segment.responses.js';
import { msg } from '../../shared/http/validation-message.js';
import type { SegmentModel } from './segment.model.js';
import type { LeanDoc } from '../../shared/db.js';

/** The module APIs these routes use, and nothing else. */
export interface SegmentRouteApis {
  broadcasts: Broadcasts;
  segments: SegmentService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const idParams = z.object({ id: objectId });
/** Audiences are the community managers' tool; admins may do everything staff may. */
const MANAGERS = ['community_manager'] as const;

const view = (seg: LeanDoc<typeof SegmentModel>, count?: number) => ({
  id: String(seg._id),
  name: seg.name,
  description: seg.description,
  audience: seg.audience,
  mode: seg.mode,
  memberCount: count ?? seg.memberCount,
  snapshotAt: seg.snapshotAt,
  createdBy: seg.createdBy,
  createdAt: seg.createdAt,
  updatedAt: seg.updatedAt,
});

export function segmentRoutes(s: SegmentRouteApis) {
  const api = new ApiRouter('/api/v1/segments', 'segments');

  api.route(
    {
      method: 'post',
      path: '/preview',
      allow: MANAGERS,
      audit: false,
      summary: 'Live count and a sample of the customers an audience matches (while editing)',
      body: z.object({ audience: audienceSchema, sampleSize: z.number().int().min(0).max(50).default(10) }).strict(),
      response: AudiencePreview,
      words: audienceIssueWords,
    },
    async ({ body, tenantId, principal }) => {
      const { count, sample, tookMs } = await s.segments.preview(tenantId, body.audience, body.sampleSize);
      return { count, tookMs: Math.round(tookMs * 10) / 10, sample: sample.map((c) => customerView(c, principal)) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/',
      allow: MANAGERS,
      status: 201,
      summary: 'Save a segment: dynamic (evaluated at use) or snapshot (members frozen now)',
      body: z
        .object({
          name: z.string().trim().min(1, msg('SEGMENT_NAME_REQUIRED')).max(64),
          description: z.string().trim().max(500).optional(),
          audience: audienceSchema,
          mode: z.enum(['dynamic', 'snapshot']).default('dynamic'),
        })
        .strict(),
      response: Segment,
      errors: [409],
      words: audienceIssueWords,
    },
    async ({ body, tenantId, principal }) => view(await s.segments.create(tenantId, body, principal.kind === 'staff' ? principal.id : undefined)),
  );

  api.route(
    {
      method: 'get',
      path: '/',
      allow: MANAGERS,
      summary: 'Saved segments, last changed first, with the campaigns that send to each',
      response: z.object({ items: z.array(SegmentWithUsage) }),
    },
    async ({ tenantId }) => {
      const segments = await s.segments.list(tenantId);
      // Journeys pick people by trigger, never by segment: campaigns are the only users to show.
      const usage = await s.broadcasts.campaignsUsingSegments(
        tenantId,
        segments.map((seg) => String(seg._id)),
      );
      return { items: segments.map((seg) => ({ ...view(seg), usage: usage.get(String(seg._id)) ?? { campaigns: 0, open: [] } })) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id',
      allow: MANAGERS,
      summary: 'A saved segment with its current member count',
      params: idParams,
      response: Segment,
      errors: [409],
    },
    async ({ params, tenantId }) => {
      const seg = await s.segments.get(tenantId, params.id);
      return view(seg, await s.segments.count(tenantId, params.id));
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/:id',
      allow: MANAGERS,
      summary: 'Rename a segment, change its description or (dynamic segments) its audience',
      params: idParams,
      body: z
        .object({ name: z.string().trim().min(1, msg('SEGMENT_NAME_REQUIRED')).max(64), description: z.string().trim().max(500), audience: audienceSchema })
        .partial()
        .strict()
        .refine((b) => Object.keys(b).length > 0, { message: msg('SEGMENT_CHANGE_REQUIRED') }),
      response: Segment,
      errors: [409],
      words: audienceIssueWords,
    },
    async ({ params, body, tenantId }) => {
      const seg = await s.segments.update(tenantId, params.id, body);
      return view(seg, await s.segments.count(tenantId, params.id));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/duplicate',
      allow: MANAGERS,
      status: 201,
      summary: 'Copy a segment under a new name, to edit without touching the original',
      params: idParams,
      body: z.object({ name: z.string().trim().min(1, msg('SEGMENT_NAME_REQUIRED')).max(64) }).strict(),
      response: Segment,
      errors: [409],
    },
    async ({ params, body, tenantId, principal }) =>
      view(await s.segments.duplicate(tenantId, params.id, body.name, principal.kind === 'staff' ? principal.id : undefined)),
  );

  api.route(
    {
      method: 'delete',
      path: '/:id',
      allow: MANAGERS,
      summary: 'Delete a segment no open campaign sends to',
      params: idParams,
      response: z.object({ deleted: z.literal(true) }),
      errors: [409],
    },
    async ({ params, tenantId }) => {
      const seg = await s.segments.get(tenantId, params.id);
      const using = await s.broadcasts.openCampaignsUsing(tenantId, params.id);
      if (using.length) {
        throw conflict(
          SegmentErrorCode.IN_USE,
          `"${seg.name}" is the audience of ${using.length} campaign(s) not yet over (${using.map((c) => c.name).join(', ')}); finish or cancel them first`,
          {
            name: seg.name,
            campaigns: using.map((c) => c.name).join('、'),
          },
        );
      }
      await s.segments.remove(tenantId, params.id);
      return { deleted: true };
    },
  );

  return api;
}
