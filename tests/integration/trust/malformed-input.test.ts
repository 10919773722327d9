import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { routeTable, type RouteTableEntry } from '../../../server/src/shared/http/route.js';
import { MAX_JSON_DEPTH } from '../../../server/src/shared/http/json-depth.js';
import { callersByRole, concretePath, rawRequest, trustEnv, type Caller } from './trust-support.js';
import { ACCESS_POLICY, type Who } from './access-policy.js';

/**
 * The inputs that answered 500 in the black-box run (issue 18): an empty tier list, JSON nested
 * thousands deep (one bad event lost its whole batch), an audience of a thousand nested groups.
 * Each is now a 400 saying what to fix, and a batch loses only its bad item.
 */
let app: TestApp;
let callers: Record<Who, Caller>;
beforeAll(async () => {
  app = await startTestApp({ env: trustEnv() });
  callers = await callersByRole(app);
}, 30_000);
afterAll(() => app.stop());

/** `{"a":{"a":…1…}}`, `levels` objects deep, built as text (nothing here recurses over it). */
const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const admin = () => callers.admin.headers;

/** A caller the reviewed policy lets through, so the request reaches the body check. */
const callerFor = (r: RouteTableEntry) => callers[ACCESS_POLICY[`${r.method} ${r.path}`][0]].headers;

test('PUT /loyalty/settings with an empty tier list is refused with 400 naming tiers, and the tiers stay', async () => {
  const before = await app.request('GET', '/api/v1/loyalty/settings', { headers: admin() });
  const res = await rawRequest(app.url, 'put', '/api/v1/loyalty/settings', { headers: admin(), body: JSON.stringify({ tiers: [] }) });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/tiers/);
  expect(res.body.error.details).toEqual([{ path: 'body.tiers', message: 'configure at least one tier' }]);
  const after = await app.request('GET', '/api/v1/loyalty/settings', { headers: admin() });
  expect(after.body.tiers).toEqual(before.body.tiers);
});

test(`every route that takes a body refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with 400 naming the limit`, async () => {
  const routes = routeTable.filter((r) => r.body && r.method !== 'get');
  expect(routes.length).toBeGreaterThan(40);
  const wrong: string[] = [];
  for (const r of routes) {
    // The batch route measures each event on its own (next test); its envelope is judged here.
    const body = r.path === '/api/v1/events' ? `{"x":${nested(5000)}}` : nested(5000);
    const res = await rawRequest(app.url, r.method, concretePath(r.path), { headers: callerFor(r), body });
    if (res.status !== 400 || !/32 levels/.test(res.body?.error?.message)) wrong.push(`${r.method} ${r.path} → ${res.status} ${res.text.slice(0, 120)}`);
  }
  expect(wrong).toEqual([]);
  // Within the limit the schema judges as before.
  const ok = await rawRequest(app.url, 'post', '/api/v1/segments/preview', { headers: admin(), body: nested(MAX_JSON_DEPTH - 1) });
  expect(ok.status).toBe(400);
  expect(ok.body.error.message).not.toMatch(/32 levels/);
});

test('a batch of events with one item nested too deep stores the others and says which item was refused and why', async () => {
  const customer = { phone: '13700000001' };
  const item = (eventId: string, data: string) =>
    `{"eventId":"${eventId}","type":"custom.quiz","occurredAt":"2026-11-01T00:00:00Z","customer":${JSON.stringify(customer)},"data":${data}}`;
  const batch = (...items: string[]) => `{"events":[${items.join(',')}]}`;
  for (const levels of [40, 5000]) {
    const res = await rawRequest(app.url, 'post', '/api/v1/events', {
      headers: callers.integration.headers,
      body: batch(item(`ok-a-${levels}`, '{"score":1}'), item(`deep-${levels}`, `{"answers":${nested(levels)}}`), item(`ok-b-${levels}`, '{"score":2}')),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(res.body.results[1]).toMatchObject({ index: 1, eventId: `deep-${levels}`, status: 'rejected' });
    expect(res.body.results[1].reason).toMatch(/^data\.answers\.a\.a.*nested deeper than 32 levels/);
    const stored = await mongoose.connection
      .db!.collection('events')
      .find({ eventId: { $in: [`ok-a-${levels}`, `deep-${levels}`, `ok-b-${levels}`] } })
      .toArray();
    expect(stored.map((e) => e.eventId).sort()).toEqual([`ok-a-${levels}`, `ok-b-${levels}`]);
  }
});

test('an audience of 1,000 nested groups is refused with 400 (no stack overflow), on every route that takes one', async () => {
  let group: unknown = { type: 'city', in: ['上海'] };
  for (let i = 0; i < 1000; i++) group = { type: 'group', op: 'and', rules: [group] };
  const audience = JSON.stringify(group);
  const cases = [
    ['post', '/api/v1/segments/preview', `{"audience":${audience}}`],
    ['post', '/api/v1/segments/', `{"name":"deep","audience":${audience}}`],
  ] as const;
  for (const [method, path, body] of cases) {
    const res = await rawRequest(app.url, method, path, { headers: admin(), body });
    expect([path, res.status]).toEqual([path, 400]);
    expect(res.body.error.message).toMatch(/32 levels/);
  }
  // Six levels pass the edge and are refused by the audience's own rule.
  let six: unknown = { type: 'city', in: ['上海'] };
  for (let i = 0; i < 6; i++) six = { type: 'group', op: 'and', rules: [six] };
  const res = await rawRequest(app.url, 'post', '/api/v1/segments/preview', { headers: admin(), body: JSON.stringify({ audience: six }) });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/at most 5 levels/);
});
