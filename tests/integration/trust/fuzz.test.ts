import { createHash } from 'node:crypto';
import fc from 'fast-check';
import mongoose from 'mongoose';
import type { z } from 'zod';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { routeTable, type RouteTableEntry } from '../../../server/src/shared/http/route.js';
import { callersByRole, rawRequest, trustEnv, type Caller } from './trust-support.js';
import { depth } from '../../support/depth.js';
import type { Who } from './access-policy.js';
import { validationMessages } from '../../../server/src/i18n/validation-messages.js';

/**
 * ≥ 10,000 malformed (FUZZ_DEEP=1; a third of that in `npm test`, tests/support/depth.ts), oversized and wrong-typed requests across every route of the route table that
 * takes input, each sent as a caller the route admits (so it reaches validation, not the door).
 * Every request is checked to be invalid against the route's own schema before it is sent; the
 * server must answer each with a 4xx and a readable message, never a 5xx, and the database must be
 * byte-for-byte the same afterwards. Seeded, so a failure is reproducible.
 */
const SEED = 20261123;
const PER_ROUTE = depth(110);
const MIN_TOTAL = depth(10_000);

let app: TestApp;
let callers: Record<Who, Caller>;
beforeAll(async () => {
  app = await startTestApp({ env: trustEnv() });
  callers = await callersByRole(app);
}, 30_000);
afterAll(() => app.stop());

/** A schema's refusal code that reached the caller unsaid (validation-message.ts says each at the edge). */
const CODES = new Set(Object.keys(validationMessages));
const leakedCodes = (error: unknown): string[] => (JSON.stringify(error ?? {}).match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? []).filter((t) => CODES.has(t));

type Case = { method: string; path: string; query?: string; body?: string; contentType?: string; headers: Record<string, string> };

const big = ['x'.repeat(100_000), '字'.repeat(40_000), '\u0000'.repeat(1000), '😀'.repeat(5000)];
const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', ' ', '-1', '0', '1e309', '__proto__', 'constructor', '../../etc/passwd', "'; db.dropDatabase(); '", '<script>alert(1)</script>', ...big),
  fc.constantFrom({ $gt: '' }, { $ne: null }, { $where: 'sleep(1000)' }, { __proto__: { admin: true } }, [], [[[[]]]], {}),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1e308, 1e308, 0.1, -0),
  fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxLength: 5 }),
);
const queryValue: fc.Arbitrary<string | string[]> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('-1', '0', '1e309', 'NaN', 'Infinity', '99999999999999999999', '', '2026-13-45', '[object Object]', 'x'.repeat(5000), '%00', '{"$gt":""}'),
  fc.array(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 3 }),
);
const paramValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    '0',
    '-1',
    'null',
    'undefined',
    '{"$gt":""}',
    'aaaaaaaaaaaaaaaaaaaaaaa',
    'ZZZZZZZZZZZZZZZZZZZZZZZZ',
    'aaaaaaaaaaaaaaaaaaaaaaaaa',
    '..',
    '%',
    'x'.repeat(3000),
    '退货',
  ),
);
const rawText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '{"a":',
    '[1,2',
    'null',
    'true',
    '"text"',
    '123',
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '['.repeat(5000) + ']'.repeat(5000),
    '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
  ),
);

function shapeKeys(schema: z.ZodType | undefined): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> })?.shape;
  return shape ? Object.keys(shape) : [];
}

function callerFor(r: RouteTableEntry): Record<string, string> {
  if (r.allow === 'public') return {};
  if (r.allow.includes('shopper')) return callers.shopper.headers;
  if (r.allow.length === 1 && r.allow[0] === 'integration') return callers.integration.headers;
  return callers.admin.headers;
}

function invalid(schema: z.ZodType | undefined, value: unknown): boolean {
  return !!schema && !schema.safeParse(value).success;
}

