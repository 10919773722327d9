import { readFileSync } from 'node:fs';
import { BSON } from 'mongodb';
import { exactlyEqual, matches } from '../spec/unified-match.js';
import { parseUnifiedFile, runUnifiedFile, serverFacts } from '../spec/unified-runner.js';

/**
 * The unified-format runner (spec/) measured on a file of ours, so it is tested without the official
 * spec files: each test of fixtures/unified-selftest.json says in its description which verdict the
 * runner must reach. Runs against the run's server, embedded or real (the verdicts are the same).
 */
const fixture = new URL('./fixtures/unified-selftest.json', import.meta.url);

test('reaches the verdict each test of our own unified file announces, with the reason', async () => {
  const uri = process.env.MONGODB_URI!;
  const verdicts = await runUnifiedFile(uri, 'selftest', parseUnifiedFile(readFileSync(fixture, 'utf8')), await serverFacts(uri));

  expect(verdicts.map((v) => [v.test.split(':')[0], v.status])).toEqual(
    verdicts.map((v) => [v.test.split(':')[0], { passes: 'passed', fails: 'failed', skipped: 'skipped' }[v.test.split(':')[0]]]),
  );
  expect(verdicts).toHaveLength(9);
  const reason = (prefix: string) => verdicts.find((v) => v.test.startsWith(prefix))!.reason;
  expect(reason('fails: a wrong count')).toBe('operation 1 (countDocuments): result: expected 3, got 2');
  expect(reason('fails: the collection')).toBe('outcome: unified-runner-selftest.coll: expected [{"_id":1,"x":11},{"_id":2,"x":22}], got [{"_id":1,"x":11}]');
  expect(reason('fails: an expected error')).toMatch(/expected an error, got/);
  expect(reason('fails: an extra field')).toBe('operation 1 (aggregate): result[0].a: unexpected field(s) y in {"x":11,"y":11}');
  expect(reason('skipped: needs')).toBe('needs server ≥ 99.0');
  expect(reason('skipped: collation')).toBe('lacks collation');
  expect(verdicts.map((v) => v.operation)).toEqual([
    'find',
    'insertOne',
    'find',
    'countDocuments',
    'deleteOne',
    'insertOne',
    'aggregate',
    'countDocuments',
    'find',
  ]);
});

test('matches as the unified format says: numbers by value, extra fields only at the root, exact outcomes', () => {
  expect(matches({ n: 1 }, { n: BSON.Long.fromNumber(1), extra: true }, true)).toBeNull();
  expect(matches({ n: 1 }, { n: 1.5 }, true)).toBe('$.n: expected 1, got 1.5');
  expect(matches({ a: { b: 1 } }, { a: { b: 1, c: 2 } }, true)).toBe('$.a: unexpected field(s) c in {"b":1,"c":2}');
  expect(matches({ id: { $$unsetOrMatches: 1 } }, {}, true)).toBeNull();
  expect(matches({ id: { $$unsetOrMatches: 1 } }, { id: 2 }, true)).toBe('$.id: expected 1, got 2');
  expect(matches({ gone: { $$exists: false } }, { gone: 0 }, true)).toBe('$.gone: expected no value, got 0');
  expect(matches({ _id: { $$type: 'objectId' } }, { _id: new BSON.ObjectId() }, true)).toBeNull();
  expect(matches([1, 2], [1, 2, 3], true)).toMatch(/expected 2 element/);
  expect(exactlyEqual([{ _id: 1 }], [{ _id: 1, x: 1 }])).toBe('$[0].x: expected nothing, got 1');
});
