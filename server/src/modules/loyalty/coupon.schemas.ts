import { z } from 'zod';
import { COUPON_CHANNELS, COUPON_KINDS } from './coupon.model.js';
import { msg } from '../../shared/http/validation-message.js';

const fen = z.number().int(msg('AMOUNT_INTEGER_FEN')).min(0).max(100_000_000);

const validity = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), from: z.coerce.date(), to: z.coerce.date() }).refine((v) => v.to > v.from, { message: msg('VALIDITY_TO_AFTER_FROM') }),
  z.object({ kind: z.literal('relative'), days: z.number().int().min(1).max(3650) }),
]);

const base = z.object({
  name: z.string().trim().min(1).max(60),
  description: z.string().trim().max(500).default(''),
  kind: z.enum(COUPON_KINDS),
  amountOff: fen.default(0),
  threshold: fen.default(0),
  discountTenths: z.number().int().min(0).max(99, msg('DISCOUNT_TENTHS')).default(0),
  maxOff: fen.default(0),
  giftName: z.string().trim().max(60).optional(),
  validity,
  stock: z.number().int().min(0).max(10_000_000),
  perCustomerLimit: z.number().int().min(1).max(100).default(1),
  channels: z.array(z.enum(COUPON_CHANNELS)).min(1, msg('CHANNELS_REQUIRED')).max(4),
  pointsCost: z.number().int().min(0).max(10_000_000).default(0),
  minTier: z.string().trim().max(32).optional(),
  allowUnredeem: z.boolean().default(true),
  active: z.boolean().default(true),
});

/** A template must say what it gives: an amount, a discount, free shipping or a named gift. */
export const couponTemplateSchema = base.superRefine((t, ctx) => {
  if (t.kind === 'amount' && t.amountOff <= 0) ctx.addIssue({ code: 'custom', path: ['amountOff'], message: msg('AMOUNT_COUPON_AMOUNT') });
  if (t.kind === 'amount' && t.threshold > 0 && t.amountOff > t.threshold)
    ctx.addIssue({ code: 'custom', path: ['amountOff'], message: msg('AMOUNT_OFF_OVER_THRESHOLD') });
  if (t.kind === 'percent' && (t.discountTenths < 1 || t.discountTenths > 99))
    ctx.addIssue({ code: 'custom', path: ['discountTenths'], message: msg('PERCENT_COUPON_DISCOUNT') });
  if (t.kind === 'gift' && !t.giftName) ctx.addIssue({ code: 'custom', path: ['giftName'], message: msg('GIFT_COUPON_NAME') });
  if (t.channels.includes('exchange') && t.pointsCost <= 0) ctx.addIssue({ code: 'custom', path: ['pointsCost'], message: msg('EXCHANGE_COUPON_POINTS') });
});

export const couponTemplatePatchSchema = z
  .object({
    name: base.shape.name,
    description: z.string().trim().max(500),
    validity,
    stock: base.shape.stock,
    perCustomerLimit: z.number().int().min(1).max(100),
    channels: base.shape.channels,
    pointsCost: z.number().int().min(0).max(10_000_000),
    minTier: z.string().trim().max(32),
    allowUnredeem: z.boolean(),
    active: z.boolean(),
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: msg('CHANGE_REQUIRED') });
