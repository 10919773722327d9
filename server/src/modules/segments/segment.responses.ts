import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';
import { Customer } from '../customers/customer.responses.js';

/** The segments module's answers as the OpenAPI document publishes them. */

export const Segment = component(
  'Segment',
  z.object({
    id: objectIdString,
    name: z.string(),
    description: z.string().optional(),
    audience: z.unknown().describe('the audience as saved: the request body’s audience (nested AND/OR groups of conditions)'),
    mode: z.enum(['dynamic', 'snapshot']),
    memberCount: int.optional().describe('how many customers it matches now (dynamic) or holds (snapshot)'),
    snapshotAt: dateTime.optional(),
    createdBy: z.string().optional(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);

export const SegmentWithUsage = Segment.extend({
  usage: z.object({
    campaigns: int,
    open: z.array(z.object({ id: objectIdString, name: z.string(), status: z.string() })).describe('campaigns not yet over that send to it'),
  }),
});

/** A sample profile carries the fields an audience editor shows (no timestamps). */
export const AudiencePreview = z.object({ count: int, tookMs: z.number(), sample: z.array(Customer.partial({ createdAt: true, updatedAt: true })) });

const cuts = z
  .object({ r: z.array(z.number()), f: z.array(z.number()), m: z.array(z.number()) })
  .describe('the four cut points of each score: recency days, order count, total paid (fen)');

export const RfmSettings = z.object({ cuts, source: z.enum(['configured', 'quintile', 'starter']) });

export const RfmRuns = z.object({
  items: z.array(
    z.object({
      day: z.string(),
      cuts,
      source: z.enum(['configured', 'quintile']),
      distribution: z.record(z.string(), int).describe('customers per RFM class'),
      scored: int,
    }),
  ),
});

export const RfmHistory = z.object({
  current: z.record(z.string(), z.unknown()).nullable().describe('the profile’s rfm as it stands (scores, class, churn)'),
  items: z.array(z.object({ day: z.string(), r: int, f: int, m: int, class: z.string() })),
});
