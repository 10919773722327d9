import { Query } from 'mingo';
import { isOperator, typeOf } from 'mingo/util';
import {
  accessor,
  allTest,
  eqTest,
  fieldPath,
  inTest,
  isPlainValue,
  isRecord,
  rangeTest,
  ValueSet,
  type FieldPath,
  type PlainValue,
  type RangeOp,
} from './filter-values.js';

/**
 * Compiles a MongoDB query filter into a plain JavaScript predicate that answers exactly as
 * `new Query(filter).test(doc)` in mingo 7 (CongoDB's matcher), or returns null and leaves the whole
 * filter to mingo. mingo builds its operators per call and, for `$in`, hashes the whole list again
 * for every document it tests; a compiled filter resolves each path once per document and keeps
 * `$in` lists in sets built once.
 *
 * Compiled: implicit equality and `$eq`, `$ne`, `$in`, `$nin`, `$gt`, `$gte`, `$lt`, `$lte`, `$all`
 * over plain values (string, number, boolean, null, Date, ObjectId); `$exists`; `$and`, `$or`,
 * `$nor`; dotted paths, through arrays and array positions, as mingo resolves them.
 * Left to mingo: every other operator (`$regex`, `$elemMatch`, `$not`, `$size`, `$type`, `$expr`,
 * `$where`, ...), values that are arrays, sub-documents, regular expressions or other BSON types,
 * an Invalid Date or ObjectIds of two classes in one `$in` list, `__proto__` in a path, and anything
 * malformed (mingo throws on it, as before).
 */
export type Predicate = (doc: unknown) => boolean;
/** A compiled part, applied to records only (see isRecord): the root sends anything else to mingo. */
type Part = (doc: Record<string, unknown>) => boolean;
type Test = (value: unknown) => boolean;

const RANGE_OPS = new Set<string>(['$gt', '$gte', '$lt', '$lte']);

const isQueryObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && typeOf(v) === 'object';

export function compileFilter(filter: unknown): Predicate | null {
  const part = compileQuery(filter);
  if (!part) return null;
  // Collections hold only records; a $pull condition may be tested on a scalar or an array, which
  // mingo resolves its own way: mingo answers for those.
  let query: Query | undefined;
  return (doc) => (isRecord(doc) ? part(doc) : (query ??= new Query(filter as Record<string, unknown>)).test(doc as Record<string, unknown>));
}

function compileQuery(filter: unknown): Part | null {
  const fields: Part[] = [];
  const logical: Part[] = [];
  if (!collectParts(filter, fields, logical)) return null;
  // Nothing in the compiled subset throws or has side effects, so the order of the parts is free:
  // plain field conditions first (those of nested $and members too: a conjunction of conjunctions is
  // one conjunction), the branching ones after.
  return every([...fields, ...logical]);
}

/** Adds the conditions of `filter` to the conjunction being built; false when any is not compiled. */
function collectParts(filter: unknown, fields: Part[], logical: Part[]): boolean {
  if (!isQueryObject(filter)) return false;
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (key === '$and' && Array.isArray(value) && value.length > 0) {
      for (const sub of value) if (!collectParts(sub, fields, logical)) return false;
    } else if (key === '$and' || key === '$or' || key === '$nor') {
      const p = compileLogical(key, value);
      if (!p) return false;
      logical.push(p);
    } else if (key.startsWith('$')) {
      return false;
    } else {
      const p = compileField(key, value);
      if (!p) return false;
      fields.push(p);
    }
  }
  return true;
}

function compileLogical(op: '$and' | '$or' | '$nor', value: unknown): Part | null {
  if (!Array.isArray(value)) return null;
  const parts: Part[] = [];
  for (const sub of value) {
    const p = compileQuery(sub);
    if (!p) return null;
    parts.push(p);
  }
  if (op === '$and') return every(parts);
  const any = some(parts);
  return op === '$or' ? any : (doc) => !any(doc);
}

function compileField(selector: string, expr: unknown): Part | null {
  const path = fieldPath(selector);
  if (!path) return null;
  // mingo's normalize(): a scalar or an object without operator keys is an implicit $eq.
  const scalar = expr === null || typeof expr !== 'object' || expr instanceof Date || expr instanceof RegExp;
  if (scalar || !Object.keys(expr).some(isOperator)) {
    const test = operatorTest(path, '$eq', expr);
    return test && onValue(path, [test]);
  }
  if ('$regex' in expr) return null;
  const tests: Test[] = [];
  const whole: Part[] = [];
  for (const [op, value] of Object.entries(expr)) {
    if (op === '$exists' && path.dots > 0 && !/\.\d+$/.test(selector)) {
      // A nested $exists walks the document differently (mingo's resolveGraph): mingo's own code answers it.
      const q = new Query({ [selector]: { $exists: value } });
      whole.push((doc) => q.test(doc));
      continue;
    }
    const test = operatorTest(path, op, value);
    if (!test) return null;
    tests.push(test);
  }
  const onPath = tests.length ? onValue(path, tests) : null;
  return every(onPath ? [onPath, ...whole] : whole);
}

/** One operator applied to the value mingo resolves for the path (arrays unwrapped as mingo does). */
function operatorTest(path: FieldPath, op: string, value: unknown): Test | null {
  switch (op) {
    case '$eq':
    case '$ne': {
      if (!isPlainValue(value)) return null;
      const eq = eqTest(value, path.dots);
      return op === '$eq' ? eq : (a) => !eq(a);
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(value) || !value.every(isPlainValue)) return null;
      const set = ValueSet.of(value as PlainValue[]);
      if (!set) return null;
      const isIn = inTest(set);
      return op === '$in' ? isIn : (a) => !isIn(a);
    }
    case '$all':
      return Array.isArray(value) && value.every(isPlainValue) ? allTest(value as PlainValue[]) : null;
    case '$exists': {
      // Only for paths whose value mingo resolves plainly (no dots, or ending in a position).
      const want = !!value;
      return (a) => (a !== undefined) === want;
    }
    default:
      return RANGE_OPS.has(op) && isPlainValue(value) ? rangeTest(op as RangeOp, value) : null;
  }
}

function onValue(path: FieldPath, tests: Test[]): Part {
  const get = accessor(path);
  if (tests.length === 1) {
    const [t] = tests;
    return (doc) => t(get(doc));
  }
  return (doc) => {
    const a = get(doc);
    for (let i = 0; i < tests.length; i++) if (!tests[i](a)) return false;
    return true;
  };
}

function every(parts: Part[]): Part {
  switch (parts.length) {
    case 0:
      return () => true;
    case 1:
      return parts[0];
    case 2: {
      const [a, b] = parts;
      return (doc) => a(doc) && b(doc);
    }
    default:
      return (doc) => {
        for (let i = 0; i < parts.length; i++) if (!parts[i](doc)) return false;
        return true;
      };
  }
}

function some(parts: Part[]): Part {
  if (parts.length === 1) return parts[0];
  return (doc) => {
    for (let i = 0; i < parts.length; i++) if (parts[i](doc)) return true;
    return false;
  };
}
