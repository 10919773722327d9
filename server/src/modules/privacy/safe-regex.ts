import vm from 'node:vm';

/**
 * Tenant-written regular expressions (desk keyword rules) run against every customer message. A
 * pattern like `(a+)+$` backtracks exponentially and would freeze the whole process on a 40-character
 * message, so patterns are checked when saved and every match runs under a time limit.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;
const QUANTIFIED_ALTERNATION = /\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;
const BACKREFERENCE = /\\[1-9]|\\k</;
const PROBES = ['a', '1', ' ', 'x', '啊', '\n'].flatMap((c) => [c.repeat(64) + '!', c.repeat(64) + '\u0000']);

const context = vm.createContext({ re: /./, s: '' });
const test = new vm.Script('re.test(s)');

/** Runs `re.test(text)` but gives up after `timeoutMs`; null when it ran out of time. */
export function boundedTest(re: RegExp, text: string, timeoutMs = 100): boolean | null {
  context.re = re;
  context.s = text;
  re.lastIndex = 0;
  try {
    return test.runInContext(context, { timeout: timeoutMs }) as boolean;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return null;
    throw err;
  }
}

/** Why a pattern is unsafe to run on customer text, or null when it is fine. */
export function unsafePatternReason(pattern: string): string | null {
  if (BACKREFERENCE.test(pattern)) return 'back-references are not allowed';
  if (NESTED_QUANTIFIER.test(pattern)) return 'a repeated group that itself repeats (like (a+)+) can take exponential time';
  if (QUANTIFIED_ALTERNATION.test(pattern)) return 'a repeated group of alternatives (like (a|ab)*) can take exponential time';
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'i');
  } catch (err) {
    return (err as Error).message;
  }
  // A benign pattern answers a probe in microseconds; a catastrophic one never does at 64 characters.
  // A generous limit, tried twice, keeps a busy machine from refusing a good pattern.
  for (const probe of PROBES) {
    if (boundedTest(re, probe, 250) === null && boundedTest(re, probe, 250) === null) return 'it takes too long on some messages';
  }
  return null;
}
