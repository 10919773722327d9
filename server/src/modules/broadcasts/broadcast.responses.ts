import { z } from 'zod';
import { component, dateTime, fen, int, objectIdString } from '../../shared/http/api-schemas.js';
import { CHANNELS } from './channels/channel.provider.js';

/** The broadcasts module's answers as the OpenAPI document publishes them (broadcast.routes.ts view, progress). */

const STATUSES = ['draft', 'scheduled', 'snapshotting', 'sending', 'paused', 'completed', 'cancelled'] as const;

export const Campaign = component(
  'Campaign',
  z.object({
    id: objectIdString,
    name: z.string(),
    segmentId: objectIdString.optional(),
    chatIds: z.array(z.string()).optional(),
    roomIds: z.array(z.string()).optional(),
    channel: z.enum(CHANNELS),
    variants: z.array(z.object({ key: z.string(), weight: z.number(), content: z.unknown().describe('the content as sent in the request body') })),
    holdoutPercent: z.number(),
    attributionDays: int,
    schedule: z.object({ kind: z.enum(['now', 'at', 'recurring']), at: dateTime.optional(), everyDays: int.optional() }),
    window: z.object({ start: z.string(), end: z.string(), timezone: z.string() }).partial().optional(),
    status: z.enum(STATUSES),
    occurrence: int.describe('the current run (recurring campaigns run again every everyDays)'),
    startAt: dateTime.optional(),
    startedAt: dateTime.optional(),
    completedAt: dateTime.optional(),
    createdAt: dateTime,
  }),
);

const counts = z.object({ total: int, sent: int, failed: int, skipped: int, holdout: int });

export const CampaignListItem = Campaign.extend({ segmentName: z.string().nullable().optional(), counts });

export const CampaignProgress = component(
  'CampaignProgress',
  z.object({
    status: z.enum(STATUSES),
    occurrence: int,
    deferredReason: z.string().optional(),
    nextDispatchAt: dateTime.optional(),
    counts: counts.extend({ queued: int, sending: int }),
    skipped: z.record(z.string(), int).describe('skipped recipients by reason'),
    failed: z.record(z.string(), int).describe('failed recipients by reason'),
    delivery: z.object({
      delivered: int,
      awaitingConfirmation: int,
      notAContact: int,
      recipientLimit: int,
      undelivered: int,
      unknown: int,
      checkedAt: dateTime.nullable(),
    }),
  }),
);

export const OptOutState = z.object({ optedOut: z.boolean(), already: z.boolean().optional() });

export const Reach = component(
  'Reach',
  z.object({
    unit: z.enum(['customers', 'groups']).describe('customers for a one-to-one campaign, chats for a group campaign'),
    total: int,
    willReceive: int,
    holdout: int,
    skipped: z.record(z.string(), int).describe('who would be skipped, by reason'),
    estimate: z.boolean().describe('true before the campaign exists: its A/B and holdout split is a fair draw, not the final one'),
    at: dateTime,
  }),
);

export const ContentPreview = z.object({
  customer: z.object({ id: objectIdString, name: z.string().nullable() }).nullable(),
  content: z.unknown().describe('the content with placeholders filled as the send fills them'),
  unfilled: z.string().nullable().describe('why placeholders could not be filled for this customer, if so'),
});

export const CampaignRuns = z.object({
  items: z.array(
    z.object({
      occurrence: int,
      counts: z.object({ total: int, queued: int, sending: int, sent: int, failed: int, skipped: int, holdout: int, delivered: int }),
    }),
  ),
});

/** A staff member's WeCom tasks of a campaign's current run (group messages wait for each to confirm). */
export const CampaignSender = z.object({
  userid: z.string().describe('WeCom userid'),
  staffId: objectIdString.nullable(),
  name: z.string().nullable(),
  tasks: int,
  confirmed: int.describe('tasks confirmed (sent)'),
  lastSentAt: dateTime.nullable(),
  reminded: int.describe('reminders used in the last 24 hours (WeCom allows three a day per message)'),
});

/** GET /broadcasts/bot-rooms: rooms the bot is in, to name in a bot_room campaign. */
export const BotRooms = z.object({ items: z.array(z.object({ roomId: z.string(), topic: z.string().optional(), members: int })) });

/** GET /broadcasts/{id}/results: conversions per arm (variant keys, and `holdout`) of the current run. */
export const CampaignResults = z.object({
  window: z.object({ since: dateTime, until: dateTime }).describe('the attribution window'),
  arms: z.record(
    z.string(),
    z.object({
      recipients: int,
      converted: int.describe('recipients who paid an order within the window'),
      rate: z.number().min(0).max(1),
      revenue: fen.describe('paid within the window by the arm’s recipients'),
    }),
  ),
  note: z.string().optional(),
});
