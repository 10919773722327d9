import { startTestApp, type TestApp } from '../support/harness.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';

/**
 * The OpenAPI document as an integrator reads it (GET /api/openapi.json, every plugin's routes mounted):
 * success bodies with their shapes, shared shapes named once, the refusals each operation can answer,
 * the credentials each really accepts. Whether the shapes are true is proved elsewhere: in tests every
 * answer of a documented route is checked against them (API_RESPONSE_CHECK, response-check.ts).
 */
let app: TestApp;
let doc: any;
beforeAll(async () => {
  app = await startTestApp({ plugins: [wecomPlugin()] });
  doc = (await app.request('GET', '/api/openapi.json')).body;
});
afterAll(() => app.stop());

type Op = { method: string; path: string; op: any };
const operations = (): Op[] =>
  Object.entries(doc.paths).flatMap(([path, item]: [string, any]) => Object.entries(item).map(([method, op]) => ({ method, path, op })));
const success = (op: any) => Object.entries(op.responses).find(([status]) => /^2/.test(status))![1] as any;

/**
 * Operations still publishing "Success" without a shape. The number may only fall: a new route comes
 * with its `response` schema, and whoever documents an old one lowers this figure. (67: the branches
 * that added teams, FAQ and commands, attachments and mentions, CSV import, tasks and journey versions
 * were written beside the one that added response schemas; their routes are the next to document.)
 */
const UNDOCUMENTED_AT_MOST = 67;

test('a ratchet: the number of operations without a documented success body can only fall', () => {
  const missing = operations().filter(({ op }) => !success(op).content);
  console.info(
    `OpenAPI: ${operations().length} operations, ${missing.length} without a response schema:\n${missing.map((o) => `  ${o.method.toUpperCase()} ${o.path}`).join('\n')}`,
  );
  expect(missing.length).toBeLessThanOrEqual(UNDOCUMENTED_AT_MOST);
});

test('the integration call POST /api/v1/events publishes what an event item is and what the batch answers', () => {
  const ingest = doc.paths['/api/v1/events'].post;
  const items = ingest.requestBody.content['application/json'].schema.properties.events.items;
  expect(items.required).toEqual(expect.arrayContaining(['eventId', 'type', 'occurredAt', 'customer']));
  expect(Object.keys(items.properties)).toEqual(expect.arrayContaining(['eventId', 'type', 'occurredAt', 'customer', 'data']));
  expect(JSON.stringify(items.properties.data)).toContain('orderId');
  expect(success(ingest).content['application/json'].schema).toEqual({ $ref: '#/components/schemas/EventBatchResult' });
  expect(doc.components.schemas.EventBatchResult.properties.results.items.properties.status.enum).toEqual(['accepted', 'duplicate', 'rejected']);
  // An integration key or an admin's token; the refusals it can answer, each with the error shape.
  expect(ingest.security).toEqual([{ staffBearer: [] }, { apiKey: [] }]);
  expect(Object.keys(ingest.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '413', '503']));
  expect(doc.components.responses.E503.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
});

test('shared shapes are named components, each referred to by $ref, and every $ref resolves', () => {
  expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Customer', 'Event', 'PointsEntry', 'Coupon', 'Error']));
  const text = JSON.stringify(doc);
  const refs = [...new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!))];
  const unresolved = refs.filter((ref) => {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((node, key) => node?.[key], doc);
    return !ref.startsWith('#/') || target === undefined;
  });
  expect(unresolved).toEqual([]);
  expect(text).not.toContain('"$defs"');
  expect(text).toContain('"$ref":"#/components/schemas/Customer"');
  expect(doc.servers).toEqual([{ url: '/' }]);
});

test('each operation lists the credentials the server really accepts for it', () => {
  const op = (method: string, path: string) => doc.paths[path][method];
  expect(op('get', '/api/v1/me/points').security).toEqual([{ shopperBearer: [] }]);
  expect(op('get', '/api/v1/customers/{id}').security).toEqual([{ staffBearer: [] }]);
  expect(op('post', '/api/v1/auth/login').security).toEqual([]);
  expect(Object.keys(op('get', '/api/v1/auth/shopper/wechat/authorize').responses)).not.toContain('401');
  expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'shopperBearer', 'staffBearer']);
  // A shopper-only route is never offered to an API key or a staff token, and no route to a scheme it does not accept.
  for (const { op: o, path } of operations()) {
    const schemes = (o.security as Array<Record<string, unknown>>).flatMap((s) => Object.keys(s));
    const allow: string[] = o['x-allow'] === 'public' ? [] : o['x-allow'];
    expect([path, schemes.includes('apiKey')]).toEqual([path, allow.includes('integration')]);
    expect([path, schemes.includes('shopperBearer')]).toEqual([path, allow.includes('shopper')]);
  }
});

test('refusals are documented where the code can answer them: 404 for an id, 409 for a conflict, 429 for a limit', () => {
  const statuses = (method: string, path: string) => Object.keys(doc.paths[path][method].responses);
  expect(statuses('get', '/api/v1/customers/{id}')).toContain('404');
  expect(statuses('post', '/api/v1/me/check-in')).toContain('409');
  expect(statuses('post', '/api/v1/auth/login')).toContain('429');
  expect(doc.components.responses.E429.headers['Retry-After']).toBeDefined();
});

test('the browsable reference at /api/docs is served from our own origin, with no inline script, under the pages’ policy', async () => {
  const page = await fetch(`${app.url}/api/docs`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'[^;]*;/);
  expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  const html = await page.text();
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.map(([, attrs]) => attrs!.match(/src="([^"]+)"/)?.[1])).toEqual(['/api/docs/swagger-ui-bundle.js', '/api/docs/init.js']);
  expect(scripts.every(([, , body]) => body!.trim() === '')).toBe(true);
  for (const asset of ['/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-ui.css', '/api/docs/init.js']) {
    const res = await fetch(app.url + asset);
    expect([asset, res.status, (await res.arrayBuffer()).byteLength > 0]).toEqual([asset, 200, true]);
  }
  expect(await (await fetch(`${app.url}/api/docs/init.js`)).text()).toContain("url: '/api/openapi.json'");
  const proto = await fetch(`${app.url}/api/docs/__proto__`);
  await proto.arrayBuffer();
  expect(proto.status).toBe(404);
});
