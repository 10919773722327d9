import { startTestApp, type TestApp } from '../../support/harness.js';
import { routeTable } from '../../../server/src/shared/http/route.js';
import { ACCESS_POLICY, PUBLIC_ROUTES, ROLES, type Who } from './access-policy.js';
import { callersByRole, concretePath, rawRequest, type Caller, trustEnv } from './trust-support.js';

/**
 * Every route of the route table × every kind of caller. A caller the policy lets through must not
 * be turned away (no 401/403) and must not crash the server; anyone else gets 401 (not signed in)
 * or 403 (signed in, not allowed) before the handler runs.
 */
let app: TestApp;
let callers: Record<Who, Caller>;
beforeAll(async () => {
  // Live streams (server-sent events) end after a second, so none outlives the test.
  app = await startTestApp({ env: trustEnv({ DESK_SSE_MAX_SECONDS: '1' }) });
  callers = await callersByRole(app);
}, 30_000);
afterAll(async () => {
  await app.stop();
  // The stream route opened the desk's Redis subscriber; the desk plugin (not loaded here) closes it in production.
  app.rt.services.desk.live.close();
});

const keyOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

test('every route in the route table has a reviewed rule in the access policy', () => {
  const missing = routeTable.map(keyOf).filter((k) => !(k in ACCESS_POLICY));
  expect(missing).toEqual([]);
  expect(routeTable.length).toBeGreaterThan(100);
});

test('every rule in the access policy names a route that exists (no stale rules)', () => {
  const table = new Set(routeTable.map(keyOf));
  expect(Object.keys(ACCESS_POLICY).filter((k) => !table.has(k))).toEqual([]);
});

test('only sign-in routes and the mini-app client config are public', () => {
  const publicInTable = routeTable
    .filter((r) => r.allow === 'public')
    .map(keyOf)
    .sort();
  expect(publicInTable).toEqual([...PUBLIC_ROUTES].sort());
  expect(publicInTable.every((k) => /\/auth\/|\/auth\/miniapp$|\/sidebar\/session$|^get \/api\/v1\/miniapp\/config$/.test(k))).toBe(true);
});

test('shopper routes take the customer from the token, never from the path, and no staff route admits shoppers', () => {
  const shopperRoutes = routeTable.filter((r) => r.allow !== 'public' && r.allow.includes('shopper'));
  expect(shopperRoutes.length).toBeGreaterThan(15);
  for (const r of shopperRoutes) {
    expect(r.path).not.toMatch(/:\w+/);
    expect(r.allow).toEqual(['shopper']);
  }
});

test('each route admits exactly the roles of its policy: the rest get 401 unsigned or 403 signed in', async () => {
  const wrong: string[] = [];
  const routes = routeTable.filter((r) => keyOf(r) in ACCESS_POLICY);
  for (const r of routes) {
    const expected = ACCESS_POLICY[keyOf(r)];
    const path = concretePath(r.path);
    // A sign-out route ends the sessions of the callers it admits: it gets callers of its own.
    const who = r.path.endsWith('/logout') ? await callersByRole(app) : callers;
    await Promise.all(
      ROLES.map(async (role) => {
        const body = r.method === 'get' || r.method === 'delete' ? undefined : '{}';
        const res = await rawRequest(app.url, r.method, path, { headers: who[role].headers, body });
        const admitted = expected.includes(role);
        // 503 is an honest "not configured / unavailable" (WeCom sync without WeCom credentials), not a crash.
        if (admitted && (res.status === 401 || res.status === 403 || (res.status >= 500 && res.status !== 503)))
          wrong.push(`${role} ${keyOf(r)} → ${res.status} (should be let through)`);
        if (!admitted) {
          const want = role === 'anonymous' ? 401 : 403;
          if (res.status !== want) wrong.push(`${role} ${keyOf(r)} → ${res.status} (want ${want})`);
          else if (typeof res.body?.error?.message !== 'string') wrong.push(`${role} ${keyOf(r)}: refusal without a readable message`);
        }
      }),
    );
  }
  expect(wrong).toEqual([]);
}, 60_000);

test('a forged, expired or other-secret token is treated as not signed in (401)', async () => {
  const probe = '/api/v1/customers/';
  const admin = callers.admin.headers.authorization.slice(7);
  const [v, payload, sig] = admin.split('.');
  const tampered = JSON.parse(Buffer.from(payload, 'base64url').toString());
  tampered.role = 'admin';
  tampered.t = 'another-brand';
  const forged = `${v}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${sig}`;
  const expired = JSON.parse(Buffer.from(payload, 'base64url').toString());
  expired.exp = 1;
  const expiredToken = `${v}.${Buffer.from(JSON.stringify(expired)).toString('base64url')}.${sig}`;
  for (const token of [forged, expiredToken, 'garbage', `${v}.${payload}.`, '']) {
    const res = await rawRequest(app.url, 'get', probe, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  }
  expect((await rawRequest(app.url, 'get', probe, { headers: { 'x-api-key': 'sk_not_a_real_key' } })).status).toBe(401);
});
