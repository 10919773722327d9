import { z } from 'zod';
import { Types } from 'mongoose';
import { ApiRouter } from '../../shared/http/route.js';
import { AppError } from '../../shared/app-error.js';
import type { AuditService } from '../staff/audit.service.js';
import type { CustomerService } from './customer.service.js';
import type { Deps } from '../../shared/deps.js';
import type { TagService } from '../tags/tag.service.js';
import { identityInputSchema, identityKeys } from './identity.js';
import { attributesSchema } from './customer.routes.js';
import { CustomerModel, type CustomerDoc } from './customer.model.js';
import { csvRows, parseCsv } from '../../shared/csv.js';
import { csvRecordToRow, IDENTITY_COLUMNS, IMPORTED_COLUMNS, readHeader, type CsvImportRow } from './customer-csv.js';
import { CustomerErrorCode } from './customer.errors.js';
import { Readable } from 'node:stream';
import { CsvImportResult, ExportPage, ImportResult } from './customer.responses.js';
import { msg, sayIssue } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface CustomerTransferRouteApis {
  audit: AuditService;
  customers: CustomerService;
  deps: Deps;
  tags: TagService;
}

/**
 * Bulk import and export of customers (the CSV tool in scripts/customers-csv.ts drives these in
 * batches). Admin only: an export hands over personal data, so each page is recorded in the audit
 * log with who took it and how many rows.
 */
const importRow = z
  .object({
    identity: identityInputSchema,
    attrs: attributesSchema.omit({ ownerStaffId: true }).default({}),
    /** Tag names ("美妆"), created in the 导入 group when the brand has no such tag yet. */
    tags: z.array(z.string().trim().min(1).max(32)).max(20).default([]),
  })
  .strict();

const IMPORT_TAG_GROUP = '导入';

