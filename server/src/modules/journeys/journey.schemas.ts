import { z } from 'zod';
import { placeholdersIn } from '../broadcasts/placeholders.js';
import { msg } from '../../shared/http/validation-message.js';

/** What a journey's message may say per customer (its coupon step issues coupons apart). */
const JOURNEY_PLACEHOLDERS = ['name', 'points', 'tier'];
const onlyJourneyPlaceholders = (text: string) => placeholdersIn(text).every((p) => JOURNEY_PLACEHOLDERS.includes(p));

/**
 * Journeys are data: a trigger and a list of steps. Each customer goes through a journey at most
 * once per trigger occurrence (a birthday year, a dormancy, an order, a cart event); every step is
 * idempotent, keyed by the run and the step's index.
 */
const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));

export const triggerSchema = z.discriminatedUnion('type', [
  /** Welcome series: a new profile (e.g. a WeCom add). */
  z.object({ type: z.literal('customer.created') }).strict(),
  /** On the customer's birthday (local date in BROADCAST_TIMEZONE), once a year. */
  z.object({ type: z.literal('birthday') }).strict(),
  /** Win-back: no order for `days` days after at least one order; once per dormancy. */
  z.object({ type: z.literal('dormant'), days: z.number().int().min(7).max(720) }).strict(),
  /** Abandoned cart: a cart.added event (pair with a wait and a noOrderSinceStart condition). */
  z.object({ type: z.literal('cart.added') }).strict(),
  /** Post-purchase: each paid order. */
  z.object({ type: z.literal('order.paid') }).strict(),
  /** Churn warning: the nightly sweep found a buyer past their own cadence; once per dormancy. */
  z.object({ type: z.literal('churn.at_risk') }).strict(),
  /** Points about to expire: once per expiring lot, within the brand's expiry.remindDays (loyalty's expiry reminders). */
  z.object({ type: z.literal('points.expiring') }).strict(),
]);

const waitStep = z
  .object({
    type: z.literal('wait'),
    hours: z
      .number()
      .min(0)
      .max(24 * 365),
  })
  .strict();
const sendStep = z
  .object({
    type: z.literal('send'),
    channel: z.literal('wecom_group_msg'),
    text: z.string().trim().min(1).max(2000).refine(onlyJourneyPlaceholders, msg('JOURNEY_PLACEHOLDERS')),
  })
  .strict();
/** A coupon; `byTier` picks another template for members of a loyalty tier. */
const couponStep = z.object({ type: z.literal('coupon'), templateId: objectId, byTier: z.record(z.string().max(32), objectId).optional() }).strict();
const tagStep = z.object({ type: z.literal('tag'), tagId: objectId }).strict();
const taskStep = z
  .object({
    type: z.literal('task'),
    title: z.string().trim().min(1).max(200),
    dueInHours: z
      .number()
      .int()
      .min(0)
      .max(24 * 90)
      .default(24),
  })
  .strict();

/** What a condition's "no" branch may do (one level of branching: no condition inside a branch). */
export const branchStepSchema = z.discriminatedUnion('type', [waitStep, sendStep, couponStep, tagStep, taskStep]);

export const stepSchema = z.discriminatedUnion('type', [
  waitStep,
  /**
   * Continue only if the condition holds ("yes": the steps after it). Otherwise the run takes the
   * condition's "no" branch, when it has one, and ends after it; without one it exits (recorded).
   * `newContact`: added on WeCom (or created) within the last 2 days, so connecting WeCom and syncing
   * years of contacts greets nobody.
   */
  z
    .object({
      type: z.literal('condition'),
      check: z.enum(['noOrderSinceStart', 'stillDormant', 'wecomActive', 'newContact']),
      no: z.array(branchStepSchema).max(10).optional(),
    })
    .strict(),
  sendStep,
  couponStep,
  tagStep,
  taskStep,
]);
export type JourneyStep = z.output<typeof stepSchema>;
export type JourneyTrigger = z.output<typeof triggerSchema>;

export const journeySchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    trigger: triggerSchema,
    steps: z.array(stepSchema).min(1, msg('JOURNEY_STEPS_REQUIRED')).max(20),
    enabled: z.boolean().default(true),
  })
  .strict();
export type JourneyInput = z.output<typeof journeySchema>;

/** What an edit saves: the journey as on create, without switching it (that is PATCH's job). */
export const journeyEditSchema = journeySchema.omit({ enabled: true });
export type JourneyEdit = z.output<typeof journeyEditSchema>;