/** Malformed requests for one route; each one breaks the route's own schema somewhere. */
function casesFor(r: RouteTableEntry, seed: number): Case[] {
  const headers = callerFor(r);
  const paramNames = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const hasBody = r.method !== 'get' && r.method !== 'delete' && !!r.body;
  type Gen = { part: 'body' | 'raw' | 'query' | 'params'; value: any; contentType?: string };
  const arbs: fc.Arbitrary<Gen>[] = [];
  if (hasBody) {
    const keys = shapeKeys(r.body);
    const known = keys.length ? fc.record(Object.fromEntries(keys.map((k) => [k, scalar])), { requiredKeys: [] }) : fc.constant({});
    const extra = fc.dictionary(fc.string({ maxLength: 12 }), scalar, { maxKeys: 3 });
    arbs.push(fc.tuple(known, extra).map(([a, b]) => ({ part: 'body' as const, value: { ...b, ...a } })));
    arbs.push(scalar.map((v) => ({ part: 'body' as const, value: v })));
    arbs.push(
      fc
        .tuple(rawText, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'))
        .map(([t, ct]) => ({ part: 'raw' as const, value: t, contentType: ct })),
    );
  }
  if (r.query) {
    const keys = shapeKeys(r.query);
    if (keys.length)
      arbs.push(fc.record(Object.fromEntries(keys.map((k) => [k, queryValue])), { requiredKeys: [] }).map((q) => ({ part: 'query' as const, value: q })));
  }
  if (r.params && paramNames.length) {
    arbs.push(fc.record(Object.fromEntries(paramNames.map((k) => [k, paramValue]))).map((p) => ({ part: 'params' as const, value: p })));
  }
  if (!arbs.length) return [];
  const out: Case[] = [];
  const samples = fc.sample(fc.oneof(...arbs), { numRuns: PER_ROUTE * 6, seed });
  for (const g of samples) {
    if (out.length >= PER_ROUTE) break;
    let path = r.path.replace(/:(\w+)/g, 'aaaaaaaaaaaaaaaaaaaaaaaa');
    let query: string | undefined;
    let body: string | undefined;
    let contentType: string | undefined;
    if (g.part === 'body') {
      // Judge what goes over the wire (JSON.stringify drops undefined and own __proto__ keys).
      body = JSON.stringify(g.value) ?? '';
      if (!invalid(r.body, body ? JSON.parse(body) : {})) continue;
    } else if (g.part === 'raw') {
      let parsed: unknown = undefined;
      let parses = true;
      try {
        parsed = JSON.parse(g.value);
      } catch {
        parses = false;
      }
      // The body parser reads only JSON; an empty or non-JSON body reaches the schema as {}.
      const empty = g.value.trim() === '';
      const reachesSchemaAs = g.contentType!.startsWith('application/json') && !empty ? (parses ? parsed : 'unparseable') : {};
      if (reachesSchemaAs !== 'unparseable' && !invalid(r.body, reachesSchemaAs ?? {})) continue;
      body = g.value;
      contentType = g.contentType;
    } else if (g.part === 'query') {
      if (!invalid(r.query, g.value)) continue;
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(g.value as Record<string, string | string[]>)) for (const one of [v].flat()) qs.append(k, one);
      query = qs.toString();
    } else {
      // '.' and '..' are dot segments: the URL resolves to another route, not this one with a bad id.
      if (Object.values(g.value as Record<string, string>).some((v) => v === '.' || v === '..')) continue;
      if (!invalid(r.params, g.value)) continue;
      path = r.path.replace(/:(\w+)/g, (_, n: string) => encodeURIComponent((g.value as Record<string, string>)[n]));
    }
    if (hasBody && body === undefined) body = '{}';
    out.push({ method: r.method, path: path + (query ? `?${query}` : ''), body, contentType, headers });
  }
  return out;
}

async function databaseFingerprint(): Promise<Record<string, string>> {
  const db = mongoose.connection.db!;
  const out: Record<string, string> = {};
  for (const { name } of await db.listCollections().toArray()) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = `${docs.length}:${createHash('sha256').update(JSON.stringify(docs)).digest('hex').slice(0, 16)}`;
  }
  return out;
}

