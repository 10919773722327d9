// Lives here rather than in server/src/h5/__tests__: jest ignores every path containing /h5/ (the Vite app).
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestApp, type TestApp } from '../support/harness.js';
import Koa from 'koa';
import type { Server } from 'node:http';
import { staticH5Plugin, staticH5Middleware } from '../../server/src/h5/static-h5.plugin.js';
import { errorMiddleware } from '../../server/src/shared/http/errors.middleware.js';
import { createLogger } from '../../server/src/shared/logger.js';
import { pino } from 'pino';

/** Serving the H5 build: history fallback, caching, and nothing outside the build directory. */
let app: TestApp;
let emptyServer: Server;
let emptyUrl: string;
let vendor: Buffer;
beforeAll(async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'h5-'));
  const dist = path.join(base, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(base, 'secret.txt'), 'SECRET-NEXT-TO-DIST');
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="app"></div>');
  writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(dist, 'favicon.ico'), 'icon');
  writeFileSync(path.join(dist, 'assets', 'vendor-def456.js'), 'export const words = ['.concat('"会员中心",'.repeat(4000), '];'));
  vendor = readFileSync(path.join(dist, 'assets', 'vendor-def456.js'));
  app = await startTestApp({ plugins: [staticH5Plugin({ distDir: dist })] });
  // one runtime per test process (mongoose is global), so the no-build case runs the middleware alone
  const bare = new Koa();
  bare.use(errorMiddleware(createLogger('silent')));
  bare.use(staticH5Middleware(mkdtempSync(path.join(tmpdir(), 'h5-none-'))));
  emptyServer = await new Promise<Server>((resolve) => {
    const srv = bare.listen(0, '127.0.0.1', () => resolve(srv));
  });
  emptyUrl = `http://127.0.0.1:${(emptyServer.address() as { port: number }).port}`;
});
afterAll(async () => {
  // Requests with broken addresses can leave a connection the server still counts as busy; the graceful
  // close would wait for it (the hook's 30 s, seen in CI), so this file's connections are cut first.
  app.rt.server?.closeAllConnections();
  await app.stop();
  emptyServer.closeAllConnections();
  await new Promise((resolve) => emptyServer.close(resolve));
});

/**
 * GET, with the body read at once: a response left unread keeps its connection busy, and the server's
 * close at the end of the file would wait for it.
 */
const get = async (a: TestApp | string, p: string) => {
  const res = await fetch((typeof a === 'string' ? a : a.url) + p, { redirect: 'manual' });
  const body = await res.arrayBuffer();
  return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, headers: res.headers });
};

/** GET with one Accept-Encoding and the body as sent on the wire (fetch would decode it). */
function rawGet(url: string, encoding: string): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': encoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

test('every page address of the three apps opens index.html, never cached', async () => {
  for (const p of ['/h5/', '/h5/member', '/h5/member/points', '/h5/sidebar/customers/0123456789abcdef01234567', '/h5/console/inbox']) {
    const res = await get(app, p);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('<div id="app">');
  }
});

test('/h5 redirects to /h5/ keeping the query (WeChat OAuth returns with ?code=)', async () => {
  const res = await get(app, '/h5?code=abc');
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('/h5/?code=abc');
});

test('hashed assets are cached for a year; a missing asset is a 404, not the page', async () => {
  const js = await get(app, '/h5/assets/index-abc123.js');
  expect(js.status).toBe(200);
  expect(js.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
  const missing = await get(app, '/h5/assets/gone-999.js');
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as any).error.message).toMatch(/No such file/);
});

test('paths that climb out of the build directory never serve files from outside it', async () => {
  for (const p of ['/h5/../secret.txt', '/h5/%2e%2e/secret.txt', '/h5/..%2fsecret.txt', '/h5/%2e%2e%2fsecret.txt', '/h5/assets/..%2f..%2fsecret.txt']) {
    const res = await get(app, p);
    expect(await res.text()).not.toContain('SECRET-NEXT-TO-DIST');
  }
});

test('the API still answers under /api while the pages are mounted', async () => {
  const res = await get(app, '/api/v1/tags');
  expect(res.status).toBe(401);
});

test('without a build, page addresses answer 503 with how to build', async () => {
  const res = await get(emptyUrl, '/h5/member');
  expect(res.status).toBe(503);
  expect(((await res.json()) as any).error.message).toMatch(/npm run build:h5/);
});

test('addresses with bad percent-encoding answer 400, logged below warning (no stack at error level)', async () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const bare = new Koa();
  bare.use(errorMiddleware(log));
  bare.use(staticH5Middleware(mkdtempSync(path.join(tmpdir(), 'h5-bad-'))));
  const server = await new Promise<Server>((resolve) => {
    const srv = bare.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    for (const p of ['/h5/%', '/h5/%E0%A4%A', '/h5/%C0%AE', '/h5/assets/%ZZ.js', '/h5/member/%']) {
      const res = await get(url, p);
      expect([p, res.status]).toEqual([p, 400]);
      expect(((await res.json()) as any).error.message).toMatch(/percent-encoded/);
      // And through the whole server, unauthenticated.
      expect([p, (await get(app, p)).status]).toEqual([p, 400]);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => l.level > 30)).toEqual([]);
});

test('pages carry a Content-Security-Policy that allows no inline script', async () => {
  const res = await get(app, '/h5/member/points');
  await res.arrayBuffer();
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );
  expect(directives['default-src']).toEqual(["'self'"]);
  expect(directives['script-src']).toEqual(["'self'", 'https://res.wx.qq.com', 'https://open.work.weixin.qq.com']);
  expect(directives['script-src-attr']).toEqual(["'none'"]);
  expect(directives['object-src']).toEqual(["'none'"]);
  expect(directives['frame-ancestors']).toEqual(["'self'"]);
  expect(csp).not.toMatch(/unsafe-eval/);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
});

test('the pages and their assets are compressed for a browser that accepts it, and keep their caching', async () => {
  const js = await fetch(`${app.url}/h5/assets/vendor-def456.js`, { headers: { 'accept-encoding': 'br, gzip' } });
  expect(js.status).toBe(200);
  expect(js.headers.get('content-encoding')).toBe('br');
  expect(js.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
  expect(await js.text()).toContain('"会员中心","会员中心"');
  const gz = await fetch(`${app.url}/h5/assets/vendor-def456.js`, { headers: { 'accept-encoding': 'gzip' } });
  expect(gz.headers.get('content-encoding')).toBe('gzip');
  await gz.arrayBuffer();
  // Byte for byte: the brotli and gzip bodies decode to the file, and caches keep one copy per encoding.
  for (const [encoding, decode] of [
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const) {
    const raw = await rawGet(`${app.url}/h5/assets/vendor-def456.js`, encoding);
    expect(raw.headers['content-encoding']).toBe(encoding);
    expect(String(raw.headers.vary)).toMatch(/accept-encoding/i);
    expect(raw.body.length).toBeLessThan(vendor.length / 10);
    expect(decode(raw.body).equals(vendor)).toBe(true);
  }
  const plain = await fetch(`${app.url}/h5/assets/vendor-def456.js`, { headers: { 'accept-encoding': 'identity' } });
  expect(plain.headers.get('content-encoding')).toBeNull();
  expect(Number(plain.headers.get('content-length'))).toBeGreaterThan(40_000);
  await plain.arrayBuffer();
});
