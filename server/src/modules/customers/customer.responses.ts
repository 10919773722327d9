import { z } from 'zod';
import { component, dateTime, fen, int, objectIdString, pageOf } from '../../shared/http/api-schemas.js';
import { CSV_COLUMN_LABELS, IMPORTED_COLUMNS, type CsvColumn } from './customer-csv.js';

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

/** POST /customers/import: what became of a batch; bad rows by their index in `rows`. */
export const ImportResult = z.object({
  created: int,
  updated: int,
  rejected: z.array(z.object({ index: int, reason: z.string() })),
});

/** POST /customers/import.csv: what became of a file (or would, with dryRun); bad rows by their row number in the file. */
export const CsvImportResult = z.object({
  rows: int.describe('data rows in the file (the header excluded)'),
  accepted: int,
  created: int,
  updated: int,
  rejected: z.array(z.object({ row: int, reason: z.string().describe('in Chinese, naming the column') })),
  columns: z.array(
    z.object({
      name: z.string(),
      field: z.enum(Object.keys(CSV_COLUMN_LABELS) as [CsvColumn, ...CsvColumn[]]).optional(),
      label: z.string().optional(),
      use: z.enum(['import', 'computed', 'unknown']),
    }),
  ),
  missing: z.array(z.object({ field: z.enum(IMPORTED_COLUMNS), label: z.string() })).describe('columns the import reads that the file lacks'),
});

/** GET /customers/export: a page of unmasked rows, the columns of the CSV export. */
export const ExportPage = z.object({
  items: z.array(
    z.object({
      id: objectIdString,
      name: z.string(),
      phone: z.string(),
      gender: z.string(),
      city: z.string(),
      birthday: z.string().describe('MM-DD, or empty'),
      sourceChannel: z.string(),
      remark: z.string(),
      externalUserId: z.string(),
      unionId: z.string(),
      shopMemberId: z.string(),
      tags: z.array(z.string()).describe('tag names'),
      orderCount: int,
      totalPaid: fen,
      lastOrderAt: dateTime.nullable(),
    }),
  ),
  total: int.optional().describe('active customers, on the first page only (without `after`)'),
  next: objectIdString.nullable().describe('pass back as `after`; null on the last page'),
});
