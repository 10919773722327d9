import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';

/** An event as the API shows it (a customer's timeline, ingest hooks). */
export const EventView = component(
  'Event',
  z.object({
    id: objectIdString,
    eventId: z.string(),
    type: z.string().describe('order.paid, order.refunded, cart.added, product.viewed, review.posted or custom.<name>'),
    occurredAt: dateTime,
    data: z.record(z.string(), z.unknown()).optional(),
  }),
);

const itemResult = z.object({
  index: int.describe('the item’s position in the batch'),
  eventId: z.string().optional(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  customerId: objectIdString.optional().describe('accepted items: the profile the event landed on'),
  reason: z.string().optional().describe('rejected items: what was wrong'),
});

export const EventBatchResult = component(
  'EventBatchResult',
  z
    .object({ accepted: int, duplicate: int, rejected: int, results: z.array(itemResult).describe('one per item, in the batch’s order') })
    .describe(
      'What was stored. Points, aggregates, RFM and journeys are applied afterwards by the worker, in the order received; read the points from GET /api/v1/loyalty/members/{customerId} or GET /api/v1/me/points',
    ),
);

/** An ingested event's progress: the separate read for points, since the ingest answer comes before them. */
export const EventProgress = component(
  'EventProgress',
  z.object({
    eventId: z.string(),
    type: z.string(),
    customerId: objectIdString,
    receivedAt: dateTime,
    applied: z.boolean().describe('true once the worker has applied points, aggregates, RFM and journeys'),
    appliedAt: dateTime.optional(),
    pointsEarned: int.optional().describe('order.paid, once applied: the points this order earned (0 when capped)'),
    balance: int.optional().describe('once applied: the member’s points balance now'),
  }),
);
