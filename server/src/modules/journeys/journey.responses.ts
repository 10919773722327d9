import { z } from 'zod';
import { component, dateTime, fen, int, objectIdString } from '../../shared/http/api-schemas.js';

/** The journeys module's answers as the OpenAPI document publishes them (journey.routes.ts view). */

export const Journey = component(
  'Journey',
  z.object({
    id: objectIdString,
    name: z.string(),
    trigger: z.record(z.string(), z.unknown()).describe('as sent when creating: kind and its settings'),
    steps: z.array(z.record(z.string(), z.unknown())).describe('as sent when creating: each step’s kind and settings'),
    enabled: z.boolean(),
    version: int.describe('saved versions so far; a run keeps the version it started on'),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);

const runCounts = z.object({ active: int, done: int, exited: int });

export const JourneyList = z.object({
  items: z.array(
    Journey.extend({
      runCounts,
      coupons: int.describe('coupons its runs issued'),
      revenueAfterEntering: fen.describe('paid by entrants after they entered'),
    }),
  ),
});

/** One customer's pass through a journey for one trigger occurrence, and what each step did. */
export const JourneyRun = component(
  'JourneyRun',
  z.object({
    id: objectIdString,
    journeyId: objectIdString,
    version: int.describe('the journey version this run follows'),
    customerId: objectIdString,
    occurrence: z.string().describe('the trigger occurrence (a run happens at most once per occurrence)'),
    state: z.enum(['active', 'done', 'exited']),
    step: int,
    nextAt: dateTime,
    startedAt: dateTime,
    log: z.array(z.object({ step: int, type: z.string(), outcome: z.string(), at: dateTime })),
  }),
);

export const JourneyDetail = Journey.extend({
  versions: z
    .array(
      z.object({
        version: int,
        name: z.string(),
        trigger: z.record(z.string(), z.unknown()),
        steps: z.array(z.record(z.string(), z.unknown())),
        savedAt: dateTime,
      }),
    )
    .describe('saved versions, newest first'),
  stats: z.object({
    runs: runCounts,
    sent: int,
    skipped: z.record(z.string(), int).describe('messages skipped, by reason'),
    failed: int,
    coupons: int,
    tasks: int,
    orderedAfterEntering: int,
    revenueAfterEntering: fen,
  }),
  runs: z.array(JourneyRun.extend({ customerName: z.string().nullable().describe('masked for roles that do not see names') })).describe('the latest 100'),
});

export const JourneyTemplates = z.object({
  items: z.array(
    z.object({
      key: z.string().describe('POST /api/v1/journeys/from-template takes it'),
      description: z.string(),
      journey: z.object({
        name: z.string(),
        enabled: z.boolean(),
        trigger: z.record(z.string(), z.unknown()),
        steps: z.array(z.record(z.string(), z.unknown())),
      }),
    }),
  ),
});

/** GET /journeys/{id}/preview: what switching it on would do now. */
export const JourneyPreview = z.object({
  version: int,
  enabled: z.boolean(),
  enrolsExisting: z.boolean().describe('birthday and dormancy triggers enrol who qualifies now; the others as events arrive'),
  entrants: int,
  firstSteps: z
    .array(
      z.object({
        step: int,
        type: z.string(),
        upTo: int.describe('entrants it would act on at most'),
        coupon: z
          .object({ name: z.string(), remaining: int.describe("the template's stock left") })
          .nullable()
          .optional()
          .describe('coupon steps: the template (null if it is gone)'),
      }),
    )
    .describe('the steps every entrant reaches at once (up to the first wait or condition)'),
  coupons: int,
  messages: int,
  tasks: int,
  tags: int,
  sample: z.array(z.string()).describe("some entrants' names (masked for roles that do not see names; — when unnamed)"),
});
