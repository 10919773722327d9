import fc from 'fast-check';
import { Binary, BSON, Decimal128, Long, ObjectId, Timestamp } from 'bson';
import { ObjectId as DriverObjectId } from 'mongodb';
// The package exposes CongoDB only by deep path.
import { UpdateEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { jsonEqual } from '../src/json-equal.js';
import { runs } from './runs.js';

/**
 * The embedded server's update handler decides "modified" with jsonEqual (packages/embedded-mongo/src/json-equal.ts)
 * instead of comparing JSON.stringify of the old and the new document. It must answer exactly as the
 * two strings compare, for every pair — including where JSON prints different values alike (a Date and
 * its ISO string, an ObjectId and its hex, NaN and null, undefined and a missing key, a Long and the
 * plain object CongoDB's deep clone turns it into).
 */
// CongoDB's deep clone (private in its types), which turns a Long into a plain object.
const deepClone = (v: unknown): unknown => (UpdateEngine as any).deepClone(v);
const stringifyEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const hex = '64b7f0c2a1b2c3d4e5f60718';
const when = new Date('2026-03-01T10:00:00.000Z');
const scalar = fc.oneof(
  fc.constantFrom('a', 'b', '', '1', 'null', 'true', hex, when.toISOString(), '\u2028', '"'),
  fc.constantFrom(0, -0, 1, 1.5, -2, 1e21, 2 ** 53 + 2, NaN, Infinity, -Infinity),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc
    .constantFrom(
      () => new Date(when.getTime()),
      () => new Date(when.getTime() + 1),
      () => new Date(NaN),
      () => new ObjectId(hex),
      () => new ObjectId('64b7f0c2a1b2c3d4e5f60719'),
      () => new DriverObjectId(hex),
      () => Long.fromNumber(2 ** 60),
      () => ({ low: 0, high: 268435456, unsigned: false }),
      () => new Binary(Buffer.from('ab')),
      () => Decimal128.fromString('1.5'),
      () => new Timestamp({ t: 1, i: 2 }),
      () => (() => 1) as unknown,
      () => Symbol('s') as unknown,
      () => ({ toJSON: () => undefined }),
      () => ({ toJSON: 'text' }),
      () => Object.assign(Object.create(null), { a: 1 }),
      () => new Number(1) as unknown,
      () => new String('a') as unknown,
    )
    .map((make) => make()),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('arr'), tie('obj')),
  arr: fc.array(tie('v'), { maxLength: 4 }),
  obj: fc.dictionary(fc.constantFrom('a', 'b', 'c', '1', '0', 'toJSON', '_id'), tie('v'), { maxKeys: 4 }),
})).v;

// A near copy: cloned (as CongoDB's deepClone and as a plain copy would), with a few keys reordered,
// dropped, set to undefined or replaced by a value that often prints alike.
function variant(v: unknown, r: () => number): unknown {
  const pick = r();
  if (pick < 0.08) return scalarLike(v, r);
  if (Array.isArray(v)) return v.map((x) => variant(x, r));
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let entries = Object.entries(v).map(([k, x]) => [k, variant(x, r)] as [string, unknown]);
    if (pick < 0.14) entries = entries.reverse();
    else if (pick < 0.18) entries = entries.slice(1);
    else if (pick < 0.22) entries.push(['z', undefined]);
    return Object.fromEntries(entries);
  }
  return pick < 0.5 ? deepClone(v) : v;
}
function scalarLike(v: unknown, r: () => number): unknown {
  if (v instanceof Date) return r() < 0.5 ? v.toJSON() : new Date(v.getTime());
  if (v instanceof ObjectId || v instanceof DriverObjectId) return r() < 0.5 ? v.toHexString() : new ObjectId(v.toHexString());
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (v === null) return r() < 0.5 ? NaN : new Date(NaN);
  if (v === undefined) return r() < 0.5 ? () => 2 : undefined;
  if (typeof v === 'number') return r() < 0.5 ? -v : v + 0;
  return deepClone(v);
}

test('jsonEqual answers as JSON.stringify(a) === JSON.stringify(b) for random pairs and near copies', () => {
  let equalPairs = 0;
  let pairs = 0;
  fc.assert(
    fc.property(value, value, fc.integer(), (a, b, seed) => {
      let s = seed >>> 0;
      const r = () => ((s = (s * 1103515245 + 12345) >>> 0) % 1000) / 1000;
      const near = variant(a, r);
      const decoded = a && typeof a === 'object' && !Array.isArray(a) && Object.getPrototypeOf(a) === Object.prototype ? safeRoundTrip(a) : a;
      for (const [x, y] of [
        [a, b],
        [a, near],
        [near, a],
        [a, a],
        [a, decoded],
        [decoded, near],
      ]) {
        pairs++;
        const expected = stringifyEqual(x, y);
        if (expected) equalPairs++;
        expect(jsonEqual(x, y)).toBe(expected);
      }
    }),
    { numRuns: runs(20000) },
  );
  // The property is only worth something if equal prints were common.
  expect(equalPairs).toBeGreaterThan(pairs / 5);
});

function safeRoundTrip(doc: object): unknown {
  try {
    return BSON.deserialize(BSON.serialize(doc));
  } catch {
    return doc;
  }
}

test('hand-written cases', () => {
  const cases: Array<[unknown, unknown]> = [
    [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ],
    [{ a: 1, b: undefined }, { a: 1 }],
    [{ a: [undefined] }, { a: [null] }],
    [{ a: NaN }, { a: null }],
    [{ a: new Date(NaN) }, { a: null }],
    [{ a: when }, { a: when.toISOString() }],
    [{ a: new ObjectId(hex) }, { a: hex }],
    [{ a: new ObjectId(hex) }, { a: new DriverObjectId(hex) }],
    [{ a: Long.fromNumber(2 ** 60) }, { a: deepClone(Long.fromNumber(2 ** 60)) }],
    [{ a: -0 }, { a: 0 }],
    [{ a: '1' }, { a: 1 }],
    [[1, 2], { 0: 1, 1: 2 }],
    [
      { 1: 'x', a: 'y' },
      { a: 'y', 1: 'x' },
    ],
    [{ toJSON: () => 'same' }, 'same'],
    [{ a: { toJSON: () => undefined } }, {}],
    [undefined, undefined],
    [undefined, () => 1],
    [new Number(3), 3],
  ];
  for (const [a, b] of cases) {
    expect(jsonEqual(a, b)).toBe(stringifyEqual(a, b));
    expect(jsonEqual(b, a)).toBe(stringifyEqual(b, a));
  }
  expect(() => jsonEqual({ a: 1n }, { a: 1n })).toThrow(TypeError);
});