test(`≥ ${MIN_TOTAL.toLocaleString('en')} malformed requests across the API get a 4xx with a readable message, never a 5xx, and change nothing`, async () => {
  const routes = routeTable.filter((r) => r.body || r.query || r.params);
  const cases = routes.flatMap((r, i) => casesFor(r, SEED + i));
  // Oversized bodies on every route that takes one: refused by the body limit (413), never parsed.
  const huge = JSON.stringify({ rows: Array.from({ length: 30_000 }, (_, i) => ({ name: `n${i}`.padEnd(80, 'x') })) });
  for (const r of routes.filter((x) => x.body && x.method !== 'get').slice(0, 40)) {
    cases.push({ method: r.method, path: r.path.replace(/:(\w+)/g, 'aaaaaaaaaaaaaaaaaaaaaaaa'), body: huge, headers: callerFor(r) });
  }
  expect(cases.length).toBeGreaterThanOrEqual(MIN_TOTAL);

  const before = await databaseFingerprint();
  const statuses: Record<number, number> = {};
  const failures: string[] = [];
  const started = Date.now();
  for (let i = 0; i < cases.length; i += 24) {
    await Promise.all(
      cases.slice(i, i + 24).map(async (c) => {
        const res = await rawRequest(app.url, c.method, c.path, { headers: c.headers, body: c.body, contentType: c.contentType, timeoutMs: 15_000 });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const message = res.body?.error?.message;
        const readable =
          typeof message === 'string' && message.length > 0 && message.length <= 4000 && !/\n\s+at /.test(message) && !leakedCodes(res.body?.error).length;
        if (res.status < 400 || res.status >= 500 || !readable) {
          failures.push(`${c.method.toUpperCase()} ${c.path.slice(0, 120)} body=${(c.body ?? '').slice(0, 120)} → ${res.status} ${res.text.slice(0, 160)}`);
        }
      }),
    );
  }
  const after = await databaseFingerprint();
  console.info(`fuzz: ${cases.length} requests over ${routes.length} routes in ${Date.now() - started} ms; statuses ${JSON.stringify(statuses)}`);
  expect(failures.slice(0, 20)).toEqual([]);
  expect(statuses[413]).toBeGreaterThanOrEqual(40);
  expect(after).toEqual(before);
}, 120_000);

test('page sizes, string lengths and batch sizes beyond the limits are refused with 400 naming the field', async () => {
  const admin = callers.admin.headers;
  const page = await rawRequest(app.url, 'get', '/api/v1/customers/?pageSize=100000', { headers: admin });
  expect(page.status).toBe(400);
  expect(page.body.error.message).toMatch(/pageSize/);
  const note = await rawRequest(app.url, 'post', '/api/v1/customers/aaaaaaaaaaaaaaaaaaaaaaaa/notes', {
    headers: admin,
    body: JSON.stringify({ text: 'x'.repeat(2001) }),
  });
  expect(note.status).toBe(400);
  expect(note.body.error.message).toMatch(/text/);
  const rows = Array.from({ length: 1001 }, () => ({ phone: '13800000000' }));
  const batch = await rawRequest(app.url, 'post', '/api/v1/customers/import', { headers: admin, body: JSON.stringify({ rows }) });
  expect(batch.status).toBe(400);
  expect(batch.body.error.message).toMatch(/1,000|1000/);
});

test('a regex rule only a backtracking engine could run is refused with 400 naming the pattern; catastrophic ones run in linear time', async () => {
  const cm = callers.community_manager.headers;
  const res = await rawRequest(app.url, 'post', '/api/v1/desk/rules', {
    headers: cm,
    body: JSON.stringify({ kind: 'regex', pattern: '(a)\\1+$', action: 'handoff', priority: 1 }),
  });
  expect(res.status).toBe(400);
  expect(res.body.error).toMatchObject({ code: 'CONVERSATION_BAD_PATTERN', details: { field: 'pattern', reason: 'unsupported' } });
  // (a+)+$ backtracks exponentially in V8; on RE2 it is an ordinary rule that answers at once.
  const nested = await rawRequest(app.url, 'post', '/api/v1/desk/rules', {
    headers: cm,
    body: JSON.stringify({ kind: 'regex', pattern: '(a+)+$', action: 'handoff', priority: 1 }),
  });
  expect(nested.status).toBe(201);
  expect(await app.rt.services.desk.rules.match(app.config.DEFAULT_TENANT, 'a'.repeat(5_000))).toMatchObject({
    ruleId: String(nested.body._id),
    action: 'handoff',
  });
  expect((await app.rt.services.desk.rules.match(app.config.DEFAULT_TENANT, `${'a'.repeat(5_000)}!`))?.ruleId).not.toBe(String(nested.body._id));
  const ok = await rawRequest(app.url, 'post', '/api/v1/desk/rules', {
    headers: cm,
    body: JSON.stringify({ kind: 'regex', pattern: '退(款|货)', action: 'handoff', priority: 1 }),
  });
  expect([ok.status, ok.body?.error?.message]).toEqual([201, undefined]);
});
