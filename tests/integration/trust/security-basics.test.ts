import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { redactConfig } from '../../../server/src/config/env.js';
import { newShopper, trustEnv } from './trust-support.js';

/** Masking by role, audited staff exports, hashed passwords, expiring tokens, headers and CORS. */
let app: TestApp;
let customerId: string;
let owner: { id: string; token: string; username: string };
const PHONE = '13812345678';
const NAME = '张三丰';

beforeAll(async () => {
  app = await startTestApp({ env: trustEnv({ CORS_ORIGINS: 'https://shop.example.com', STAFF_TOKEN_TTL_SECONDS: '2' }) });
  owner = await app.staff('sales');
  customerId = await app.rt.services.customers.identify(app.config.DEFAULT_TENANT, { phone: PHONE }, { name: NAME }, 'test');
  await app.rt.services.customers.update(app.config.DEFAULT_TENANT, customerId, { ownerStaffId: owner.id });
}, 30_000);
afterAll(() => app.stop());

test('phone and name are masked for the roles that do not need them', async () => {
  const view = async (token: string) => (await app.request('GET', `/api/v1/customers/${customerId}`, { token })).body;
  const [admin, cm, agent, otherSales] = await Promise.all([app.staff('admin'), app.staff('community_manager'), app.staff('agent'), app.staff('sales')]);
  expect(await view(admin.token)).toMatchObject({ name: NAME, phone: PHONE });
  // Signed in again: tokens here live 2 s, and creating four accounts (each password strength-checked) can take that long.
  const { token: ownerToken } = await app.rt.services.staff.login(app.config.DEFAULT_TENANT, owner.username, 'harbor-kettle-2026');
  expect(await view(ownerToken)).toMatchObject({ name: NAME, phone: PHONE });
  const forAgent = await view(agent.token);
  expect(forAgent).toMatchObject({ name: NAME, phone: '138****5678' });
  expect(JSON.stringify(forAgent)).not.toContain(PHONE);
  const forCm = await view(cm.token);
  expect(forCm).toMatchObject({ name: '张*丰', phone: '138****5678' });
  expect(JSON.stringify(forCm)).not.toContain(PHONE);
  // Lists too: a community manager searching sees masked rows.
  const list = await app.request('GET', '/api/v1/customers/', { token: cm.token });
  expect(JSON.stringify(list.body)).not.toContain(PHONE);
  // A sales member who does not own the customer does not see them at all.
  expect((await app.request('GET', `/api/v1/customers/${customerId}`, { token: otherSales.token })).status).toBe(404);
});

test('a staff bulk export of customers is recorded in the audit log with who and how many', async () => {
  const admin = await app.staff('admin');
  const res = await app.request('GET', '/api/v1/customers/export?limit=10', { token: admin.token });
  expect(res.status).toBe(200);
  const audit = await app.request('GET', `/api/v1/audit?actorId=${admin.id}`, { token: admin.token });
  const entry = audit.body.items.find((a: any) => a.action === 'customers.export');
  expect(entry).toMatchObject({ actorId: admin.id, actorRole: 'admin', details: { rows: res.body.items.length } });
});

test('staff passwords are stored as salted hashes, never as given', async () => {
  // Three accounts created as an admin creates them, all with the same password.
  const admin = await app.staff('admin');
  for (const username of ['salt.one', 'salt.two', 'salt.three']) {
    const created = await app.request('POST', '/api/v1/staff', {
      token: admin.token,
      body: { username, name: username, role: 'sales', password: 'harbor-kettle-2026' },
    });
    expect(created.status).toBe(201);
  }
  const staff = await mongoose.connection
    .db!.collection('staff')
    .find({ username: { $in: ['salt.one', 'salt.two', 'salt.three'] } })
    .toArray();
  expect(staff).toHaveLength(3);
  for (const s of staff) {
    expect(JSON.stringify(s)).not.toContain('harbor-kettle-2026');
    expect(String(s.passwordHash).length).toBeGreaterThan(40);
  }
  const hashes = new Set(staff.map((s) => s.passwordHash));
  expect(hashes.size).toBe(staff.length); // same password, different salts
});

test('a staff token stops working when it expires', async () => {
  const agent = await app.staff('agent');
  expect((await app.request('GET', '/api/v1/auth/me', { token: agent.token })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 3100));
  expect((await app.request('GET', '/api/v1/auth/me', { token: agent.token })).status).toBe(401);
});

