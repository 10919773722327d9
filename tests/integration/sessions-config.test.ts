import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signToken } from '../../server/src/shared/tokens.js';
import { demoSecret } from '../../scripts/lib/demo-secret.js';
import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * What the configuration decides about sessions, each on a server of its own (one at a time): secret
 * rotation by kid, and demo sign-in only when the demo launcher enabled it on a loopback server.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OLD = 'old-secret-ZyXwVuTsRqPoNmLkJiHgFeDcBa98';
const NEW = 'new-secret-aBcDeFgHiJkLmNoPqRsTuVwXyZ12';
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const shopperOf = async (a: TestApp, secret: string) => {
  const id = await a.rt.services.customers.identify(a.config.DEFAULT_TENANT, { phone: '13600003333' }, { name: '轮换' }, 'test');
  return signToken(secret, { k: 'shopper', sub: id, t: a.config.DEFAULT_TENANT, exp: Math.floor(a.rt.services.deps.now().getTime() / 1000) + 600 });
};

test('rotation: tokens of a previous secret work while it is listed in APP_SECRET_PREVIOUS and not after it is removed', async () => {
  app = await startTestApp({ env: { APP_SECRET: OLD } });
  const db = app.config.MONGODB_URI;
  const staff = await app.staff('admin');
  const shopper = await shopperOf(app, OLD);
  await app.stop();

  app = await startTestApp({ env: { MONGODB_URI: db, APP_SECRET: NEW, APP_SECRET_PREVIOUS: OLD } });
  expect((await app.request('GET', '/api/v1/auth/me', { token: staff.token })).status).toBe(200);
  expect((await app.request('GET', '/api/v1/me', { token: shopper })).status).toBe(200);
  // New sessions are signed with the new secret (its kid).
  const fresh = await app.request('POST', '/api/v1/auth/login', { body: { username: staff.username, password: 'harbor-kettle-2026' } });
  await app.stop();

  app = await startTestApp({ env: { MONGODB_URI: db, APP_SECRET: NEW } });
  expect((await app.request('GET', '/api/v1/auth/me', { token: staff.token })).status).toBe(401);
  expect((await app.request('GET', '/api/v1/me', { token: shopper })).status).toBe(401);
  expect((await app.request('GET', '/api/v1/auth/me', { token: fresh.body.token })).status).toBe(200);
}, 60_000);

/** A server with demo data's two kinds of demo sign-in: the phone-only shopper login and a seeded demo staff login. */
async function demoSignIns(env: Record<string, string>) {
  app = await startTestApp({ env });
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  await s.customers.identify(tenant, { phone: '13600004444' }, { name: '演示' }, 'test');
  await s.staff.create(tenant, { username: 'demo-admin', name: '演示管理员', role: 'admin', password: 'scrm-demo-2026', demo: true });
  await s.staff.create(tenant, { username: 'real-admin', name: '管理员', role: 'admin', password: 'a-real-password-789' });
  return {
    shopper: (await app.request('POST', '/api/v1/auth/shopper/demo-login', { body: { phone: '13600004444' } })).status,
    demoStaff: (await app.request('POST', '/api/v1/auth/login', { body: { username: 'demo-admin', password: 'scrm-demo-2026' } })).status,
    realStaff: (await app.request('POST', '/api/v1/auth/login', { body: { username: 'real-admin', password: 'a-real-password-789' } })).status,
  };
}

test('demo sign-in works when the demo launcher enabled it and the server listens on loopback', async () => {
  expect(await demoSignIns({ DEMO_MODE: 'true', HOST: '127.0.0.1' })).toEqual({ shopper: 200, demoStaff: 200, realStaff: 200 });
});

test('demo sign-in is refused when DEMO_MODE is off', async () => {
  expect(await demoSignIns({ HOST: '127.0.0.1' })).toEqual({ shopper: 404, demoStaff: 401, realStaff: 200 });
});

test('demo sign-in is refused when the server listens beyond loopback, even with DEMO_MODE on', async () => {
  expect(await demoSignIns({ DEMO_MODE: 'true', HOST: '0.0.0.0' })).toEqual({ shopper: 404, demoStaff: 401, realStaff: 200 });
});

test('npm start keeps a generated secret with the demo data: 0600, reused on the next start, never tracked by git', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'demo-secret-'));
  const first = demoSecret(dir);
  expect(first.created).toBe(true);
  expect(first.secret.length).toBeGreaterThanOrEqual(64);
  expect(statSync(first.file).mode & 0o777).toBe(0o600);
  expect(demoSecret(dir)).toEqual({ ...first, created: false });
  expect(readFileSync(first.file, 'utf8').trim()).toBe(first.secret);
  expect(demoSecret(mkdtempSync(path.join(tmpdir(), 'demo-secret-'))).secret).not.toBe(first.secret);
  // The real location is ignored by git (.data/), so the secret cannot be committed by accident.
  expect(execFileSync('git', ['check-ignore', '.data/demo/app-secret'], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe('.data/demo/app-secret');
});
