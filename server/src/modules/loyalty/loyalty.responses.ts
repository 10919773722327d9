import { z } from 'zod';
import { component, dateTime, fen, int, objectIdString } from '../../shared/http/api-schemas.js';
import { ENTRY_TYPES } from './points.model.js';
import { COUPON_CHANNELS, COUPON_KINDS } from './coupon.model.js';
import { settingsSchema } from './loyalty-settings.service.js';

/** The loyalty module's answers as the OpenAPI document publishes them (points-entry.view.ts, coupon.view.ts, loyalty.service.ts). */

export const PointsEntry = component(
  'PointsEntry',
  z.object({
    id: objectIdString,
    key: z.string().describe('the idempotency key the entry was posted under'),
    type: z.enum(ENTRY_TYPES),
    points: int.describe('points moved (never negative; the type says which way)'),
    requested: int,
    shortfall: int.describe('points a reversal could not take back because they were already spent'),
    state: z.enum(['pending', 'applied', 'void']),
    reason: z.string(),
    source: z.string(),
    operator: z.string().optional(),
    orderId: z.string().optional(),
    couponName: z.string().optional(),
    balanceAfter: int.nullable().optional(),
    expiresAt: dateTime.optional(),
    createdAt: dateTime,
  }),
);

/** The shopper's own history: the entry without its key, state and operator. */
export const MyPointsEntry = component(
  'MyPointsEntry',
  PointsEntry.pick({
    id: true,
    type: true,
    points: true,
    reason: true,
    source: true,
    orderId: true,
    couponName: true,
    shortfall: true,
    balanceAfter: true,
    expiresAt: true,
    createdAt: true,
  }),
);

export const pointsPage = <T extends z.ZodType>(entry: T) =>
  z.object({ items: z.array(entry), nextCursor: z.string().nullable().describe('pass back as cursor for the next page; null on the last') });

const couponKind = z.enum(COUPON_KINDS);
const templateTerms = {
  name: z.string(),
  kind: couponKind,
  amountOff: fen,
  threshold: fen.describe('order amount (fen) the coupon needs'),
  discountTenths: int.describe('percent coupons: the discount in tenths of 折 (85 = 8.5折)'),
  maxOff: fen,
  giftName: z.string().optional(),
};

export const Coupon = component(
  'Coupon',
  z.object({
    id: objectIdString,
    code: z.string(),
    templateId: objectIdString,
    customerId: objectIdString,
    state: z.enum(['available', 'used', 'expired', 'revoked', 'pending']),
    channel: z.enum(COUPON_CHANNELS),
    validFrom: dateTime,
    validTo: dateTime,
    issuedAt: dateTime,
    usedAt: dateTime.optional(),
    orderId: z.string().optional(),
    pointsCost: int,
    ...z.object(templateTerms).partial().shape,
  }),
);

export const CouponTemplate = component(
  'CouponTemplate',
  z.object({
    id: objectIdString,
    ...templateTerms,
    description: z.string(),
    validity: z.object({ kind: z.enum(['fixed', 'relative']), from: dateTime.optional(), to: dateTime.optional(), days: int.optional() }),
    stock: int,
    issued: int,
    remaining: int,
    perCustomerLimit: int,
    channels: z.array(z.enum(COUPON_CHANNELS)),
    pointsCost: int,
    minTier: z.string().optional(),
    allowUnredeem: z.boolean(),
    active: z.boolean(),
  }),
);

export const CatalogueItem = CouponTemplate.extend({ soldOut: z.boolean(), tierAllowed: z.boolean(), affordable: z.boolean() });

const expiring = z.array(z.object({ date: z.string().describe('the last local day the points count (YYYY-MM-DD)'), expiresAt: dateTime, points: int }));

export const PointsBalance = component('PointsBalance', z.object({ balance: int, expiring }));

const tierHistory = z.array(
  z.object({ from: z.string().nullable(), to: z.string(), fromName: z.string().nullable(), toName: z.string(), at: dateTime, reason: z.string().optional() }),
);
const tierFields = {
  tier: z.object({
    code: z.string(),
    name: z.string(),
    multiplierPermille: int,
    birthdayPoints: int,
    birthdayCoupon: z.boolean(),
    perks: z.array(z.string()),
    since: dateTime.optional(),
  }),
  growth: z.object({ value: int, windowDays: int }),
  nextTier: z.object({ code: z.string(), name: z.string(), threshold: int, needed: int }).nullable(),
  downgrade: z.object({ to: z.string(), after: dateTime }).nullable(),
  tierHistory,
};

export const MemberSummary = component(
  'MemberSummary',
  z.object({ memberNo: z.string(), customerId: objectIdString, joinedAt: dateTime, consented: z.boolean(), balance: int, ...tierFields, expiring }),
);

export const MyTier = z.object(tierFields);

/** A redemption: the coupon as used, and what it takes off this order. */
export const Redemption = Coupon.extend({
  discount: fen.describe('what the coupon takes off the order, in fen'),
  freeShipping: z.boolean(),
  gift: z.string().nullable(),
});

/** A member as staff see them: the card, the last points and the coupons to use. */
export const MemberCard = MemberSummary.extend({ recentPoints: z.array(PointsEntry), availableCoupons: z.array(Coupon) });

/** The programme's settings as stored (the defaults until the brand saves its own). */
export const LoyaltySettings = component('LoyaltySettings', settingsSchema.extend({ tenantId: z.string() }));

/** A bulk issue and its progress (the loyalty.issue-batches job works through it). */
export const CouponBatch = component(
  'CouponBatch',
  z.object({
    id: objectIdString,
    templateId: objectIdString,
    segmentId: objectIdString.nullable(),
    state: z.enum(['queued', 'running', 'done']),
    total: int,
    processed: int,
    issued: int,
    failed: int,
    failures: z.array(z.object({ customerId: z.string(), reason: z.string() })).describe('the first 50'),
    createdAt: dateTime,
  }),
);
