// The package exposes CongoDB only by deep path.
import { bson } from '@push.rocks/smartmongo/dist_ts/congodb/congodb.plugins.js';

/**
 * `jsonEqual(a, b)` answers `JSON.stringify(a) === JSON.stringify(b)` without building either string.
 * CongoDB's update handler decides whether an update modified a document (its `nModified`, and
 * whether the document is written at all) with exactly that comparison of the old and the updated
 * document; building the two strings of every matched document was one of the larger costs of an
 * update statement, and garbage to collect.
 *
 * Both values are walked side by side following JSON.stringify's own rules (ECMA-262
 * SerializeJSONProperty), so the answer is the same for every input:
 * - strings, booleans and finite numbers serialise to distinct texts for distinct values of the same
 *   type (string escaping is injective; a finite number prints as ToString, with -0 as "0", which
 *   `===` also equates), and values of different JSON types never print alike; NaN and ±Infinity
 *   print as null;
 * - undefined, functions and symbols print nothing: an object leaves the key out, an array prints
 *   null;
 * - arrays print every index in order; plain objects print their own enumerable string keys in
 *   Object.keys order, so key order matters, as it does in the strings;
 * - anything else — an object with a toJSON method (Date, ObjectId, Binary, ...), a class instance
 *   (Long, ...), a boxed primitive — is compared by JSON.stringify of that value alone, with two
 *   shortcuts: two Dates are equal when both are invalid (null) or their times are equal
 *   (toISOString is one-to-one), two ObjectIds when their 12 bytes are (the hex string is one-to-one);
 *   both only for the unmodified classes bson and Date define.
 * - a bigint is handed to JSON.stringify, which throws the TypeError it always threw (none reaches
 *   CongoDB: BSON is decoded without useBigInt64 and no update operator makes one).
 * The same reference is equal to itself (serialisation of these values is deterministic).
 */
const ABSENT = Symbol('absent');
class Json {
  constructor(readonly text: string) {}
}

const ObjectIdClass = bson.ObjectId;
const dateToJSON = Date.prototype.toJSON;
const isDate = (v: object): v is Date =>
  Object.getPrototypeOf(v) === Date.prototype && (v as Date).toJSON === dateToJSON && !Object.prototype.hasOwnProperty.call(v, 'toISOString');
const isObjectId = (v: object): v is InstanceType<typeof ObjectIdClass> =>
  Object.getPrototypeOf(v) === ObjectIdClass.prototype &&
  !Object.prototype.hasOwnProperty.call(v, 'toJSON') &&
  !Object.prototype.hasOwnProperty.call(v, 'toHexString');
const isPlain = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** The value as JSON.stringify sees it: ABSENT (prints nothing), null, a primitive, an array, a plain object, a Date, an ObjectId, or a Json text. */
function norm(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return ABSENT;
    case 'bigint':
      return JSON.stringify(v); // throws
    default: {
      if (v === null) return null;
      const o = v as object;
      if (isDate(o) || isObjectId(o)) return o;
      if (typeof (o as { toJSON?: unknown }).toJSON === 'function' || (!Array.isArray(o) && !isPlain(o))) {
        const text = JSON.stringify(o);
        return text === undefined ? ABSENT : new Json(text);
      }
      return o;
    }
  }
}

const textOf = (v: unknown): string => (v instanceof Json ? v.text : JSON.stringify(v));
const special = (v: unknown) => v instanceof Json || v instanceof Date || v instanceof ObjectIdClass;

/** Two normed values, neither ABSENT. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // A Date, ObjectId or other special value can print like a primitive ("…", null) or an object.
  if (special(a) || special(b)) {
    if (a instanceof Date && b instanceof Date) {
      const x = a.getTime();
      const y = b.getTime();
      return x === y || (x !== x && y !== y);
    }
    if (a instanceof ObjectIdClass && b instanceof ObjectIdClass) return a.equals(b);
    return textOf(a) === textOf(b);
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const isArray = Array.isArray(a);
  if (isArray !== Array.isArray(b)) return false;
  if (isArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      let u = norm(x[i]);
      let w = norm(y[i]);
      if (u === ABSENT) u = null;
      if (w === ABSENT) w = null;
      if (!same(u, w)) return false;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  let i = 0;
  let j = 0;
  for (;;) {
    let u: unknown = ABSENT;
    let w: unknown = ABSENT;
    while (i < kx.length && (u = norm(x[kx[i]])) === ABSENT) i++;
    while (j < ky.length && (w = norm(y[ky[j]])) === ABSENT) j++;
    if (i >= kx.length || j >= ky.length) return i >= kx.length && j >= ky.length;
    if (kx[i] !== ky[j] || !same(u, w)) return false;
    i++;
    j++;
  }
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  const u = norm(a);
  const w = norm(b);
  if (u === ABSENT || w === ABSENT) return u === w;
  return same(u, w);
}
