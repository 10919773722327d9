import { restoreCell } from '../../shared/csv.js';
import { AppError } from '../../shared/app-error.js';
import { identityKeys, type IdentityInput } from './identity.js';
import type { CustomerAttributes } from './customer.model.js';

/**
 * The rules of a customers CSV (the console's 导入 and `scripts/customers-csv.ts`), in one place: which
 * columns an import reads (those of the export, by their English name or their Chinese label), and
 * each record turned into an import row or refused in words that name the column as the file does.
 */
export const CSV_COLUMN_LABELS = {
  id: '编号',
  name: '姓名',
  phone: '手机号',
  gender: '性别',
  city: '城市',
  birthday: '生日',
  sourceChannel: '来源渠道',
  remark: '备注',
  externalUserId: '企业微信外部联系人ID',
  unionId: 'UnionID',
  shopMemberId: '店铺会员号',
  tags: '标签',
  orderCount: '订单数',
  totalPaid: '累计消费',
  lastOrderAt: '最近下单时间',
} as const;
export type CsvColumn = keyof typeof CSV_COLUMN_LABELS;

/** Columns an import reads; the others of the export (id, order figures) come from the shop's events. */
export const IMPORTED_COLUMNS = [
  'name',
  'phone',
  'gender',
  'city',
  'birthday',
  'sourceChannel',
  'remark',
  'externalUserId',
  'unionId',
  'shopMemberId',
  'tags',
] as const;
export const IDENTITY_COLUMNS = ['phone', 'externalUserId', 'unionId', 'shopMemberId'] as const;

export interface ColumnReport {
  /** The header cell as the file writes it. */
  name: string;
  /** The field it fills, when known, and that field's Chinese name (the page shows it). */
  field?: CsvColumn;
  label?: string;
  /** `import`: read; `computed`: an export column the import leaves alone; `unknown`: not ours. */
  use: 'import' | 'computed' | 'unknown';
}

const byName = new Map<string, CsvColumn>(
  (Object.entries(CSV_COLUMN_LABELS) as Array<[CsvColumn, string]>).flatMap(([field, label]) => [
    [field.toLowerCase(), field],
    [label.toLowerCase(), field],
  ]),
);

/** What each header cell means; a column named twice is read from its first place. */
export function readHeader(header: string[]): { columns: ColumnReport[]; missing: Array<{ field: CsvColumn; label: string }>; at: Map<CsvColumn, number> } {
  const at = new Map<CsvColumn, number>();
  const columns = header.map((raw, i): ColumnReport => {
    const name = raw.trim();
    const field = byName.get(name.toLowerCase());
    if (!field) return { name, use: 'unknown' };
    if (!at.has(field)) at.set(field, i);
    return { name, field, label: CSV_COLUMN_LABELS[field], use: (IMPORTED_COLUMNS as readonly string[]).includes(field) ? 'import' : 'computed' };
  });
  return { columns, missing: IMPORTED_COLUMNS.filter((c) => !at.has(c)).map((field) => ({ field, label: CSV_COLUMN_LABELS[field] })), at };
}

export interface CsvImportRow {
  identity: IdentityInput;
  attrs: CustomerAttributes;
  tags: string[];
}

const LIMITS: Partial<Record<CsvColumn, number>> = { name: 64, city: 64, remark: 200, sourceChannel: 64, externalUserId: 128, unionId: 128, shopMemberId: 128 };

/**
 * One record as an import row, or the reason it is refused (Chinese, naming the file's column).
 * Empty cells change nothing, so a file with only `phone,city` updates cities and nothing else.
 */
export function csvRecordToRow(header: string[], at: Map<CsvColumn, number>, cells: string[]): { row: CsvImportRow } | { reason: string } {
  // A cell our export neutralised against formula injection ('=…) reads back as it was stored.
  const get = (c: CsvColumn) => (at.has(c) ? restoreCell((cells[at.get(c)!] ?? '').trim()) : '');
  const col = (c: CsvColumn) => `“${header[at.get(c)!].trim()}”列`;
  const problems: string[] = [];
  for (const [c, max] of Object.entries(LIMITS) as Array<[CsvColumn, number]>) {
    if ([...get(c)].length > max) problems.push(`${col(c)}最多 ${max} 个字`);
  }
  const identity = Object.fromEntries(IDENTITY_COLUMNS.map((c) => [c, get(c)]).filter(([, v]) => v)) as IdentityInput;
  if (!Object.keys(identity).length)
    problems.push(
      `没有身份信息：${IDENTITY_COLUMNS.filter((c) => at.has(c))
        .map((c) => `“${header[at.get(c)!].trim()}”`)
        .join('、')}至少填一个`,
    );
  else if (identity.phone) {
    try {
      identityKeys({ phone: identity.phone });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      problems.push(`${col('phone')}的“${identity.phone}”不是手机号，请填 11 位手机号`);
    }
  }
  const g = gender(get('gender'));
  if (g === null) problems.push(`${col('gender')}的“${get('gender')}”看不懂，请填 男、女 或留空`);
  const b = birthday(get('birthday'));
  if (b === null) problems.push(`${col('birthday')}的“${get('birthday')}”不是日期，请写成 03-08 或 1990-03-08`);
  const tags = get('tags')
    .split(/[|;；]/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.some((t) => [...t].length > 32)) problems.push(`${col('tags')}的标签名最多 32 个字`);
  if (tags.length > 20) problems.push(`${col('tags')}最多 20 个标签`);
  if (problems.length) return { reason: problems.join('；') };
  const attrs = Object.fromEntries(
    Object.entries({ name: get('name'), gender: g, city: get('city'), birthday: b, remark: get('remark'), sourceChannel: get('sourceChannel') }).filter(
      ([, v]) => v !== undefined && v !== '',
    ),
  ) as CustomerAttributes;
  return { row: { identity, attrs, tags: [...new Set(tags)] } };
}

/** 男/女 as people write it or male/female as the export does; undefined when empty, null when unreadable. */
function gender(raw: string): 'male' | 'female' | 'unknown' | undefined | null {
  const g = raw.toLowerCase();
  if (!g) return undefined;
  if (['男', 'male', 'm'].includes(g)) return 'male';
  if (['女', 'female', 'f'].includes(g)) return 'female';
  if (['未知', 'unknown'].includes(g)) return 'unknown';
  return null;
}

/** MM-DD (the export) or YYYY-MM-DD; undefined when empty, null when not a calendar day. */
function birthday(raw: string): { month: number; day: number; year?: number } | undefined | null {
  if (!raw) return undefined;
  const m = /^(?:(\d{4})[-/])?(\d{1,2})[-/](\d{1,2})$/.exec(raw);
  if (!m) return null;
  const [year, month, day] = [m[1] ? Number(m[1]) : undefined, Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year ?? 2000, month - 1, day)); // 2000 is a leap year: 02-29 stays valid
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day || (year !== undefined && (year < 1900 || year > 2100))) return null;
  return { month, day, ...(year !== undefined ? { year } : {}) };
}
