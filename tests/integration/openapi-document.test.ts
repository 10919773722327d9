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
 * Every operation publishes its success body: a route comes with its `response` schema, or, when its
 * body is not JSON (a CSV file, an image, an event stream), with the media types it `produces`.
 */
test('every operation documents its success body; non-JSON ones by their media type', () => {
  const missing = operations().filter(({ op }) => !success(op).content);
  expect(missing.map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual([]);
  const media = (method: string, path: string) => Object.keys(success(doc.paths[path][method]).content);
  expect(media('get', '/api/v1/conversations/stream')).toEqual(['text/event-stream']);
  expect(success(doc.paths['/api/v1/conversations/stream'].get).description).toMatch(/message\.created/);
  expect(media('get', '/api/v1/customers/export.csv')).toEqual(['text/csv']);
  expect(media('get', '/api/v1/wecom/contact-ways/{id}/qr.png')).toEqual(['image/*']);
  expect(media('get', '/api/v1/desk/attachments/{id}')).toEqual(expect.arrayContaining(['image/*', 'application/*']));
  expect(media('get', '/api/v1/conversations/{id}')).toEqual(['application/json']);
  expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Conversation', 'Message', 'ReplyRule', 'DeskTeam', 'PersonalDataExport']));
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
  expect(statuses('post', '/api/v1/conversations/{id}/take')).toContain('409');
  expect(statuses('post', '/api/v1/desk/attachments')).toEqual(expect.arrayContaining(['413', '415']));
  expect(statuses('post', '/api/v1/conversations/{id}/notes')).toContain('422');
  expect(statuses('get', '/api/v1/wecom/contact-ways/{id}/qr.png')).toContain('502');
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
