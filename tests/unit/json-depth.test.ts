// The edge's nesting limit (server/src/shared/http/json-depth.ts): exact at the boundary, and able to
// measure values far deeper than any recursive walk could.
import { MAX_JSON_DEPTH, tooDeepAt } from '../../server/src/shared/http/json-depth.js';
import { msg, sayIssue } from '../../server/src/shared/http/validation-message.js';

/** `levels` nested containers, alternating objects and arrays, built without recursion. */
function nested(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

test('a value nested exactly to the limit passes; one level more is refused at the deepest container', () => {
  expect(tooDeepAt(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBeUndefined();
  const at = tooDeepAt({ ok: 1, deep: nested(MAX_JSON_DEPTH) }, MAX_JSON_DEPTH)!;
  expect(at[0]).toBe('deep');
  expect(at).toHaveLength(MAX_JSON_DEPTH);
  // Scalars and empty containers are the leaves they look like.
  expect(tooDeepAt('x', 1)).toBeUndefined();
  expect(tooDeepAt({ a: [] }, 2)).toBeUndefined();
  expect(tooDeepAt({ a: [] }, 1)).toEqual(['a']);
});

test('a million levels are measured without overflowing the stack', () => {
  const started = performance.now();
  expect(tooDeepAt(JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000)), MAX_JSON_DEPTH)).toHaveLength(MAX_JSON_DEPTH);
  expect(performance.now() - started).toBeLessThan(5_000);
});

test('subtrees judged elsewhere (a batch’s items) are skipped, the envelope still measured', () => {
  const batch = { events: [{ ok: 1 }, nested(5000)] };
  const items = (p: readonly PropertyKey[]) => p.length === 2 && p[0] === 'events';
  expect(tooDeepAt(batch, MAX_JSON_DEPTH, items)).toBeUndefined();
  expect(tooDeepAt(batch, MAX_JSON_DEPTH)).toBeDefined();
  expect(tooDeepAt({ events: [], other: nested(5000) }, MAX_JSON_DEPTH, items)?.[0]).toBe('other');
});

test('the refusal names the limit that is enforced, in English and Chinese', () => {
  const issue = { message: msg('JSON_TOO_DEEP'), params: { depth: MAX_JSON_DEPTH } };
  const [english, chinese] = [sayIssue(issue, 'en'), sayIssue(issue, 'zh')];
  expect(english).toContain(` ${MAX_JSON_DEPTH} levels`);
  expect(chinese).toContain(` ${MAX_JSON_DEPTH} 层`);
});
