import { BSON } from 'mongodb';

/**
 * The unified test format's "Evaluating Matches" (mongodb/specifications,
 * source/unified-test-format/unified-test-format.md#evaluating-matches): expected values are a kind of
 * query over the actual ones. Root-level documents (an operation's document result, each document of
 * a cursor result, an error's response) may carry extra fields, nested ones may not; numbers compare
 * by value whatever their BSON type; `$$exists`, `$$type`, `$$unsetOrMatches` and `$$lte` are the
 * special operators the CRUD files use. Collection outcomes are compared exactly (`exactlyEqual`).
 *
 * Each function returns null on a match, else the path and a sentence saying what differed.
 */
export type Mismatch = string | null;

const { EJSON } = BSON;

type Doc = Record<string, unknown>;

const isPlainDoc = (v: unknown): v is Doc =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !('_bsontype' in v) && !(v instanceof Date) && !(v instanceof RegExp);

/** A JS number, or a BSON Int32/Long/Double: the numbers the format compares by value. */
function numeric(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && '_bsontype' in v) {
    const t = (v as { _bsontype: string })._bsontype;
    if (t === 'Long') return (v as unknown as { toNumber(): number }).toNumber();
    if (t === 'Int32' || t === 'Double') return Number((v as { valueOf(): unknown }).valueOf());
  }
  return null;
}

const show = (v: unknown) => (v === undefined ? 'nothing' : EJSON.stringify(v as Doc, { relaxed: true }));

/** The BSON type alias of a decoded value (https://www.mongodb.com/docs/manual/reference/operator/query/type/). */
export function bsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= 0x7fffffff ? 'int' : 'double';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object' && '_bsontype' in v) {
    const t = (v as { _bsontype: string; sub_type?: number })._bsontype;
    const names: Record<string, string> = {
      ObjectId: 'objectId',
      Long: 'long',
      Int32: 'int',
      Double: 'double',
      Decimal128: 'decimal',
      Binary: 'binData',
      Timestamp: 'timestamp',
      BSONRegExp: 'regex',
      MinKey: 'minKey',
      MaxKey: 'maxKey',
      Code: 'javascript',
      BSONSymbol: 'symbol',
    };
    return names[t] ?? t;
  }
  return 'object';
}

function special(expected: unknown): [string, unknown] | null {
  if (!isPlainDoc(expected)) return null;
  const keys = Object.keys(expected);
  return keys.length === 1 && keys[0].startsWith('$$') ? [keys[0], expected[keys[0]]] : null;
}

/** Does `actual` match `expected` under the format's rules? `root`: extra fields allowed at this level. */
export function matches(expected: unknown, actual: unknown, root: boolean, path = '$'): Mismatch {
  const op = special(expected);
  if (op) {
    const [name, arg] = op;
    switch (name) {
      case '$$unsetOrMatches':
        return actual === undefined ? null : matches(arg, actual, root, path);
      case '$$type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        const t = bsonTypeOf(actual);
        // The driver decodes a long that fits a double as a JS number (promoteLongs).
        const ok = types.includes(t) || (t === 'int' && types.includes('long'));
        return ok ? null : `${path}: expected a ${types.join(' or ')}, got ${t} ${show(actual)}`;
      }
      case '$$exists':
        return (actual !== undefined) === arg ? null : `${path}: expected ${arg ? 'a value' : 'no value'}, got ${show(actual)}`;
      case '$$lte': {
        const a = numeric(actual);
        const e = numeric(arg);
        return a !== null && e !== null && a <= e ? null : `${path}: expected at most ${show(arg)}, got ${show(actual)}`;
      }
      default:
        throw new UnsupportedMatch(name);
    }
  }
  if (isPlainDoc(expected)) {
    if (!isPlainDoc(actual)) return `${path}: expected a document ${show(expected)}, got ${show(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      const inner = special(value);
      if (inner && inner[0] === '$$exists') {
        const miss = matches(value, actual[key], false, `${path}.${key}`);
        if (miss) return miss;
        continue;
      }
      if (inner && inner[0] === '$$unsetOrMatches' && !(key in actual)) continue;
      if (!(key in actual)) return `${path}.${key}: expected ${show(value)}, got nothing`;
      const miss = matches(value, actual[key], false, `${path}.${key}`);
      if (miss) return miss;
    }
    if (!root) {
      const extra = Object.keys(actual).filter((k) => !(k in expected) && actual[k] !== undefined);
      if (extra.length) return `${path}: unexpected field(s) ${extra.join(', ')} in ${show(actual)}`;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array ${show(expected)}, got ${show(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} element(s) ${show(expected)}, got ${actual.length} ${show(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const miss = matches(expected[i], actual[i], false, `${path}[${i}]`);
      if (miss) return miss;
    }
    return null;
  }
  return sameValue(expected, actual) ? null : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

/** Scalars: numbers by value (Decimal128 excluded), everything else by canonical Extended JSON. */
function sameValue(expected: unknown, actual: unknown): boolean {
  const e = numeric(expected);
  const a = numeric(actual);
  if (e !== null || a !== null) return e !== null && a !== null && (e === a || (Number.isNaN(e) && Number.isNaN(a)));
  if (expected === undefined || actual === undefined) return expected === actual;
  return EJSON.stringify({ v: expected } as Doc, { relaxed: false }) === EJSON.stringify({ v: actual } as Doc, { relaxed: false });
}

/**
 * A collection's outcome: "the documents MUST match exactly" apart from key order, so no extra fields at
 * any level and no special operators; numbers still compare by value (JSON has no int/long distinction).
 */
export function exactlyEqual(expected: unknown, actual: unknown, path = '$'): Mismatch {
  if (isPlainDoc(expected)) {
    if (!isPlainDoc(actual)) return `${path}: expected ${show(expected)}, got ${show(actual)}`;
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      const miss = exactlyEqual(expected[k], actual[k], `${path}.${k}`);
      if (miss) return miss;
    }
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected ${show(expected)}, got ${show(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const miss = exactlyEqual(expected[i], actual[i], `${path}[${i}]`);
      if (miss) return miss;
    }
    return null;
  }
  return sameValue(expected, actual) ? null : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

/** An operator of the format this runner does not evaluate: the test is skipped, not failed. */
export class UnsupportedMatch extends Error {
  constructor(readonly operator: string) {
    super(`the runner does not evaluate ${operator}`);
  }
}
