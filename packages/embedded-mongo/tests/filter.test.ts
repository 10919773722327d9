import { inspect } from 'node:util';
import fc from 'fast-check';
import { BSON, ObjectId } from 'bson';
import { ObjectId as DriverObjectId } from 'mongodb';
import { Query } from 'mingo';
// The package exposes CongoDB only by deep path.
import { QueryEngine } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { compileFilter } from '../src/compiled-filter.js';
import { sortDocuments } from '../src/decorated-sort.js';
import { runs } from './runs.js';

/**
 * The embedded MongoDB evaluates filters with compiled predicates (packages/embedded-mongo/src/compiled-filter.ts)
 * instead of mingo, and sorts with decorated-sort.ts instead of CongoDB's QueryEngine.sort. They must
 * answer exactly as before — mingo is what every test has run on — including where mingo and a real
 * MongoDB disagree (spelled out in the hand-written cases). Through the server: embedded-matching.test.ts.
 */

// Small domains so that filters and documents often meet. The filters are sent through BSON, as the
// server receives them: their Dates and ObjectIds are other instances than the documents'. Objects
// keep Object's prototype, as BSON decodes them (mingo's $in throws on a null-prototype sub-document).
const oids = [0, 1, 2].map(() => new ObjectId());
const dates = ['2026-01-01', '2026-03-01', '2026-06-01'].map((d) => new Date(`${d}T00:00:00Z`));
const scalar = fc.oneof(
  fc.constantFrom('x', 'y', 'X', '10', '9', '', 'é', 'e', '😀', '上海'),
  fc.constantFrom(0, 1, 2, 10, 1.5, -1, NaN),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...dates),
  fc.constantFrom(...oids),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'value' },
    { arbitrary: scalar, weight: 5 },
    { arbitrary: fc.array(tie('v'), { maxLength: 3 }), weight: 2 },
    { arbitrary: fc.record({ b: tie('v'), c: tie('v') }, { requiredKeys: [], noNullPrototype: true }), weight: 2 },
  ),
})).v;
const doc = fc.record(
  {
    a: value,
    b: value,
    n: fc.oneof(scalar, fc.constantFrom(3, 5, 50_000)),
    t: fc.oneof({ arbitrary: fc.array(scalar, { maxLength: 4 }), weight: 4 }, { arbitrary: scalar, weight: 1 }),
    s: fc.record({ b: value, c: fc.record({ d: scalar }, { requiredKeys: [], noNullPrototype: true }) }, { requiredKeys: [], noNullPrototype: true }),
    arr: fc.array(
      fc.oneof(
        fc.record({ b: value, c: fc.record({ d: scalar }, { requiredKeys: [], noNullPrototype: true }) }, { requiredKeys: [], noNullPrototype: true }),
        value,
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [], noNullPrototype: true },
);

const paths = [
  'a',
  'b',
  'n',
  't',
  's',
  's.b',
  's.c.d',
  's.b.c',
  'arr',
  'arr.b',
  'arr.c.d',
  'arr.0.b',
  'arr.b.b',
  't.0',
  'a.b',
  'a.c',
  'a.b.c',
  'b.0',
  'x',
  'x.y',
];
const condition = fc.oneof(
  scalar,
  scalar.map((v) => ({ $eq: v })),
  scalar.map((v) => ({ $ne: v })),
  fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), scalar).map(([op, v]) => ({ [op]: v })),
  fc.tuple(scalar, scalar).map(([lo, hi]) => ({ $gte: lo, $lt: hi })),
  fc.array(scalar, { maxLength: 4 }).map((vs) => ({ $in: vs })),
  fc.array(scalar, { maxLength: 4 }).map((vs) => ({ $nin: vs })),
  fc.array(scalar, { maxLength: 3 }).map((vs) => ({ $all: vs })),
  fc.boolean().map((b) => ({ $exists: b })),
);
const leaf = fc.tuple(fc.constantFrom(...paths), condition).map(([p, c]) => ({ [p]: c }));
const filter: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  f: fc.oneof(
    { maxDepth: 2, depthIdentifier: 'filter' },
    { arbitrary: fc.array(leaf, { minLength: 1, maxLength: 3 }).map((ls) => Object.assign({}, ...ls)), weight: 3 },
    { arbitrary: fc.tuple(fc.constantFrom('$and', '$or', '$nor'), fc.array(tie('f'), { maxLength: 3 })).map(([op, fs]) => ({ [op]: fs })), weight: 1 },
    {
      arbitrary: fc
        .tuple(leaf, fc.constantFrom('$and', '$or', '$nor'), fc.array(tie('f'), { minLength: 1, maxLength: 3 }))
        .map(([l, op, fs]) => ({ ...l, [op]: fs })),
      weight: 1,
    },
  ),
})).f as fc.Arbitrary<Record<string, unknown>>;

