import { z } from 'zod';
import { identityInputSchema } from '../customers/identity.js';
import { itemWithinDepth } from '../../shared/http/json-depth.js';
import { documentedAs } from '../../shared/http/documented-as.js';
import { issueValues, msg } from '../../shared/http/validation-message.js';

const fen = z.number().int(msg('AMOUNT_INTEGER_FEN')).min(0).max(10_000_000_000);
const id = z.string().trim().min(1).max(128);

const item = z.object({
  sku: id,
  name: z.string().max(200).optional(),
  category: z.string().max(100).optional(),
  quantity: z.number().int().min(1).max(100_000),
  price: fen,
});

export const eventDataSchemas = {
  'order.paid': z.object({
    orderId: id,
    amount: fen,
    items: z.array(item).max(200).optional(),
    couponCode: z.string().max(64).optional(),
    channel: z.string().max(64).optional(),
  }),
  'order.refunded': z.object({ orderId: id, refundId: id.optional(), amount: fen, reason: z.string().max(200).optional() }),
  'cart.added': z.object({
    productId: id,
    category: z.string().max(100).optional(),
    name: z.string().max(200).optional(),
    quantity: z.number().int().min(1).max(1000).optional(),
  }),
  'product.viewed': z.object({ productId: id, category: z.string().max(100).optional(), name: z.string().max(200).optional() }),
  'review.posted': z.object({
    orderId: id.optional(),
    productId: id.optional(),
    rating: z.number().int().min(1).max(5),
    text: z.string().max(2000).optional(),
  }),
} as const;
export type KnownEventType = keyof typeof eventDataSchemas;
/** An event's `data` as its type's schema let it in. */
export type EventData<K extends KnownEventType> = z.output<(typeof eventDataSchemas)[K]>;

const customData = z.record(z.string().max(64), z.unknown()).refine((d) => JSON.stringify(d).length <= 4096, { message: msg('EVENT_DATA_AT_MOST_4KB') });

const eventItemFields = z.object({
  eventId: id,
  type: z.string().regex(/^(order\.paid|order\.refunded|cart\.added|product\.viewed|review\.posted|custom\.[a-z0-9_.-]{1,64})$/, msg('EVENT_TYPE')),
  occurredAt: z.coerce.date().refine((d) => !Number.isNaN(+d), msg('OCCURRED_AT_DATETIME')),
  customer: identityInputSchema.and(z.object({ name: z.string().max(64).optional() })),
  source: z.string().max(64).optional(),
  data: z.unknown().optional(),
});

/** One event as the OpenAPI document shows it: `data` is one of the known types' shapes, or up to 4 KB of custom keys. */
const eventItemShown = eventItemFields.extend({
  occurredAt: z.iso.datetime({ offset: true }).describe('when it happened, ISO 8601'),
  data: z
    .union([...Object.values(eventDataSchemas), customData])
    .optional()
    .describe(
      'by type — order.paid: orderId, amount (fen), items, couponCode, channel; order.refunded: orderId, refundId, amount, reason; cart.added / product.viewed: productId, category, name (quantity); review.posted: rating 1–5, text, orderId, productId; custom.<name>: any keys, up to 4 KB',
    ),
});

const eventItemObject = eventItemFields.transform((v, ctx) => {
  const schema = v.type in eventDataSchemas ? eventDataSchemas[v.type as KnownEventType] : customData;
  const data = schema.safeParse(v.data ?? {});
  if (!data.success) {
    for (const issue of data.error.issues) ctx.addIssue({ code: 'custom', path: ['data', ...issue.path], message: issue.message, params: issueValues(issue) });
    return z.NEVER;
  }
  return { ...v, data: data.data as Record<string, unknown> };
});
/** Measured first (the edge leaves a batch's items to us): one nested too deep for MongoDB, or for JSON.stringify above, is refused alone. */
export const eventItemSchema = z.preprocess(itemWithinDepth, eventItemObject);
export type EventItem = z.output<typeof eventItemSchema>;

export const MAX_BATCH = 1000;
export const eventBatchSchema = z.object({
  events: z.array(documentedAs(z.unknown(), eventItemShown)).min(1, msg('EVENTS_REQUIRED')).max(MAX_BATCH, msg('EVENTS_AT_MOST')),
});
