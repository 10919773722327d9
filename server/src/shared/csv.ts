import { stringify, type Options as StringifyOptions } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';

/**
 * CSV as Excel reads it, through csv-stringify and csv-parse: RFC 4180 quoting, CRLF line ends, and a
 * UTF-8 BOM on export (and ignored on import) so that Excel opens Chinese text correctly.
 *
 * Every text cell is neutralised against CSV (formula) injection as OWASP advises
 * (https://owasp.org/www-community/attacks/CSV_Injection): a cell that begins with `=`, `+`, `-`, `@`,
 * a tab or a carriage return gets a leading single quote, so a spreadsheet shows it as text instead of
 * running it as a formula (`=HYPERLINK(...)`, `@SUM(...)`, DDE). Numbers stay numbers: a column whose
 * value is a JavaScript number (order counts, amounts in fen, a negative balance) is written as is.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The inverse of `neutraliseCell` for a cell read back from one of our exports. */
export function restoreCell(text: string): string {
  return text.length > 1 && text[0] === "'" && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

const options: StringifyOptions = {
  record_delimiter: 'windows',
  cast: {
    string: (s) => neutraliseCell(s),
    date: (d) => d.toISOString(),
    boolean: (b) => (b ? 'true' : 'false'),
    // Arrays (tags) are one cell, the items joined with `|` as the import splits them.
    object: (o) => neutraliseCell(Array.isArray(o) ? o.map((v) => (v == null ? '' : String(v))).join('|') : JSON.stringify(o)),
  },
};

/** CSV text for these rows (CRLF after each, the first row being the header when there is one). */
export function csvRows(rows: unknown[][], opts: { bom?: boolean } = {}): string {
  return stringify(rows, { ...options, bom: opts.bom ?? false });
}

/** Records of a CSV text (BOM ignored, blank lines skipped, rows of any length), cells as written. */
export function parseCsv(text: string): string[][] {
  return parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
}
