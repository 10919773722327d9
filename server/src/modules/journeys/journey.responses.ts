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
    createdAt: dateTime,
  }),
);

export const JourneyListItem = Journey.extend({ runCounts: z.object({ active: int, done: int, exited: int }) });
