import { z } from 'zod';
import { dateTime, fen, int, objectIdString } from '../../shared/http/api-schemas.js';

/** Customer groups' (客户群) answers as the OpenAPI document publishes them (customer-group.service.ts, sidebar-group.service.ts). */

const memberType = int.describe('1 a staff member, 2 an external contact (a customer)');

const member = z.object({
  userid: z.string(),
  type: memberType,
  joinedAt: dateTime.optional(),
  joinScene: int.optional(),
  name: z.string().optional().describe("customers' names masked for roles that may not see them"),
  customerId: z.string().optional(),
});

const groupFields = {
  id: objectIdString,
  chatId: z.string(),
  name: z.string(),
  ownerStaffId: z.string().optional(),
  ownerUserid: z.string().optional(),
  status: z.enum(['active', 'dismissed']),
  memberCount: int,
  dismissedAt: dateTime.optional(),
};

/** GET /wecom/groups: without `page` every group (at most 500) with its members; with `page` a page of the console table. */
export const GroupList = z.union([
  z.object({
    items: z.array(
      z.object({
        ...groupFields,
        customerCount: int,
        joined: int.describe('members who joined in the last `days`'),
        left: int.describe('members who left in the last `days`'),
        topTags: z.array(z.object({ tagId: z.string(), customers: int })),
        createdInWecomAt: dateTime.optional(),
        syncedAt: dateTime.optional(),
      }),
    ),
    total: int,
    page: int,
    pageSize: int,
  }),
  z.object({ items: z.array(z.object({ ...groupFields, members: z.array(member) })) }),
]);

export const GroupDetail = z.object({
  id: objectIdString,
  chatId: z.string(),
  name: z.string(),
  notice: z.string().optional(),
  ownerStaffId: z.string().optional(),
  ownerUserid: z.string().optional(),
  status: z.enum(['active', 'dismissed']),
  memberCount: int,
  syncedAt: dateTime.optional(),
  members: z.array(
    member.omit({ customerId: true }).extend({ customerId: objectIdString.optional(), ownerStaffId: z.string().optional(), tags: z.array(z.string()) }),
  ),
  departures: z
    .array(
      z.object({
        userid: z.string(),
        type: memberType,
        name: z.string().optional(),
        customerId: z.string().optional(),
        joinedAt: dateTime.nullable().optional(),
        leftAt: dateTime,
      }),
    )
    .describe('who left, newest first (the latest 50)'),
});

/** GET /wecom/sidebar/group/{chatId}: the group as the sidebar shows it to a member in the chat. */
export const SidebarGroup = z.object({
  chatId: z.string(),
  name: z.string(),
  notice: z.string(),
  owner: z.object({ id: objectIdString, name: z.string() }).nullable(),
  createdAt: dateTime.nullable(),
  memberCount: int,
  staffCount: int,
  customerCount: int,
  buyers: int,
  joinedThisWeek: int,
  atRisk: int,
  customers: z
    .array(
      z.object({
        customerId: objectIdString.nullable(),
        name: z.string().describe('masked for roles that may not see it'),
        joinedAt: dateTime.nullable(),
        orderCount: int,
        totalPaid: fen,
        rfmClass: z.string().nullable(),
        atRisk: z.boolean(),
        open: z.boolean().describe('whether the caller may open the full profile'),
      }),
    )
    .describe('biggest buyers first'),
});
