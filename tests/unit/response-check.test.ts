import Koa from 'koa';
import type { Server } from 'node:http';
import { z } from 'zod';
import { ApiRouter } from '../../server/src/shared/http/route.js';
import { errorMiddleware } from '../../server/src/shared/http/errors.middleware.js';
import { setResponseCheck } from '../../server/src/shared/http/response-check.js';
import { conflict } from '../../server/src/shared/app-error.js';
import { createLogger } from '../../server/src/shared/logger.js';
import { loadConfig } from '../../server/src/config/env.js';

/**
 * The drift check: with API_RESPONSE_CHECK on (tests), an answer that differs from the route's
 * documented response — a missing or mistyped field, a field the document does not list, a refusal
 * status it does not list — fails loudly with 500 naming the route and the field; with it off
 * (production), the answer goes out untouched.
 */
let server: Server;
let url: string;
let body: unknown;
let fileType = 'text/csv';
beforeAll(async () => {
  const shape = z.object({ id: z.string(), points: z.int(), tags: z.array(z.string()) });
  const api = new ApiRouter('/api/v1/check', 'check')
    .route({ method: 'get', path: '/thing', allow: 'public', summary: 'documented', response: shape }, () => body)
    .route({ method: 'post', path: '/conflict', allow: 'public', summary: 'undocumented 409', response: shape }, () => {
      throw conflict('TAG_EXISTS', 'done before');
    })
    .route({ method: 'post', path: '/declared', allow: 'public', summary: 'documented 409', response: shape, errors: [409] }, () => {
      throw conflict('TAG_EXISTS', 'done before');
    })
    .route(
      { method: 'get', path: '/file', allow: 'public', summary: 'a CSV', produces: { types: ['text/csv', 'image/*'], description: 'a file' } },
      ({ ctx }) => {
        ctx.type = fileType;
        return 'id,name\n1,a\n';
      },
    );
  const app = new Koa();
  app.use(errorMiddleware(createLogger('silent')));
  app.use(api.routes());
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/check`;
});
afterAll(() => {
  setResponseCheck(false);
  server.close();
});
beforeEach(() => setResponseCheck(true));

const get = async (path: string, method = 'GET') => {
  const res = await fetch(url + path, { method });
  return { status: res.status, body: (await res.json()) as any };
};

test('an answer of the documented shape goes out as it is', async () => {
  body = { id: 'a', points: 3, tags: ['x'] };
  expect(await get('/thing')).toEqual({ status: 200, body });
});

test('a missing or mistyped field fails the request with 500 naming the route and the field', async () => {
  body = { id: 'a', points: 1.5 };
  const res = await get('/thing');
  expect(res.status).toBe(500);
  expect(res.body.error.message).toMatch(/^API drift: GET \/api\/v1\/check\/thing answered a body its documented response schema refuses: points: .*; tags: /);
});

test('a field the document does not list is drift too', async () => {
  body = { id: 'a', points: 1, tags: [], secret: 'x' };
  const res = await get('/thing');
  expect(res.status).toBe(500);
  expect(res.body.error.message).toContain('fields its documented response schema does not list: secret');
});

test('a refusal the route does not document fails; one it documents goes out', async () => {
  const undocumented = await get('/conflict', 'POST');
  expect(undocumented.status).toBe(500);
  expect(undocumented.body.error.message).toContain('answered 409 TAG_EXISTS, which its OpenAPI entry does not document');
  expect(await get('/declared', 'POST')).toEqual({ status: 409, body: { error: { code: 'TAG_EXISTS', message: 'done before' } } });
});

test('with the check off (production) nothing is checked', async () => {
  setResponseCheck(false);
  body = { id: 'a', points: 1.5, secret: 'x' };
  expect(await get('/thing')).toEqual({ status: 200, body });
  expect((await get('/conflict', 'POST')).status).toBe(409);
});

test('the check cannot be turned on in production', () => {
  const env = {
    NODE_ENV: 'production',
    MONGODB_URI: 'mongodb://db.internal/scrm',
    REDIS_URL: 'redis://cache.internal',
    APP_SECRET: 'Qm7v2Lx9Rk4pWz8Tn3Hc6Yb1Fd5Gs0Je-aUoNiVeKrBtPq',
  };
  expect(() => loadConfig(env)).not.toThrow();
  expect(() => loadConfig({ ...env, API_RESPONSE_CHECK: 'true' })).toThrow(/API_RESPONSE_CHECK is for tests/);
});

test('a non-JSON answer goes out when its media type is one the route lists (image/* for any image), and is drift otherwise', async () => {
  for (const type of ['text/csv', 'image/png']) {
    fileType = type;
    const ok = await fetch(`${url}/file`);
    expect([ok.status, ok.headers.get('content-type')?.split(';')[0], await ok.text()]).toEqual([200, type, 'id,name\n1,a\n']);
  }
  fileType = 'application/json';
  const res = await get('/file');
  expect(res.status).toBe(500);
  expect(res.body.error.message).toBe('API drift: GET /api/v1/check/file answered application/json, which its OpenAPI entry does not list: text/csv, image/*');
});
