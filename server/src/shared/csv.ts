/**
 * RFC 4180 CSV: fields separated by commas, quoted with double quotes when they hold a comma, quote
 * or line break (a quote inside is doubled). A UTF-8 BOM (Excel writes one) is ignored on read and
 * written on export so that Excel opens Chinese text correctly.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function csvLine(values: unknown[]): string {
  return values
    .map((v) => {
      const s = v == null ? '' : v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join('|') : String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}

export const BOM = '\ufeff';
