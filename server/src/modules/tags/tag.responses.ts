import { z } from 'zod';
import { component, int, objectIdString } from '../../shared/http/api-schemas.js';

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