export function customerTransferRoutes(s: CustomerTransferRouteApis) {
  const api = new ApiRouter('/api/v1/customers', 'customers');

  api.route(
    {
      method: 'post',
      path: '/import',
      allow: ['admin'],
      summary: 'Import up to 1,000 customers: new people are created, known ones (by any identity) updated; bad rows reported by index',
      body: z.object({ rows: z.array(z.unknown()).min(1, msg('IMPORT_ROWS_REQUIRED')).max(1000, msg('IMPORT_ROWS_AT_MOST_1000')) }),
      response: ImportResult,
    },
    async ({ body, tenantId }) => {
      const rejected: Array<{ index: number; reason: string }> = [];
      const good: Array<{ index: number; row: z.output<typeof importRow> }> = [];
      body.rows.forEach((raw, index) => {
        const parsed = importRow.safeParse(raw);
        if (!parsed.success) {
          rejected.push({ index, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${sayIssue(i)}`).join('; ') });
          return;
        }
        try {
          identityKeys(parsed.data.identity); // a malformed phone is this row's problem, not the batch's
          good.push({ index, row: parsed.data });
        } catch (err) {
          rejected.push({ index, reason: err instanceof AppError ? err.message : String(err) });
        }
      });
      const result = await importRows(
        s,
        tenantId,
        good.map((g) => g.row),
      );
      return { created: result.created, updated: result.updated, rejected };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/import.csv',
      allow: ['admin'],
      audit: false,
      summary:
        "Import a CSV (text/csv, the export's columns, header first, at most 1,000 rows): rejected rows by their row number in the file (`firstRow` is the number of the first one) with the reason in Chinese; `dryRun` only checks",
      body: z.string({ error: msg('CSV_CONTENT_TYPE') }).min(1, msg('FILE_EMPTY')),
      query: z.object({
        firstRow: z.coerce.number().int().min(2).max(10_000_000).default(2),
        dryRun: z
          .enum(['true', 'false'])
          .default('false')
          .transform((v) => v === 'true'),
      }),
      response: CsvImportResult,
    },
    async ({ body, query, tenantId, principal }) => {
      let records: string[][];
      try {
        records = parseCsv(body);
      } catch (err) {
        const line = (err as { lines?: number }).lines;
        throw new AppError(CustomerErrorCode.CSV_UNREADABLE, `The file is not CSV${line ? ` (line ${line})` : ''}: ${(err as Error).message}`, {
          status: 400,
          details: { line: line ?? '' },
        });
      }
      const [header = [], ...rows] = records;
      const { columns, missing, at } = readHeader(header);
      if (!IDENTITY_COLUMNS.some((c) => at.has(c))) {
        throw new AppError(
          CustomerErrorCode.CSV_NO_IDENTITY_COLUMN,
          `The first row must name the columns, with at least one of ${IDENTITY_COLUMNS.join(', ')}`,
          { status: 400, details: { columns: IDENTITY_COLUMNS.join('、') } },
        );
      }
      if (rows.length > 1000) {
        throw new AppError(CustomerErrorCode.CSV_TOO_MANY_ROWS, `Send at most 1,000 rows per request (this one has ${rows.length})`, {
          status: 400,
          details: { rows: rows.length, max: 1000 },
        });
      }
      const rejected: Array<{ row: number; reason: string }> = [];
      const good: CsvImportRow[] = [];
      rows.forEach((cells, i) => {
        const read = csvRecordToRow(header, at, cells);
        if ('reason' in read) rejected.push({ row: query.firstRow + i, reason: read.reason });
        else good.push(read.row);
      });
      const result = query.dryRun ? { created: 0, updated: 0 } : await importRows(s, tenantId, good);
      if (!query.dryRun && principal.kind === 'staff') {
        await s.audit.record({
          tenantId,
          actorId: principal.id,
          actorRole: principal.role,
          action: 'customers.import',
          targetType: 'customer',
          details: { format: 'csv', firstRow: query.firstRow, rows: rows.length, ...result, rejected: rejected.length },
        });
      }
      return { rows: rows.length, accepted: good.length, created: result.created, updated: result.updated, rejected, columns, missing };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/export',
      allow: ['admin'],
      summary: 'Export customers page by page (unmasked, audited): pass `next` back as `after` until it is null',
      query: z.object({
        after: z
          .string()
          .regex(/^[0-9a-f]{24}$/, msg('PAGE_CURSOR'))
          .optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(500),
      }),
      response: ExportPage,
    },
    async ({ query, tenantId, principal }) => {
      const filter: Record<string, unknown> = { tenantId, status: 'active' };
      if (query.after) filter._id = { $gt: new Types.ObjectId(query.after) };
      const [docs, total] = await Promise.all([
        CustomerModel.find(filter).sort({ _id: 1 }).limit(query.limit).lean(),
        query.after ? Promise.resolve(undefined) : CustomerModel.countDocuments({ tenantId, status: 'active' }),
      ]);
      const tagNames = new Map((await s.tags.list(tenantId)).map((t) => [t.id, t.name]));
      const items = docs.map((d) => exportRow(d, tagNames));
      if (principal.kind === 'staff') {
        await s.audit.record({
          tenantId,
          actorId: principal.id,
          actorRole: principal.role,
          action: 'customers.export',
          targetType: 'customer',
          details: { rows: items.length, after: query.after ?? null },
        });
      }
      return { items, total, next: docs.length === query.limit ? String(docs[docs.length - 1]._id) : null };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/export.csv',
      allow: ['admin'],
      summary: 'Every customer as one CSV file (UTF-8 with BOM, opens in Excel; the columns the import takes back), unmasked and audited',
      produces: { types: ['text/csv'], description: 'The CSV file (a header row, then one row per customer), as an attachment' },
    },
    async ({ tenantId, principal, ctx }) => {
      const tagNames = new Map((await s.tags.list(tenantId)).map((t) => [t.id, t.name]));
      const total = await CustomerModel.countDocuments({ tenantId, status: 'active' });
      if (principal.kind === 'staff') {
        await s.audit.record({
          tenantId,
          actorId: principal.id,
          actorRole: principal.role,
          action: 'customers.export',
          targetType: 'customer',
          details: { rows: total, format: 'csv' },
        });
      }
      ctx.type = 'text/csv; charset=utf-8';
      ctx.attachment(`customers-${s.deps.now().toISOString().slice(0, 10)}.csv`);
      // Streamed page by page, so a brand with a million customers never sits in memory at once.
      return Readable.from(
        (async function* () {
          yield csvRows([[...EXPORT_COLUMNS]], { bom: true });
          for await (const batch of s.customers.iterate(tenantId, 1000)) {
            yield csvRows(
              batch.map((d) => {
                const row = exportRow(d, tagNames);
                return EXPORT_COLUMNS.map((c) => row[c]);
              }),
            );
          }
        })(),
      );
    },
  );

  return api;
}

/** Rows already checked, imported in one batch; their tag names made tags of the 导入 group when new. */
async function importRows(
  s: CustomerTransferRouteApis,
  tenantId: string,
  rows: Array<{ identity: z.output<typeof identityInputSchema>; attrs: CsvImportRow['attrs']; tags: string[] }>,
) {
  if (!rows.length) return { created: 0, updated: 0 };
  const names = [...new Set(rows.flatMap((r) => r.tags))];
  const existing = new Map((await s.tags.list(tenantId)).map((t) => [t.name, t.id]));
  for (const name of names) if (!existing.has(name)) existing.set(name, (await s.tags.ensure(tenantId, IMPORT_TAG_GROUP, name)).id);
  const result = await s.customers.importMany(
    tenantId,
    rows.map((r) => ({ identity: r.identity, attrs: r.attrs, tags: r.tags.map((n) => existing.get(n)!) })),
    'import',
  );
  return { created: result.created, updated: result.updated };
}

/** The columns of an export, in order; `scripts/customers-csv.ts import` reads the same ones back. */
export const EXPORT_COLUMNS = ['id', ...IMPORTED_COLUMNS, 'orderCount', 'totalPaid', 'lastOrderAt'] as const;

function exportRow(d: CustomerDoc, tagNames: Map<string, string>): Record<(typeof EXPORT_COLUMNS)[number], unknown> {
  const identity = (type: string) => (d.identities ?? []).find((i) => i.type === type)?.value ?? '';
  return {
    id: String(d._id),
    name: d.name ?? '',
    phone: d.phone ?? '',
    gender: d.gender ?? '',
    city: d.city ?? '',
    birthday: d.birthday?.month ? `${String(d.birthday.month).padStart(2, '0')}-${String(d.birthday.day).padStart(2, '0')}` : '',
    sourceChannel: d.sourceChannel ?? '',
    remark: d.remark ?? '',
    externalUserId: identity('externalUserId'),
    unionId: identity('unionId'),
    shopMemberId: identity('shopMemberId'),
    tags: (d.tags ?? []).map((t: string) => tagNames.get(t)).filter(Boolean),
    orderCount: d.aggregates?.orderCount ?? 0,
    totalPaid: d.aggregates?.totalPaid ?? 0,
    lastOrderAt: d.aggregates?.lastOrderAt ?? null,
  };
}
