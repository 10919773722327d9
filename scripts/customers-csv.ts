// Customer CSV import and export against a running server, in batches, with a progress bar.
//
//   npm run customers:import -- customers.csv [--url http://localhost:3000] [--user admin] [--password scrm-demo-2026]
//   npm run customers:export -- customers.csv [same options]
//
// SCRM_URL / SCRM_USER / SCRM_PASSWORD work too (defaults: the demo). Needs an admin login: an export
// hands over unmasked personal data and is recorded in the audit log, page by page.
import { readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parseCsv, csvRows } from '../server/src/shared/csv.js';
import { EXPORT_COLUMNS } from '../server/src/modules/customers/customer-transfer.routes.js';
import { progressBar } from './lib/progress.js';

/** Columns of an import: those of the export (server/src/modules/customers/customer-csv.ts has the rules). */
const IDENTITY_COLUMNS = ['phone', 'externalUserId', 'unionId', 'shopMemberId'] as const;
const BATCH = 500;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.SCRM_URL ?? 'http://localhost:3000' },
    user: { type: 'string', default: process.env.SCRM_USER ?? 'admin' },
    password: { type: 'string', default: process.env.SCRM_PASSWORD ?? 'scrm-demo-2026' },
  },
});
const [command, file] = positionals;
if (!['import', 'export'].includes(command) || !file) {
  console.error('usage: customers-csv.ts import|export <file.csv> [--url URL] [--user NAME] [--password PASSWORD]');
  process.exit(2);
}

/** The API's refusal: `{ error: { code, message } }`. */
type ErrorBody = { error?: { message?: string } };

/** One API call; T is what the route answers (the server checks it against its response schema). */
async function call<T = unknown>(path: string, init: { method?: string; token?: string; body?: unknown; csv?: string } = {}): Promise<T> {
  const res = await fetch(`${values.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': init.csv === undefined ? 'application/json' : 'text/csv; charset=utf-8',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.csv ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const json: unknown = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status}: ${(json as ErrorBody | null)?.error?.message ?? res.statusText}`);
  return json as T;
}

/**
 * The file goes to POST /customers/import.csv in batches of rows, each with the header and the number
 * of its first row, so the server reads the columns and words the refusals the same way for the
 * console and for this tool.
 */
async function importFile(token: string) {
  const [header, ...records] = parseCsv(readFileSync(file, 'utf8'));
  if (!header || !IDENTITY_COLUMNS.some((c) => header.includes(c))) {
    throw new Error(`${file}: the first line must name the columns, with at least one of ${IDENTITY_COLUMNS.join(', ')}`);
  }
  const bar = progressBar('import', records.length);
  const totals = { created: 0, updated: 0 };
  const rejected: Array<{ line: number; reason: string; cells: string[] }> = [];
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    // Row numbers as a spreadsheet shows them: the header is row 1.
    const result = await call<{ created: number; updated: number; rejected: Array<{ row: number; reason: string }> }>(
      `/api/v1/customers/import.csv?firstRow=${i + 2}`,
      { method: 'POST', token, csv: csvRows([header, ...batch]) },
    );
    totals.created += result.created;
    totals.updated += result.updated;
    for (const r of result.rejected) rejected.push({ line: r.row, reason: r.reason, cells: records[r.row - 2] });
    bar.update(Math.min(records.length, i + BATCH), `created ${totals.created} updated ${totals.updated} rejected ${rejected.length}`);
  }
  bar.done();
  console.log(`Imported ${file}: ${totals.created} created, ${totals.updated} updated, ${rejected.length} rejected.`);
  if (rejected.length) {
    const out = file.replace(/(\.csv)?$/, '.rejected.csv');
    writeFileSync(out, csvRows([['line', 'reason', ...header], ...rejected.map((r) => [r.line, r.reason, ...r.cells])], { bom: true }));
    for (const r of rejected.slice(0, 5)) console.log(`  line ${r.line}: ${r.reason}`);
    console.log(`All rejected rows, with the reason, are in ${out}: fix them there and import that file.`);
  }
}

async function exportFile(token: string) {
  const out = createWriteStream(file);
  out.write(csvRows([[...EXPORT_COLUMNS]], { bom: true }));
  let after: string | null = null;
  let bar: ReturnType<typeof progressBar> | undefined;
  let done = 0;
  do {
    const page: { items: Array<Record<string, unknown>>; total?: number; next: string | null } = await call<{
      items: Array<Record<string, unknown>>;
      total?: number;
      next: string | null;
    }>(`/api/v1/customers/export?limit=${BATCH}${after ? `&after=${after}` : ''}`, {
      token,
    });
    bar ??= progressBar('export', page.total ?? 0);
    // The JSON pages carry dates as ISO strings and numbers as numbers: the same cells as export.csv.
    if (page.items.length && !out.write(csvRows(page.items.map((item) => EXPORT_COLUMNS.map((c) => item[c]))))) await once(out, 'drain');
    done += page.items.length;
    bar.update(done);
    after = page.next;
  } while (after);
  bar?.done();
  out.end();
  await once(out, 'finish');
  console.log(`Exported ${done} customers to ${file}.`);
}

try {
  const { token } = await call<{ token: string }>('/api/v1/auth/login', { method: 'POST', body: { username: values.user, password: values.password } });
  await (command === 'import' ? importFile(token) : exportFile(token));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
