import { RE2 } from 're2-wasm';

/**
 * Regular expressions written by tenants (the desk's regex rules) run on RE2 (re2-wasm), whose
 * matching time is linear in the text: `b*b*b*b*b*b*b*b*c` or `(.*b){15}c`, which backtrack for
 * tens of seconds in V8, answer in microseconds. RE2 has no backreferences and no lookaround, so a
 * pattern using them is refused when saved (`checkLinearPattern`) rather than run on V8.
 *
 * re2-wasm keeps each compiled pattern in WebAssembly memory that JavaScript's garbage collector
 * never frees (it offers no dispose), so patterns are compiled once and kept in a bounded cache;
 * an evicted one is freed through its embind handle.
 */
const FLAGS = 'iu'; // case-insensitive, as rules always were; RE2 requires unicode mode

export type PatternProblem = 'invalid' | 'unsupported';

/** Null when RE2 runs the pattern; else whether it is no regex at all or a feature RE2 lacks. */
export function checkLinearPattern(pattern: string): { problem: PatternProblem; message: string } | null {
  if (cache.has(pattern)) return null;
  try {
    remember(pattern, new RE2(pattern, FLAGS));
    return null;
  } catch (err) {
    const message = (err as Error).message;
    try {
      new RegExp(pattern, 'i');
    } catch {
      return { problem: 'invalid', message };
    }
    // V8 takes it, RE2 does not: a backreference, lookahead/lookbehind or another backtracking-only construct.
    return { problem: 'unsupported', message };
  }
}

/** Whether `text` contains a match of `pattern`, case-insensitively; false for a pattern RE2 refuses. */
export function linearTest(pattern: string, text: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    try {
      re = remember(pattern, new RE2(pattern, FLAGS));
    } catch {
      return false;
    }
  } else {
    // Least recently used goes first: re-insert at the end.
    cache.delete(pattern);
    cache.set(pattern, re);
  }
  return re.test(text);
}

const MAX_CACHED = 500;
const cache = new Map<string, RE2>();

function remember(pattern: string, re: RE2): RE2 {
  cache.set(pattern, re);
  while (cache.size > MAX_CACHED) {
    const [oldest, evicted] = cache.entries().next().value as [string, RE2];
    cache.delete(oldest);
    // Safe: every use of a cached pattern is synchronous, so nothing holds it past this point.
    (evicted as unknown as { wrapper?: { delete?: () => void } }).wrapper?.delete?.();
  }
  return re;
}
