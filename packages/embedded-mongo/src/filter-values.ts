import { compare as mingoCompare, typeOf } from 'mingo/util';

/**
 * How mingo 7 (the matcher inside CongoDB) reads a field and compares one value, restated for the
 * compiled filters in compiled-filter.ts. Every rule here is mingo's, not MongoDB's, because mingo is
 * what the embedded server answered with before: path resolution is `resolve` (util/_internal.js),
 * equality is `isEqual`, `$in` is `intersection` (a hash map keyed by primitive or by `hashCode` +
 * `isEqual`), ranges are `compare` on values of the same `typeOf`. Where a value is not one of the
 * kinds handled directly, the comparison is handed to mingo's own `typeOf`/`compare`.
 */

/** The values a compiled filter may hold: what a MongoDB filter calls a plain value. */
export type PlainValue = string | number | boolean | null | Date | ObjectIdLike;
export interface ObjectIdLike {
  _bsontype: 'ObjectId';
  toString(): string;
}
type Test = (value: unknown) => boolean;

const OBJECT_PROTO_PROPS = new Set(Object.getOwnPropertyNames(Object.prototype).filter((s) => s !== '__proto__'));
const hasOwn = Object.prototype.hasOwnProperty;
const isPrimitive = (v: unknown) => (typeof v !== 'object' && typeof v !== 'function') || v === null;
const isScalar = (v: unknown) => isPrimitive(v) || v instanceof Date || v instanceof RegExp;
const simpleCmp = (a: any, b: any) => (a < b ? -1 : a > b ? 1 : 0);

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 48 || s.charCodeAt(i) > 57) return false;
  return true;
}

// ── Paths ────────────────────────────────────────────────────────────────────────────────────────

export interface FieldPath {
  parts: string[];
  /** Segment is all digits (an array position; mingo counts '' as one too). */
  index: boolean[];
  /** Segment names a property of Object.prototype, which mingo reads only when the object owns it. */
  proto: boolean[];
  dots: number;
}

/** A selector's path, or null where mingo refuses it at match time (`__proto__`). */
export function fieldPath(selector: string): FieldPath | null {
  const parts = selector.split('.');
  if (parts.includes('__proto__')) return null;
  return { parts, index: parts.map(isDigits), proto: parts.map((p) => OBJECT_PROTO_PROPS.has(p)), dots: parts.length - 1 };
}

function getValue(obj: any, key: string, proto: boolean): unknown {
  if (obj === Object.prototype || isPrimitive(obj)) return undefined;
  if (Array.isArray(obj)) return obj[Number(key)];
  if (proto && !hasOwn.call(obj, key)) return undefined;
  return obj[key];
}

// mingo counts, across the whole walk, how many arrays it descended into; the count bounds unwrapping.
let descents = 0;

function walk(value: unknown, path: FieldPath, start: number): unknown {
  for (let i = start; i < path.parts.length; i++) {
    if (!path.index[i] && Array.isArray(value)) {
      // An array met at the start of an element's own walk (an array inside an array) is kept whole.
      if (i === start && descents > 0) return value;
      descents++;
      const out: unknown[] = [];
      for (let j = 0; j < value.length; j++) {
        const v = walk(value[j], path, i);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    value = getValue(value, path.parts[i], path.proto[i]);
    if (value === undefined) return undefined;
  }
  return value;
}

/** mingo's `resolve(doc, selector, { unwrapArray })`. */
export function resolve(doc: unknown, path: FieldPath, unwrapArray: boolean): unknown {
  if (isScalar(doc)) return doc;
  if (path.parts.length === 1 && !Array.isArray(doc)) return getValue(doc, path.parts[0], path.proto[0]);
  descents = 0;
  let res = walk(doc, path, 0);
  if (!unwrapArray || !Array.isArray(res)) return res;
  let depth = descents;
  if (depth < 1) return res;
  while (depth-- && (res as unknown[]).length === 1 && Array.isArray((res as unknown[])[0])) res = (res as unknown[])[0];
  return res;
}

/** A document as the server stores it: an object that is not an array, a Date or a RegExp. */
export const isRecord = (doc: unknown): doc is Record<string, unknown> =>
  doc !== null && typeof doc === 'object' && !Array.isArray(doc) && !(doc instanceof Date) && !(doc instanceof RegExp) && doc !== Object.prototype;

/**
 * `resolve(doc, path, true)` for a record, reading the path straight through sub-documents; only
 * when it meets an array where the path names a field (mingo then collects from every element) does
 * it hand the document to resolve().
 */
export function accessor(path: FieldPath): (doc: Record<string, unknown>) => unknown {
  const { parts, index, proto } = path;
  if (parts.length === 1) {
    const key = parts[0];
    return proto[0] ? (doc) => (hasOwn.call(doc, key) ? doc[key] : undefined) : (doc) => doc[key];
  }
  return (doc) => {
    let v: any = doc;
    for (let i = 0; i < parts.length; i++) {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function') || v === Object.prototype) return undefined;
      if (Array.isArray(v)) {
        if (!index[i]) return resolve(doc, path, true);
        v = v[Number(parts[i])];
      } else v = proto[i] && !hasOwn.call(v, parts[i]) ? undefined : v[parts[i]];
      if (v === undefined) return undefined;
    }
    return v;
  };
}

// ── Values ───────────────────────────────────────────────────────────────────────────────────────

export const isObjectId = (v: any): v is ObjectIdLike => v !== null && typeof v === 'object' && v._bsontype === 'ObjectId' && typeOf(v) === 'objectid';

/** Whether `v` is a value compiled filters compare directly (else mingo keeps the whole filter). */
export function isPlainValue(v: unknown): v is PlainValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  if (v instanceof Date) return v.constructor === Date;
  return isObjectId(v);
}

/** mingo's `isEqual(x, b)` for a plain `b`. */
export function equalTo(b: PlainValue): Test {
  if (b === null) return (x) => x === null;
  if (typeof b === 'number' && Number.isNaN(b)) return (x) => typeof x === 'number' && Number.isNaN(x);
  if (typeof b !== 'object') return (x) => x === b;
  if (b instanceof Date) {
    const t = b.getTime();
    return (x) => x === b || (x instanceof Date && x.constructor === Date && +x === t);
  }
  // ObjectIds: same class and the same toString(), as isEqual does for any class with its own toString.
  const ctor = (b as object).constructor;
  const hex = b.toString();
  return (x) => x === b || (x !== null && typeof x === 'object' && x.constructor === ctor && x.toString() === hex);
}

/** mingo's `$eq` on a resolved value: equal, both nil, or an element equal (nested arrays as deep as the path's dots). */
export function eqTest(b: PlainValue, dots: number): Test {
  const eq = equalTo(b);
  const anyIn = (xs: unknown[], depth: number): boolean => {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (Array.isArray(x)) {
        if (depth > 0 && anyIn(x, depth - 1)) return true;
      } else if (eq(x)) return true;
    }
    return false;
  };
  if (b === null) return (a) => a === null || a === undefined || (Array.isArray(a) && anyIn(a, dots));
  if (typeof b === 'string' || typeof b === 'boolean' || (typeof b === 'number' && !Number.isNaN(b))) {
    return (a) => a === b || (Array.isArray(a) && anyIn(a, dots));
  }
  return (a) => eq(a) || (Array.isArray(a) && anyIn(a, dots));
}