test('responses carry security headers; CORS is granted only to configured origins', async () => {
  const res = await fetch(`${app.url}/healthz`, { headers: { origin: 'https://evil.example.net' } });
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  expect(res.headers.get('x-powered-by')).toBeNull();
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  const pre = await fetch(`${app.url}/api/v1/customers/`, {
    method: 'OPTIONS',
    headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'GET' },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
  expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, PATCH, DELETE');
  expect(pre.headers.get('vary')).toMatch(/Origin/);
  // A page elsewhere still reads an answer (CORS), which says it depends on the origin.
  const agent = await app.staff('agent');
  const cross = await fetch(`${app.url}/api/v1/auth/me`, { headers: { origin: 'https://shop.example.com', authorization: `Bearer ${agent.token}` } });
  expect([cross.status, cross.headers.get('access-control-allow-origin')]).toEqual([200, 'https://shop.example.com']);
  expect(cross.headers.get('vary')).toMatch(/Origin/);
  await Promise.all([res, pre, cross].map((r) => r.arrayBuffer()));
});

test('sign-in, the shopper’s /me answers, customer profiles and exports are never stored by a cache', async () => {
  const admin = await app.staff('admin');
  const shopper = await newShopper(app);
  const login = await fetch(`${app.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: admin.username, password: 'harbor-kettle-2026' }),
  });
  expect(login.status).toBe(200);
  const answers = [
    ['POST /auth/login', login],
    ['GET /me/points', await fetch(`${app.url}/api/v1/me/points`, { headers: { authorization: `Bearer ${shopper.token}` } })],
    ['GET /me/export', await fetch(`${app.url}/api/v1/me/export`, { headers: { authorization: `Bearer ${shopper.token}` } })],
    ['GET /customers/:id', await fetch(`${app.url}/api/v1/customers/${customerId}`, { headers: { authorization: `Bearer ${admin.token}` } })],
    ['GET /customers/export', await fetch(`${app.url}/api/v1/customers/export?limit=5`, { headers: { authorization: `Bearer ${admin.token}` } })],
    [
      'GET /privacy/customers/:id/export',
      await fetch(`${app.url}/api/v1/privacy/customers/${customerId}/export`, { headers: { authorization: `Bearer ${admin.token}` } }),
    ],
    ['a refusal', await fetch(`${app.url}/api/v1/me/points`)],
  ] as const;
  expect(answers.map(([what, res]) => [what, res.status < 500, res.headers.get('cache-control')])).toEqual(answers.map(([what]) => [what, true, 'no-store']));
  await Promise.all(answers.map(([, res]) => res.arrayBuffer()));
});

test('JSON answers are compressed for a client that accepts it, and left alone for one that does not', async () => {
  const gz = await fetch(`${app.url}/api/openapi.json`, { headers: { 'accept-encoding': 'gzip' } });
  expect(gz.headers.get('content-encoding')).toBe('gzip');
  expect(gz.headers.get('vary')).toMatch(/Accept-Encoding/i);
  expect(((await gz.json()) as { openapi: string }).openapi).toBe('3.1.0');
  const br = await fetch(`${app.url}/api/openapi.json`, { headers: { 'accept-encoding': 'br, gzip' } });
  expect(br.headers.get('content-encoding')).toBe('br');
  const plain = await fetch(`${app.url}/api/openapi.json`, { headers: { 'accept-encoding': 'identity' } });
  expect(plain.headers.get('content-encoding')).toBeNull();
  // Small answers are not worth it.
  const small = await fetch(`${app.url}/healthz`, { headers: { 'accept-encoding': 'gzip' } });
  expect(small.headers.get('content-encoding')).toBeNull();
  await Promise.all([br, plain, small].map((r) => r.arrayBuffer()));
});

test('the configuration as logged hides secrets and credentials', () => {
  const shown = JSON.stringify(redactConfig({ ...app.config, REDIS_URL: 'redis://user:hunter2@cache:6379', WECOM_SECRET: 'wecom-secret-value' }));
  for (const secret of [app.config.APP_SECRET, 'hunter2', 'wecom-secret-value']) expect(shown).not.toContain(secret);
});
