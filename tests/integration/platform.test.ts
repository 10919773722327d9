import { startTestApp, type TestApp } from '../support/harness.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

test('liveness and readiness answer for a load balancer, readiness naming MongoDB and Redis', async () => {
  expect((await app.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
  const ready = await app.request('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', mongo: true, redis: true });
});

test('the OpenAPI document lists every API route with its request schema, so integrators can generate clients', async () => {
  const doc = (await app.request('GET', '/api/openapi.json')).body;
  expect(doc.openapi).toMatch(/^3\./);
  const events = doc.paths['/api/v1/events'].post;
  expect(JSON.stringify(events.requestBody)).toContain('events');
  expect(doc.paths['/api/v1/customers/{id}'].patch).toBeDefined();
  expect(Object.keys(doc.paths).length).toBeGreaterThan(50);
});

test('errors have one shape everywhere: an unknown route, malformed JSON, an oversized body, a too-large batch', async () => {
  const { token } = await app.staff('admin');
  const unknown = await app.request('GET', '/api/v1/no-such-thing', { token });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });

  const malformed = await app.request('POST', '/api/v1/events', { token, body: '{"events": [', headers: { 'content-type': 'application/json' } });
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.message).toMatch(/JSON/i);

  const huge = await app.request('POST', '/api/v1/events', { token, body: JSON.stringify({ events: [{ pad: 'x'.repeat(3 * 1024 * 1024) }] }) });
  expect(huge.status).toBe(413);
  expect(huge.body.error.message).toBeTruthy();

  const tooMany = await app.request('POST', '/api/v1/events', { token, body: { events: Array.from({ length: 1001 }, (_, i) => ({ eventId: `x${i}` })) } });
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.error.message).toMatch(/1,?000/);
});

test('responses carry security headers and no framework fingerprint', async () => {
  const res = await app.request('GET', '/healthz');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-powered-by')).toBeNull();
});