const viaBson = <T extends object>(o: T): T => BSON.deserialize(BSON.serialize(o)) as T;
const show = (v: unknown) => inspect(v, { depth: null, breakLength: Infinity });

describe('compiled filters answer as mingo does', () => {
  // Half the documents as the server stores them (decoded from BSON), half as built here.
  const docs = fc.sample(doc, { numRuns: 3000, seed: 20260101 }).map((d, i) => (i % 2 ? viaBson(d) : d)) as Record<string, unknown>[];

  test('on 3,000 random documents × 400 random filters (a third of them in `npm test`), the compiled predicate and mingo agree on every pair', () => {
    let matchedSome = 0;
    let matchedNone = 0;
    fc.assert(
      fc.property(filter, (raw) => {
        const f = viaBson(raw);
        const compiled = compileFilter(f);
        if (!compiled) throw new Error(`not compiled: ${show(f)}`);
        const q = new Query(f);
        let n = 0;
        for (const d of docs) {
          const expected = q.test(d);
          if (compiled(d) !== expected) throw new Error(`${show(f)} on ${show(d)}: mingo ${expected}, compiled ${!expected}`);
          if (expected) n++;
        }
        if (n > 0) matchedSome++;
        if (n < docs.length) matchedNone++;
      }),
      { numRuns: runs(400), seed: 42 },
    );
    // The filters are not vacuous: many match some documents, most leave others out.
    expect(matchedSome).toBeGreaterThan(runs(400) * 0.4);
    expect(matchedNone).toBeGreaterThan(runs(400) * 0.75);
  }, 120_000);

  const [o1, o2] = oids;
  const [d1, d2] = dates;
  const copy = <T>(v: T): T => (v instanceof Date ? (new Date(v) as T) : v instanceof ObjectId ? (ObjectId.createFromHexString(v.toHexString()) as T) : v);
  // [what it shows, filter, document, whether it matches]
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, boolean]> = [
    ['null matches null', { a: null }, { a: null }, true],
    ['null matches a missing field', { a: null }, {}, true],
    ['null matches an array holding null', { a: null }, { a: [1, null] }, true],
    ['null does not match an empty array', { a: null }, { a: [] }, false],
    ['$ne null leaves out missing and null', { a: { $ne: null } }, {}, false],
    ['$ne null keeps an empty array', { a: { $ne: null } }, { a: [] }, true],
    ['$ne on an array: no element may equal', { t: { $ne: 'x' } }, { t: ['y', 'x'] }, false],
    ['$ne on an array without the value', { t: { $ne: 'x' } }, { t: ['y'] }, true],
    ['$ne matches a missing field', { t: { $ne: 'x' } }, {}, true],
    ['$nin with null leaves out a missing field', { a: { $nin: [null, 'x'] } }, {}, false],
    ['$in with null matches a missing field', { a: { $in: [null] } }, {}, true],
    ['$in with null does not match an empty array', { a: { $in: [null] } }, { a: [] }, false],
    ['an array matches an element', { t: 'x' }, { t: ['y', 'x'] }, true],
    ['a path through an array of sub-documents', { 'arr.b': 'x' }, { arr: [{ b: 'y' }, { b: 'x' }] }, true],
    ['a path through an array, into an array', { 'arr.b': 'x' }, { arr: [{ b: ['x'] }] }, true],
    ['an array position', { 'arr.1.b': 'x' }, { arr: [{ b: 'x' }, { b: 'y' }] }, false],
    ['a path does not enter an array inside an array', { 'arr.b': 'x' }, { arr: [[{ b: 'x' }]] }, false],
    ['mingo: a dotted null does not match an element without the field (MongoDB: matches)', { 'arr.b': null }, { arr: [{ b: 1 }, {}] }, false],
    ['mingo: a dotted path flattens arrays as deep as its dots (MongoDB: no match)', { 'arr.b': 'x' }, { arr: [{ b: [['x']] }] }, true],
    ['a number bound never matches a string', { n: { $gt: 5 } }, { n: '10' }, false],
    ['a string bound never matches a number', { n: { $lt: 'z' } }, { n: 5 }, false],
    ['a range does not match null', { n: { $lt: 5 } }, { n: null }, false],
    ['a range does not match a missing field', { n: { $gte: 0 } }, {}, false],
    ['a range on a Date', { n: { $gte: d1, $lt: d2 } }, { n: new Date(d1) }, true],
    ['a Date bound never matches a number', { n: { $lt: d2 } }, { n: 5 }, false],
    ['a range matches any array element', { n: { $gt: 5 } }, { n: [1, 7] }, true],
    ['mingo: $gte null matches null only (MongoDB: also missing)', { n: { $gte: null } }, {}, false],
    ['mingo: NaN passes $gte and $lte of any number (MongoDB: NaN sorts below every number)', { n: { $gte: 3 } }, { n: NaN }, true],
    ['NaN equals NaN', { n: NaN }, { n: NaN }, true],
    ['ObjectIds are equal by value', { _id: copy(o1) }, { _id: o1 }, true],
    ['ObjectIds in a $in list', { _id: { $in: [copy(o2), copy(o1)] } }, { _id: o1 }, true],
    ['ObjectId ranges compare hex strings', { _id: { $gt: copy(o1) } }, { _id: o2 }, o2.toHexString() > o1.toHexString()],
    ['a driver ObjectId (another bson) is another type', { _id: new DriverObjectId(o1.toHexString()) }, { _id: o1 }, false],
    ['Dates are equal by time', { n: copy(d1) }, { n: d1 }, true],
    ['$all needs every value in the array', { t: { $all: ['x', 'y'] } }, { t: ['y', 'z', 'x'] }, true],
    ['mingo: $all never matches a scalar (MongoDB: matches the one value)', { t: { $all: ['x'] } }, { t: 'x' }, false],
    ['$exists on a nested field', { 's.b': { $exists: true } }, { s: { b: null } }, true],
    ['$exists false on a nested field through an array', { 'arr.b': { $exists: false } }, { arr: [{ c: 1 }] }, true],
    ['mingo: $exists sees a field in an array inside an array (MongoDB: does not)', { 'arr.b': { $exists: true } }, { arr: [[]] }, true],
    ['mingo: empty $and matches (MongoDB: refuses the query)', { $and: [] }, {}, true],
    ['mingo: empty $or matches nothing (MongoDB: refuses the query)', { $or: [] }, {}, false],
    ['$nor', { $nor: [{ a: 1 }, { b: 2 }] }, { a: 1 }, false],
    ['a property of Object.prototype is missing unless owned', { constructor: null }, {}, true],
  ];
  test.each(cases)('%s', (_what, f, d, expected) => {
    expect(new Query(f).test(d)).toBe(expected);
    const compiled = compileFilter(f);
    expect(compiled).not.toBeNull();
    expect(compiled!(d)).toBe(expected);
  });

  test('filters outside the compiled subset are left whole to mingo', () => {
    const unsupported: Record<string, unknown>[] = [
      { a: /x/ },
      { a: { $regex: 'x' } },
      { arr: { $elemMatch: { b: 1 } } },
      { a: { $not: { $gt: 1 } } },
      { t: { $size: 2 } },
      { a: { $type: 'string' } },
      { a: { $mod: [2, 0] } },
      { $expr: { $eq: ['$a', 1] } },
      { $where: 'true' },
      { $comment: 'x' },
      { s: { b: 1 } },
      { t: ['x', 'y'] },
      { a: { $in: [['x']] } },
      { a: { $in: [{ b: 1 }] } },
      { a: { $in: [new Date(NaN)] } },
      { a: { $in: [o1, new DriverObjectId()] } },
      { a: { $gt: [1] } },
      { '__proto__.x': 1 },
      { a: { $in: 'x' } },
      { $and: { a: 1 } },
      { a: { $gt: 1, b: 2 } },
      { ok: 1, $or: [{ a: /x/ }] },
    ];
    for (const f of unsupported) expect([show(f), compileFilter(f)]).toEqual([show(f), null]);
  });
});

describe("the decorated sort orders as CongoDB's QueryEngine.sort does", () => {
  const sortSpec = fc.array(fc.tuple(fc.constantFrom('_id', 'a', 'b', 'n', 't', 's.b', 'arr.b', 'x'), fc.constantFrom(1, -1, 'asc', 'desc')), {
    minLength: 1,
    maxLength: 3,
  });
  test('the same documents in the same order, ties included, for random documents and sort specifications', () => {
    fc.assert(
      fc.property(fc.array(doc, { minLength: 0, maxLength: 120 }), sortSpec, fc.boolean(), (raw, spec, asArray) => {
        const rows = raw.map((d, i) => viaBson({ _id: i % 3 ? oids[i % 3] : i, ...d })) as Record<string, unknown>[];
        const sort = asArray ? spec : Object.fromEntries(spec);
        const expected = (QueryEngine as any).sort(rows, sort) as unknown[];
        const got = sortDocuments(rows, sort as Record<string, unknown>);
        expect(got.map((d) => rows.indexOf(d))).toEqual(expected.map((d) => rows.indexOf(d as Record<string, unknown>)));
      }),
      { numRuns: runs(300), seed: 7 },
    );
  });
});
