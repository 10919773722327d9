import Koa from 'koa';
import type { Server } from 'node:http';
import { ApiRouter } from '../../server/src/shared/http/route.js';
import { apiDispatch } from '../../server/src/shared/http/api-dispatch.js';

/**
 * The API dispatch hands a request only to the routers that can match it. Whatever it leaves out, the
 * answers must be those of the routers mounted one after another: same handler, same 404/405, routes
 * starting with a parameter still reached, and paths matched case-insensitively as @koa/router does.
 */
let server: Server;
let url: string;
beforeAll(async () => {
  const staff = new ApiRouter('/api/v1', 'staff')
    .route({ method: 'get', path: '/staff', allow: 'public', summary: 'list' }, () => ({ from: 'staff' }))
    .route({ method: 'post', path: '/auth/login', allow: 'public', summary: 'login' }, () => ({ from: 'login' }));
  const events = new ApiRouter('/api/v1', 'events').route({ method: 'post', path: '/events', allow: 'public', summary: 'ingest' }, () => ({ from: 'events' }));
  const me = new ApiRouter('/api/v1/me', 'me')
    .route({ method: 'get', path: '/points', allow: 'public', summary: 'points' }, () => ({ from: 'points' }))
    .route({ method: 'get', path: '/points/ledger', allow: 'public', summary: 'ledger' }, () => ({ from: 'ledger' }))
    .route({ method: 'get', path: '/', allow: 'public', summary: 'me' }, () => ({ from: 'me-root' }));
  const privacy = new ApiRouter('/api/v1/me', 'privacy').route({ method: 'post', path: '/erase', allow: 'public', summary: 'erase' }, () => ({
    from: 'erase',
  }));
  const byId = new ApiRouter('/api/v1/things', 'things').route({ method: 'get', path: '/:id', allow: 'public', summary: 'one' }, ({ params }) => ({
    from: 'thing',
    id: (params as { id: string }).id,
  }));
  const app = new Koa();
  app.use(apiDispatch([staff, events, me, privacy, byId]));
  app.use((ctx) => {
    ctx.set('x-reached', 'the end of the chain');
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = async (method: string, path: string) => {
  const res = await fetch(url + path, { method });
  const text = await res.text();
  return {
    status: res.status,
    body: text && res.status === 200 ? JSON.parse(text) : undefined,
    allow: res.headers.get('allow'),
    reachedEnd: res.headers.has('x-reached'),
  };
};

test.each([
  ['GET', '/api/v1/staff', 'staff'],
  ['POST', '/api/v1/auth/login', 'login'],
  ['POST', '/api/v1/events', 'events'],
  ['GET', '/api/v1/me/points', 'points'],
  ['GET', '/api/v1/me/points/', 'points'],
  ['GET', '/api/v1/me/points/ledger', 'ledger'],
  ['GET', '/api/v1/me', 'me-root'],
  ['POST', '/api/v1/me/erase', 'erase'],
  ['GET', '/API/V1/ME/POINTS', 'points'],
  ['GET', '/api/v1/Me/Points/Ledger', 'ledger'],
])('%s %s reaches the %s route', async (method, path, from) => {
  const res = await call(method, path);
  expect(res.status).toBe(200);
  expect(res.body.from).toBe(from);
});

test('a route starting with a parameter takes any segment, and its params are decoded', async () => {
  expect((await call('GET', '/api/v1/things/abc')).body).toEqual({ from: 'thing', id: 'abc' });
  expect((await call('GET', '/api/v1/things/%E4%BC%9A%E5%91%98')).body).toEqual({ from: 'thing', id: '会员' });
});

test('a known path with another method answers 405 with the allowed methods, as @koa/router does', async () => {
  const res = await call('DELETE', '/api/v1/me/points');
  expect(res.status).toBe(405);
  expect(res.allow).toContain('GET');
});

test('paths no router declares go on to the next middleware', async () => {
  for (const path of ['/api/v1/nothing', '/api/v1/me/nothing', '/api/v1/staffing', '/api/v2/staff', '/elsewhere']) {
    const res = await call('GET', path);
    expect([path, res.status, res.reachedEnd]).toEqual([path, 404, true]);
  }
});
