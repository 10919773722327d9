import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';

/** Channel QR codes' (活码) answers as the OpenAPI document publishes them (contact-way.service.ts view). */

export const ContactWay = component(
  'ContactWay',
  z.object({
    id: objectIdString,
    name: z.string(),
    state: z.string().describe('stamped on customers who add through it (source wecom:<state>)'),
    configId: z.string().optional().describe("WeCom's config_id"),
    qrCode: z.string().optional().describe('where WeCom hosts the QR image'),
    staffIds: z.array(z.string()),
    backupStaffIds: z.array(z.string()),
    serving: z.enum(['primary', 'backup']).describe('backups serve for the rest of the day once the daily cap is reached'),
    tagIds: z.array(z.string()),
    welcome: z
      .object({
        text: z.string().optional(),
        link: z.object({ title: z.string().optional(), url: z.string().optional(), desc: z.string().optional(), picurl: z.string().optional() }).optional(),
      })
      .optional(),
    dailyCap: int.optional(),
    skipVerify: z.boolean(),
    createdAt: dateTime,
  }),
);

export const ContactWayList = z.object({ items: z.array(ContactWay.extend({ stats: z.object({ adds: int, addsToday: int, lost: int }) })) });

export const ContactWayDetail = ContactWay.extend({
  stats: z.object({
    adds: int.describe('all time'),
    lost: int,
    daily: z.record(z.string(), z.object({ adds: int, lost: int })).describe('by China day (YYYY-MM-DD), the last 30 days'),
  }),
});
