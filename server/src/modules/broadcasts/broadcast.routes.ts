import type { SegmentService } from '../segments/segment.service.js';
import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { Broadcasts } from './broadcasts.module.js';
import type { CustomerService } from '../customers/customer.service.js';
import { requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import { contentSchema, createCampaignSchema } from './broadcast.schemas.js';
import { CHANNELS } from './channels/channel.provider.js';
import { AppError } from '../../shared/app-error.js';
import { BroadcastErrorCode } from './broadcast.service.js';
import { int } from '../../shared/http/api-schemas.js';
import {
  BotRooms,
  Campaign,
  CampaignListItem,
  CampaignResults,
  CampaignSender,
  CampaignProgress,
  CampaignRuns,
  ContentPreview,
  OptOutState,
  Reach,
} from './broadcast.responses.js';
import { msg } from '../../shared/http/validation-message.js';
import type { CampaignDoc } from './broadcast.model.js';

/** The module APIs these routes use, and nothing else. */
export interface BroadcastRouteApis {
  broadcasts: Broadcasts;
  customers: CustomerService;
  /** The segment's name on each campaign of the list. */
  segments: Pick<SegmentService, 'get'>;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const idParams = z.object({ id: objectId });
const MANAGERS = ['community_manager'] as const;

const view = (c: CampaignDoc) => ({
  id: String(c._id),
  name: c.name,
  segmentId: c.segmentId ? String(c.segmentId) : undefined,
  chatIds: c.chatIds,
  roomIds: c.roomIds,
  channel: c.channel,
  variants: c.variants,
  holdoutPercent: c.holdoutPercent,
  attributionDays: c.attributionDays,
  schedule: c.schedule,
  window: c.window,
  status: c.status,
  occurrence: c.occurrence,
  startAt: c.startAt,
  startedAt: c.startedAt,
  completedAt: c.completedAt,
  createdAt: c.createdAt,
});

export function broadcastRoutes(s: BroadcastRouteApis) {
  const api = new ApiRouter('/api/v1/broadcasts', 'broadcasts');

  api.route(
    {
      method: 'post',
      path: '/',
      allow: MANAGERS,
      status: 201,
      summary:
        'Create a campaign: a segment (wecom_group_msg, bot_private), customer groups (wecom_group_chat: chatIds) or bot rooms (bot_room: roomIds), content (or A/B variants), schedule, send window',
      body: createCampaignSchema,
      response: Campaign,
      errors: [404],
    },
    async ({ body, tenantId, principal }) => view(await s.broadcasts.create(tenantId, body, principal.kind === 'staff' ? principal.id : undefined)),
  );

  // Before '/:id', which would otherwise take 'bot-rooms' as an id.
  api.route(
    { method: 'get', path: '/bot-rooms', allow: MANAGERS, summary: 'Rooms the WeChat bot is in, to name in a bot_room campaign', response: BotRooms },
    async ({ tenantId }) => ({
      items: await s.broadcasts.botRoomList(tenantId),
    }),
  );

  api.route(
    {
      method: 'post',
      path: '/reach',
      allow: MANAGERS,
      audit: false,
      summary: 'Before creating: how many a campaign with this body would reach, and how many would be skipped and why (judged as the send judges)',
      body: createCampaignSchema,
      response: Reach,
      errors: [404],
    },
    async ({ body, tenantId }) => s.broadcasts.reach.ofInput(tenantId, body),
  );

  api.route(
    {
      method: 'post',
      path: '/preview',
      allow: MANAGERS,
      audit: false,
      summary: "A content as a sample recipient reads it (the given customer, or the segment's first), placeholders filled by the send's renderer",
      body: z.object({ channel: z.enum(CHANNELS), content: contentSchema, segmentId: objectId.optional(), customerId: objectId.optional() }).strict(),
      response: ContentPreview,
      errors: [404],
    },
    async ({ body, tenantId }) => s.broadcasts.reach.preview(tenantId, body),
  );

  api.route(
    {
      method: 'get',
      path: '/',
      allow: MANAGERS,
      summary: 'Campaigns, newest first, a page at a time, with each current run’s sent / failed / skipped counts',
      query: z.object({
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(100).default(20),
        status: z.enum(['draft', 'scheduled', 'snapshotting', 'sending', 'paused', 'completed', 'cancelled']).optional(),
        channel: z.enum(CHANNELS).optional(),
      }),
      response: z.object({ items: z.array(CampaignListItem), total: int, page: int, pageSize: int }),
    },
    async ({ query, tenantId }) => {
      const { items, total } = await s.broadcasts.list(tenantId, query);
      const counts = await s.broadcasts.listCounts(items);
      const segmentNames = new Map<string, string | null>();
      for (const id of new Set(items.map((c) => (c.segmentId ? String(c.segmentId) : '')).filter(Boolean))) {
        segmentNames.set(id, (await s.segments.get(tenantId, id).catch(() => null))?.name ?? null);
      }
      return {
        items: items.map((c) => ({
          ...view(c),
          segmentName: c.segmentId ? segmentNames.get(String(c.segmentId)) : undefined,
          counts: counts.get(String(c._id)) ?? { total: 0, sent: 0, failed: 0, skipped: 0, holdout: 0 },
        })),
        total,
        page: query.page,
        pageSize: query.pageSize,
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id',
      allow: MANAGERS,
      summary: 'A campaign with live progress (queued / sent / failed / skipped by reason)',
      params: idParams,
      response: Campaign.extend({ progress: CampaignProgress }),
    },
    async ({ params, tenantId }) => {
      const c = await s.broadcasts.get(tenantId, params.id);
      // Bot messages' fate is in our own outbound rows, so it is cheap to read on every look.
      if (c.channel.startsWith('bot_')) await s.broadcasts.deliveryResults.sync(tenantId, params.id);
      return { ...view(c), progress: await s.broadcasts.progress(tenantId, params.id) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id/reach',
      allow: MANAGERS,
      summary: 'A scheduled campaign not yet started: how many it will reach, and how many will be skipped and why',
      params: idParams,
      response: Reach,
      errors: [409],
    },
    async ({ params, tenantId }) => s.broadcasts.reach.ofCampaign(tenantId, params.id),
  );

  /** Staff confirmations exist only for WeCom group messages: the bot sends without anyone confirming. */
  const wecomCampaign = async (tenantId: string, id: string) => {
    const c = await s.broadcasts.get(tenantId, id);
    if (!c.channel.startsWith('wecom_'))
      throw new AppError(BroadcastErrorCode.NOT_WECOM, 'Only WeCom campaigns wait for staff members to confirm', {
        status: 400,
        details: { channel: c.channel },
      });
    return c;
  };

  api.route(
    {
      method: 'get',
      path: '/:id/senders',
      allow: MANAGERS,
      summary: "Each staff member's WeCom tasks of the current run: how many they confirmed (sent) and reminders used today",
      params: idParams,
      response: z.object({ items: z.array(CampaignSender) }),
      errors: [429],
    },
    async ({ params, tenantId }) => ({ items: await s.broadcasts.senders.list(tenantId, await wecomCampaign(tenantId, params.id)) }),
  );

  api.route(
    {
      method: 'post',
      path: '/:id/remind',
      allow: MANAGERS,
      summary:
        "Remind the staff members (or the one named by WeCom userid) who have not sent yet, through WeCom's remind_groupmsg_send (three a day per message)",
      params: idParams,
      body: z
        .object({ userid: z.string().trim().min(1).max(64).optional() })
        .strict()
        .optional(),
      response: z.object({ reminded: int, limited: int.describe('messages whose three reminders today are used up') }),
      errors: [409, 429],
    },
    async ({ params, tenantId, body }) => s.broadcasts.senders.remind(await wecomCampaign(tenantId, params.id), body?.userid),
  );

  api.route(
    {
      method: 'get',
      path: '/:id/runs',
      allow: MANAGERS,
      summary: 'Each run of a recurring campaign with its own counts, newest first',
      params: idParams,
      response: CampaignRuns,
    },
    async ({ params, tenantId }) => ({
      items: await s.broadcasts.runs(tenantId, params.id),
    }),
  );

  api.route(
    {
      method: 'get',
      path: '/:id/results',
      allow: MANAGERS,
      summary: 'Conversions per variant against the holdout within the attribution window',
      params: idParams,
      response: CampaignResults,
    },
    async ({ params, tenantId }) => s.broadcasts.results(tenantId, params.id),
  );

  api.route(
    {
      method: 'post',
      path: '/:id/sync-results',
      allow: MANAGERS,
      summary: "Pull WeCom's send results now (delivered / awaiting the staff member's confirmation / failed); returns the progress",
      params: idParams,
      response: CampaignProgress,
      errors: [409, 429],
    },
    async ({ params, tenantId }) => {
      await s.broadcasts.deliveryResults.sync(tenantId, params.id);
      return s.broadcasts.progress(tenantId, params.id);
    },
  );

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    api.route(
      {
        method: 'post',
        path: `/:id/${action}`,
        allow: MANAGERS,
        summary: `${action[0].toUpperCase()}${action.slice(1)} a campaign`,
        params: idParams,
        response: Campaign,
        errors: [409],
      },
      async ({ params, tenantId }) => view(await s.broadcasts[action](tenantId, params.id)),
    );
  }

  api.route(
    {
      method: 'post',
      path: '/opt-outs',
      allow: ['community_manager', 'sales', 'agent'],
      status: 201,
      summary: 'Record that a customer wants no marketing messages',
      body: z.object({ customerId: objectId, source: z.enum(['told_staff', 'replied_td', 'complaint']).default('told_staff') }).strict(),
      use: [requireVisibleCustomer(s.customers, 'customerId', 'body')],
      response: OptOutState,
      errors: [404],
    },
    async ({ body, tenantId, ctx }) => {
      const doc = visibleCustomer(ctx);
      return s.broadcasts.optOut(tenantId, String(doc._id), body.source);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/me/opt-out',
      allow: ['shopper'],
      status: 201,
      summary: 'A shopper unsubscribes from marketing messages',
      body: z.object({}).strict().optional(),
      response: OptOutState,
    },
    async ({ principal, tenantId }) => s.broadcasts.optOut(tenantId, principal.kind === 'shopper' ? principal.customerId : '', 'unsubscribed'),
  );

  api.route(
    { method: 'delete', path: '/me/opt-out', allow: ['shopper'], summary: 'A shopper subscribes to marketing messages again', response: OptOutState },
    async ({ principal, tenantId }) => s.broadcasts.optIn(tenantId, principal.kind === 'shopper' ? principal.customerId : ''),
  );

  return api;
}
