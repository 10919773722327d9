import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';

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

export const JourneyListItem = Journey.extend({ runCounts: z.object({ active: int, done: int, exited: int }) });

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
  stats: z.object({
    runs: z.object({ active: int, done: int, exited: int }),
    sent: int,
    skipped: z.record(z.string(), int),
    failed: int,
    coupons: int,
    tasks: int,
    orderedAfterEntering: int,
  }),
  runs: z.array(JourneyRun.extend({ customerName: z.string().nullable().describe('masked for roles that do not see names') })),
});
