import { z } from 'zod';
import { component, dateTime, fen, int, objectIdString, pageOf } from '../../shared/http/api-schemas.js';

/** The customers module's answers as the OpenAPI document publishes them (customer.view.ts, follow-ups). */

export const Customer = component(
  'Customer',
  z.object({
    id: objectIdString,
    name: z.string().optional().describe('masked (张*) for roles that may not see it'),
    gender: z.enum(['male', 'female', 'unknown']).optional(),
    birthday: z.object({ month: int, day: int, year: int.optional() }).optional(),
    city: z.string().optional(),
    phone: z.string().optional().describe('masked (138****0000) for roles that may not see it'),
    remark: z.string().optional(),
    avatar: z.string().optional(),
    sourceChannel: z.string().optional(),
    ownerStaffId: z.string().optional(),
    followerStaffIds: z.array(z.string()),
    tags: z.array(objectIdString),
    identities: z.array(z.object({ type: z.string(), value: z.string(), appId: z.string().optional() })),
    aggregates: z.object({
      orderCount: int,
      totalPaid: fen,
      averageOrderValue: fen,
      refundCount: int,
      refundedAmount: fen,
      firstOrderAt: dateTime.optional(),
      lastOrderAt: dateTime.optional(),
      lastActiveAt: dateTime.optional(),
    }),
    wecom: z.object({ relation: z.enum(['none', 'active', 'lost']), addedAt: dateTime.optional(), lostAt: dateTime.optional() }).optional(),
    rfm: z.record(z.string(), z.unknown()).optional().describe('r, f, m scores (1–5), class, recencyDays, scoredAt; churn: state, dueAt…'),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);

export const CustomerPage = pageOf(Customer);

export const Note = component(
  'Note',
  z.object({ _id: objectIdString, staffId: z.string().optional(), staffName: z.string().optional(), text: z.string(), at: dateTime }),
);

export const FollowUp = component(
  'FollowUp',
  z.object({
    _id: objectIdString,
    tenantId: z.string(),
    customerId: objectIdString,
    assigneeId: z.string().optional(),
    title: z.string(),
    dueAt: dateTime.optional(),
    status: z.enum(['open', 'done']),
    source: z.string().describe('manual, or what created it (churn, journey…)'),
    dedupeKey: z.string().optional(),
    createdBy: z.string().optional(),
    why: z.unknown().optional(),
    doneAt: dateTime.optional(),
    closedReason: z.string().optional(),
    createdAt: dateTime,
    updatedAt: dateTime,
    __v: int.optional(),
  }),
);

export const CustomerDetail = Customer.extend({
  notes: z.array(Note),
  followUps: z.array(FollowUp),
  timeline: z.array(z.object({ kind: z.enum(['event', 'note', 'merge']), type: z.string(), at: dateTime, data: z.record(z.string(), z.unknown()).optional() })),
});
