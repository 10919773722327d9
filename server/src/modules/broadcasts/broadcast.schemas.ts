import { z } from 'zod';
import { CHANNELS } from './channels/channel.provider.js';
import { isTimeZone } from '../../shared/zoned-time.js';
import { msg } from '../../shared/http/validation-message.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, msg('TIME_OF_DAY_FORMAT'));
const tz = z.string().refine(isTimeZone, msg('TIME_ZONE'));

export const contentSchema = z
  .object({
    text: z.string().trim().min(1, msg('MESSAGE_TEXT_REQUIRED')).max(4000),
    image: z
      .object({ mediaId: z.string().max(256).optional(), picUrl: z.string().url().optional() })
      .strict()
      .refine((i) => i.mediaId || i.picUrl, msg('IMAGE_SOURCE_REQUIRED'))
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
    name: z.string().trim().min(1, msg('CAMPAIGN_NAME_REQUIRED')).max(100),
    /** The audience of a customer campaign (wecom_group_msg). */
    segmentId: objectId.optional(),
    channel: z.enum(CHANNELS),
    /** The customer groups of a group campaign (wecom_group_chat). */
    chatIds: z.array(z.string().trim().min(1).max(128)).min(1, msg('CUSTOMER_GROUPS_REQUIRED')).max(2000).optional(),
    /** The bot rooms of a bot room campaign (bot_room). */
    roomIds: z.array(z.string().trim().min(1).max(128)).min(1, msg('BOT_ROOMS_REQUIRED')).max(2000).optional(),
    /** One content, or several A/B variants with weights. */
    content: contentSchema.optional(),
    variants: z
      .array(
        z
          .object({
            key: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, msg('VARIANT_KEY_FORMAT')),
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
      .refine((w) => w.start !== w.end, msg('SEND_WINDOW_EMPTY'))
      .optional(),
  })
  .strict()
  .refine((b) => Boolean(b.content) !== Boolean(b.variants), { message: msg('CONTENT_OR_VARIANTS'), path: ['content'] })
  .refine((b) => !b.variants || new Set(b.variants.map((v) => v.key)).size === b.variants.length, {
    message: msg('VARIANT_KEYS_UNIQUE'),
    path: ['variants'],
  })
  .refine((b) => !['wecom_group_msg', 'bot_private'].includes(b.channel) || (b.segmentId && !b.chatIds && !b.roomIds), {
    message: msg('CAMPAIGN_NEEDS_SEGMENT'),
    path: ['segmentId'],
  })
  .refine((b) => b.channel !== 'wecom_group_chat' || (b.chatIds && !b.segmentId && !b.roomIds), {
    message: msg('CAMPAIGN_NEEDS_CHATS'),
    path: ['chatIds'],
  })
  .refine((b) => b.channel !== 'bot_room' || (b.roomIds && !b.segmentId && !b.chatIds), {
    message: msg('CAMPAIGN_NEEDS_ROOMS'),
    path: ['roomIds'],
  })
  .refine((b) => !b.channel.startsWith('bot_') || [b.content, ...(b.variants ?? []).map((v) => v.content)].every((c) => !c?.image && !c?.miniprogram), {
    message: msg('BOT_TEXT_AND_LINKS_ONLY'),
    path: ['content'],
  })
  .refine((b) => !['wecom_group_chat', 'bot_room'].includes(b.channel) || (!b.variants && !b.holdoutPercent && !b.content?.couponTemplateId), {
    message: msg('GROUP_CAMPAIGN_NO_AB'),
    path: ['channel'],
  });
export type CreateCampaignInput = z.output<typeof createCampaignSchema>;
