import { z } from 'zod';
import { CHANNELS } from './channels/channel.provider.js';
import { isTimeZone } from '../../shared/zoned-time.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM, e.g. 09:00');
const tz = z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai');

export const contentSchema = z
  .object({
    text: z.string().trim().min(1, 'write the message text').max(4000),
    image: z
      .object({ mediaId: z.string().max(256).optional(), picUrl: z.string().url().optional() })
      .strict()
      .refine((i) => i.mediaId || i.picUrl, 'give mediaId or picUrl')
      .optional(),
    link: z
      .object({ title: z.string().min(1).max(128), url: z.string().url(), desc: z.string().max(512).optional(), picUrl: z.string().url().optional() })
      .strict()
      .optional(),
    miniprogram: z
      .object({ title: z.string().min(1).max(64), appId: z.string().min(1).max(64), page: z.string().min(1).max(256), picMediaId: z.string().min(1).max(256) })
      .strict()
      .optional(),
    couponTemplateId: objectId.optional(),
  })
  .strict();

export const createCampaignSchema = z
  .object({
    name: z.string().trim().min(1, 'give the campaign a name').max(100),
    /** The audience of a customer campaign (wecom_group_msg). */
    segmentId: objectId.optional(),
    channel: z.enum(CHANNELS),
    /** The customer groups of a group campaign (wecom_group_chat). */
    chatIds: z.array(z.string().trim().min(1).max(128)).min(1, 'name at least one customer group').max(2000).optional(),
    /** The bot rooms of a bot room campaign (bot_room). */
    roomIds: z.array(z.string().trim().min(1).max(128)).min(1, 'name at least one bot room').max(2000).optional(),
    /** One content, or several A/B variants with weights. */
    content: contentSchema.optional(),
    variants: z
      .array(
        z
          .object({
            key: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'variant keys are short letters/digits'),
            weight: z.number().int().min(1).max(100),
            content: contentSchema,
          })
          .strict(),
      )
      .min(1)
      .max(5)
      .optional(),
    holdoutPercent: z.number().int().min(0).max(50).default(0),
    attributionDays: z.number().int().min(1).max(60).default(7),
    schedule: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('now') }).strict(),
        z.object({ kind: z.literal('at'), at: z.coerce.date() }).strict(),
        z.object({ kind: z.literal('recurring'), at: z.coerce.date(), everyDays: z.number().int().min(1).max(90) }).strict(),
      ])
      .default({ kind: 'now' }),
    window: z
      .object({ start: hhmm, end: hhmm, timezone: tz.optional() })
      .strict()
      .refine((w) => w.start !== w.end, 'start and end of the send window must differ')
      .optional(),
  })
  .strict()
  .refine((b) => Boolean(b.content) !== Boolean(b.variants), { message: 'give either content or variants (for an A/B test), not both', path: ['content'] })
  .refine((b) => !b.variants || new Set(b.variants.map((v) => v.key)).size === b.variants.length, {
    message: 'variant keys must be unique',
    path: ['variants'],
  })
  .refine((b) => !['wecom_group_msg', 'bot_private'].includes(b.channel) || (b.segmentId && !b.chatIds && !b.roomIds), {
    message: 'a wecom_group_msg or bot_private campaign goes to a segment: give segmentId (not chatIds or roomIds)',
    path: ['segmentId'],
  })
  .refine((b) => b.channel !== 'wecom_group_chat' || (b.chatIds && !b.segmentId && !b.roomIds), {
    message: 'a wecom_group_chat campaign goes to customer groups: give chatIds (not segmentId or roomIds)',
    path: ['chatIds'],
  })
  .refine((b) => b.channel !== 'bot_room' || (b.roomIds && !b.segmentId && !b.chatIds), {
    message: 'a bot_room campaign goes to bot rooms: give roomIds (not segmentId or chatIds)',
    path: ['roomIds'],
  })
  .refine((b) => !b.channel.startsWith('bot_') || [b.content, ...(b.variants ?? []).map((v) => v.content)].every((c) => !c?.image && !c?.miniprogram), {
    message: 'the bot sends text and links only: remove the image or mini-program card, or use a WeCom channel',
    path: ['content'],
  })
  .refine((b) => !['wecom_group_chat', 'bot_room'].includes(b.channel) || (!b.variants && !b.holdoutPercent && !b.content?.couponTemplateId), {
    message: 'A/B variants, a holdout and coupons need individual customers; a group campaign sends one content to each group',
    path: ['channel'],
  });
export type CreateCampaignInput = z.output<typeof createCampaignSchema>;
