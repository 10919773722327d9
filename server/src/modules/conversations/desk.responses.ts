import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';
import { STAFF_ROLES } from '../../shared/http/principal.js';

/** The desk's administration answers as the OpenAPI document publishes them (reply-rule.service.ts, handoff.service.ts). */

export const Presence = z.object({ online: z.boolean(), capacity: int, active: int.describe('chats I hold now') });

export const DeskSettings = component(
  'DeskSettings',
  z.object({
    firstResponseSeconds: int,
    nextResponseSeconds: int,
    supervisorRole: z.enum(STAFF_ROLES).describe('the role told about SLA breaches'),
    roomWelcome: z.string(),
    manualPauseSeconds: int.describe('how long the bot keeps quiet in a chat after a manual reply'),
    hours: z
      .object({
        timezone: z.string(),
        weekly: z.array(z.object({ day: int.describe('0 Sunday … 6 Saturday'), open: z.string(), close: z.string() })),
        holidays: z.array(z.string()).describe('YYYY-MM-DD, closed'),
        workdays: z.array(z.string()).describe('YYYY-MM-DD make-up working days'),
      })
      .nullable()
      .describe('business hours (SLA clocks count open time only); null: always open'),
  }),
);

/** A canned reply as stored ({name} and {points} are filled in when sent). */
export const CannedReply = component(
  'CannedReply',
  z.object({ _id: objectIdString, tenantId: z.string(), title: z.string(), text: z.string(), createdAt: dateTime, updatedAt: dateTime, __v: int.optional() }),
);

export const Deleted = z.object({ deleted: z.literal(true) });