/** A `$in` list hashed once: membership as mingo's intersection decides it. Null when the list holds an Invalid Date. */
export class ValueSet {
  private readonly primitives = new Set<unknown>();
  private readonly times = new Set<number>();
  private readonly hexes = new Set<string>();
  private oidClass: unknown = undefined;
  readonly hasNull: boolean;

  private constructor(values: PlainValue[]) {
    this.hasNull = values.includes(null);
    for (const v of values) {
      if (v === null) continue;
      if (typeof v !== 'object') this.primitives.add(v);
      else if (v instanceof Date) this.times.add(v.getTime());
      else {
        this.oidClass = v.constructor;
        this.hexes.add(v.toString());
      }
    }
  }

  static of(values: PlainValue[]): ValueSet | null {
    if (values.some((v) => v instanceof Date && Number.isNaN(v.getTime()))) return null;
    const classes = new Set(values.filter(isObjectId).map((v) => (v as object).constructor));
    return classes.size > 1 ? null : new ValueSet(values);
  }

  has(x: unknown): boolean {
    const t = typeof x;
    if (t === 'string' || t === 'number' || t === 'boolean') return this.primitives.has(x);
    if (x === null) return this.hasNull;
    // undefined, functions, symbols and bigints are never listed; mingo's hash lookup finds none either.
    if (t !== 'object') return false;
    if (x instanceof Date) return x.constructor === Date && this.times.has(x.getTime());
    return this.oidClass !== undefined && (x as object).constructor === this.oidClass && this.hexes.has((x as object).toString());
  }
}

/** mingo's `$in`: a nil value matches a listed null; else the value or one of its elements is listed. */
export function inTest(set: ValueSet): Test {
  return (a) => {
    if (a === null || a === undefined) return set.hasNull;
    if (!Array.isArray(a)) return set.has(a);
    for (let i = 0; i < a.length; i++) if (set.has(a[i])) return true;
    return false;
  };
}

/** mingo's `$all` with plain values: the value is a non-empty array holding each of them. */
export function allTest(values: PlainValue[]): Test {
  const eqs = values.map(equalTo);
  return (a) => Array.isArray(a) && a.length > 0 && eqs.length > 0 && eqs.every((eq) => a.some(eq));
}

export type RangeOp = '$gt' | '$gte' | '$lt' | '$lte';
const ACCEPT: Record<RangeOp, (c: number) => boolean> = { $gt: (c) => c > 0, $gte: (c) => c >= 0, $lt: (c) => c < 0, $lte: (c) => c <= 0 };

/** mingo's range operators: some element (or the value) of the bound's `typeOf`, compared with `compare`. */
export function rangeTest(op: RangeOp, b: PlainValue): Test {
  const ok = ACCEPT[op];
  const type = typeOf(b);
  const time = b instanceof Date ? +b : NaN;
  const oidClass = isObjectId(b) ? (b as object).constructor : undefined;
  const hex = oidClass ? b!.toString() : '';
  const one = (x: unknown): boolean => {
    if (x === null) return type === 'null' && ok(0);
    if (typeof x !== 'object') return typeof x === type && ok(simpleCmp(x, b));
    if (type === 'date' && x instanceof Date) return ok(simpleCmp(+x, time));
    if (oidClass !== undefined && x.constructor === oidClass) return ok(simpleCmp(x.toString(), hex));
    return !Array.isArray(x) && typeOf(x) === type && ok(mingoCompare(x, b));
  };
  return (a) => {
    if (!Array.isArray(a)) return one(a);
    for (let i = 0; i < a.length; i++) if (one(a[i])) return true;
    return false;
  };
}
