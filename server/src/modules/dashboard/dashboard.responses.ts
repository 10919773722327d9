import { z } from 'zod';
import { fen, int } from '../../shared/http/api-schemas.js';
import { STAGES } from './dashboard.service.js';
import { FIRST_RESPONSE_BANDS } from '../conversations/desk-figures.service.js';

/** The dashboard's answers as the OpenAPI document publishes them (dashboard.service.ts, desk-figures.service.ts). */

const score = int.min(1).max(5);

export const Overview = z.object({
  days: int,
  timezone: z.string(),
  lifecycle: z
    .object(Object.fromEntries(STAGES.map((s) => [s, int])) as Record<(typeof STAGES)[number], typeof int>)
    .optional()
    .describe('active customers by stage, now (left out with now=false)'),
  contacts: z.array(z.object({ day: z.string().describe('YYYY-MM-DD, local'), added: int, lost: int })).describe('WeCom contacts per local day, oldest first'),
  funnel: z.object({ campaigns: int, recipients: int, sent: int, delivered: int, converted: int }),
  revenue: z.object({ orders: int, paid: fen, refunds: int, refunded: fen }).describe('each order once, however often the shop sent it'),
  rfmGrid: z
    .array(z.object({ r: score, f: score, customers: int, paid: fen }))
    .optional()
    .describe('scored customers per R×F pair, empty cells left out (left out with now=false)'),
});

export const DeskDashboard = z.object({
  days: int,
  chats: int.describe('private chats a customer wrote in or that were handed over'),
  botOnly: int,
  handedOver: int,
  answered: int,
  waiting: int,
  firstResponse: z.object({ medianMs: int.nullable(), p90Ms: int.nullable() }),
  firstResponseBands: z.array(z.object({ band: z.enum(FIRST_RESPONSE_BANDS), chats: int })),
  breaches: z.object({ first: int, next: int, total: int }),
  agents: z.array(
    z.object({
      staffId: z.string(),
      name: z.string(),
      chats: int,
      firstResponses: int,
      medianFirstResponseMs: int.nullable(),
      breaches: int,
    }),
  ),
});
