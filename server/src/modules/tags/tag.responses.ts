import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';

/** The tags module's answers as the OpenAPI document publishes them (tag.service.ts TagView). */

export const Tag = component(
  'Tag',
  z.object({
    id: objectIdString,
    groupName: z.string(),
    name: z.string(),
    order: int,
    wecomTagId: z.string().optional().describe('the WeCom corp tag it mirrors, once synced'),
    wecomGroupId: z.string().optional(),
    deleted: z.literal(true).optional(),
  }),
);

const wecomState = z.object({
  state: z.enum(['synced', 'local', 'pending', 'failed']),
  wecomTagId: z.string().optional(),
  error: z.string().optional().describe('why the last push failed'),
  at: dateTime.optional(),
  attempts: int.optional(),
});

/** The tag overview: groups with their tags, how many customers carry each, and where each stands with WeCom. */
export const TagOverview = z.object({
  wecomEnabled: z.boolean(),
  lastPushAt: dateTime.optional(),
  groups: z.array(
    z.object({
      name: z.string(),
      customers: int.describe('the sum over its tags'),
      tags: z.array(Tag.extend({ customers: int, wecom: wecomState.optional() })),
    }),
  ),
});
