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
import { parseCsv, csvRows, restoreCell } from '../server/src/shared/csv.js';
import { EXPORT_COLUMNS } from '../server/src/modules/customers/customer-transfer.routes.js';
import { progressBar } from './lib/progress.js';

/** Columns understood on import (any order, unknown ones ignored); export writes these and more. */
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

async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const res = await fetch(`${values.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const json = (await res.json().catch(() => ({}))) as any;
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status}: ${json?.error?.message ?? res.statusText}`);
  return json;
}

function birthday(raw: string) {
  const m = /^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$/.exec(raw.trim());
  if (!m) return undefined;
  return { month: Number(m[2]), day: Number(m[3]), ...(m[1] ? { year: Number(m[1]) } : {}) };
}

function gender(raw: string) {
  const g = raw.trim().toLowerCase();
  if (['男', 'male', 'm'].includes(g)) return 'male';
  if (['女', 'female', 'f'].includes(g)) return 'female';
  return g ? 'unknown' : undefined;
}

/** One CSV record as the import API takes it; empty cells are left out so they change nothing. */
function toRow(header: string[], cells: string[]) {
  // A cell our export neutralised against formula injection ('=…) reads back as it was stored.
  const get = (name: string) => restoreCell((cells[header.indexOf(name)] ?? '').trim());
  const identity = Object.fromEntries(IDENTITY_COLUMNS.map((c) => [c, get(c)]).filter(([, v]) => v));
  const attrs = Object.fromEntries(
    Object.entries({ name: get('name'), gender: gender(get('gender')), city: get('city'), birthday: birthday(get('birthday')), remark: get('remark'), sourceChannel: get('sourceChannel') }).filter(
      ([, v]) => v !== undefined && v !== '',
    ),
  );
  const tags = get('tags').split(/[|;；]/).map((t) => t.trim()).filter(Boolean);
  return { identity, attrs, tags };
}

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
    const result = await call('/api/v1/customers/import', { method: 'POST', token, body: { rows: batch.map((cells) => toRow(header, cells)) } });
    totals.created += result.created;
    totals.updated += result.updated;
    // Line numbers as a spreadsheet shows them: the header is line 1.
    for (const r of result.rejected) rejected.push({ line: i + r.index + 2, reason: r.reason, cells: batch[r.index] });
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
    const page: { items: any[]; total?: number; next: string | null } = await call(`/api/v1/customers/export?limit=${BATCH}${after ? `&after=${after}` : ''}`, { token });
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
  const { token } = await call('/api/v1/auth/login', { method: 'POST', body: { username: values.user, password: values.password } });
  await (command === 'import' ? importFile(token) : exportFile(token));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
