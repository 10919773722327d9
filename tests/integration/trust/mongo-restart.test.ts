import { startEmbeddedMongo, type EmbeddedMongo } from '../../../packages/embedded-mongo/index.js';
import { freePort } from '../../../scripts/lib/free-port.js';
import { startTestApp, until, type TestApp } from '../../support/harness.js';

/**
 * The database goes away and comes back (here the embedded server of this test, stopped and started
 * again on the same port; it keeps data in memory, so it comes back empty). Meanwhile the API answers
 * 503 with a message — never a 500 or a hang — liveness stays up, readiness goes down; afterwards it
 * serves again without a restart of ours.
 */
let mongo: EmbeddedMongo;
let app: TestApp;
let port: number;

beforeAll(async () => {
  port = await freePort();
  mongo = await startEmbeddedMongo({ port, dbName: 'trust_restart' });
  app = await startTestApp({ env: { MONGODB_URI: `${mongo.uri}?serverMonitoringMode=poll&heartbeatFrequencyMS=500` } });
}, 30_000);
afterAll(async () => {
  await app?.stop();
  await mongo?.stop();
});

test('while the database is away requests get 503 with a message; afterwards reads and writes work again', async () => {
  const admin = await app.staff('admin');
  expect((await app.request('POST', '/api/v1/tags/', { token: admin.token, body: { groupName: 'trust', name: 'before' } })).status).toBe(201);

  await mongo.stop();
  const down = await app.request('GET', '/api/v1/customers/', { token: admin.token });
  expect(down.status).toBe(503);
  expect(down.body.error.message).toMatch(/database is unavailable; try again shortly/);
  const write = await app.request('POST', '/api/v1/tags/', { token: admin.token, body: { groupName: 'trust', name: 'during' } });
  expect(write.status).toBe(503);
  expect((await app.request('GET', '/healthz')).status).toBe(200);
  expect((await app.request('GET', '/readyz')).status).toBe(503);

  mongo = await startEmbeddedMongo({ port, dbName: 'trust_restart' });
  expect(await until(async () => (await app.request('GET', '/readyz')).status === 200, 30_000, 300)).toBe(true);
  // This server came back empty, so the admin's account is gone and their session with it (sessions are
  // checked against the account on every request): sign-in works again, and so do reads and writes.
  expect((await app.request('GET', '/api/v1/customers/', { token: admin.token })).status).toBe(401);
  const again = await app.staff('admin');
  expect((await app.request('GET', '/api/v1/customers/', { token: again.token })).status).toBe(200);
  const after = await app.request('POST', '/api/v1/tags/', { token: again.token, body: { groupName: 'trust', name: 'after' } });
  expect(after.status).toBe(201);
  const tags = await app.request('GET', '/api/v1/tags/', { token: again.token });
  expect(JSON.stringify(tags.body)).toContain('after');
  expect(JSON.stringify(tags.body)).not.toContain('during');
  expect((await app.request('GET', '/readyz')).status).toBe(200);
}, 60_000);
