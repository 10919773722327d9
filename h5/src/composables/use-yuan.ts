/**
 * Amounts are typed in yuan and stored in fen. The text is converted by its digits, never through a
 * float (so 0.29 yuan is 29 fen, not 28.999…): whole yuan, optionally a point and at most two decimals.
 * Anything else (a third decimal, a sign, letters) is `null` and the form says so.
 */
export function yuanToFen(text: string): number | null {
  const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Fen shown back in an input as yuan with two decimals (1250 → "12.50"). */
export function fenToYuanText(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}
