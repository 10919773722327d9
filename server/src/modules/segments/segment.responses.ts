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
  usage: z.object({ campaigns: int, open: z.array(z.object({ id: objectIdString, name: z.string(), status: z.string() })).describe('campaigns not yet over that send to it') }),
});

/** A sample profile carries the fields an audience editor shows (no timestamps). */
export const AudiencePreview = z.object({ count: int, tookMs: z.number(), sample: z.array(Customer.partial({ createdAt: true, updatedAt: true })) });
