import { startTestApp, until, type TestApp } from '../support/harness.js';

/**
 * Integration keys over their life: made (the key shown once), listed with when each was last used,
 * rotated (the old key stops after a grace period) and revoked (refused from the next request on),
 * every change in the audit log. The clock is pinned and moved by hand.
 */
let app: TestApp;
let t = Date.parse('2026-11-02T03:00:00Z');
let admin: { id: string; token: string };
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(t) });
  admin = await app.staff('admin');
});
afterAll(() => app.stop());

const as = (token: string) => (method: string, path: string, body?: unknown) => app.request(method, path, { token, body });
const ingest = (key: string, eventId: string) =>
  app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: { events: [{ eventId, type: 'product.viewed', occurredAt: '2026-11-01T08:00:00Z', customer: { phone: '13900002222' }, data: { sku: 'S1' } }] },
  });
const listed = async (id: string) => (await as(admin.token)('GET', '/api/v1/api-keys')).body.items.find((k: any) => k.id === id);

test('an admin lists keys with their last use (to the minute) and never sees a key again after making it', async () => {
  const made = await as(admin.token)('POST', '/api/v1/api-keys', { name: '有赞店铺' });
  expect(made.status).toBe(201);
  expect(made.body.key).toMatch(/^sk_/);
  const list = await as(admin.token)('GET', '/api/v1/api-keys');
  expect(JSON.stringify(list.body)).not.toContain(made.body.key);
  expect(JSON.stringify(list.body)).not.toContain('keyHash');
  expect(await listed(made.body.id)).toMatchObject({
    name: '有赞店铺',
    prefix: made.body.key.slice(0, 7),
    createdAt: '2026-11-02T03:00:00.000Z',
    createdBy: admin.id,
    lastUsedAt: null,
    revokedAt: null,
    active: true,
  });

  expect((await ingest(made.body.key, 'k-1')).status).toBe(200);
  expect(await until(async () => (await listed(made.body.id)).lastUsedAt === '2026-11-02T03:00:00.000Z', 5000, 50)).toBe(true);
  // Used again within the minute: not written again (ingest stays a read); a minute later it is.
  t += 30_000;
  expect((await ingest(made.body.key, 'k-2')).status).toBe(200);
  await new Promise((r) => setTimeout(r, 200));
  expect((await listed(made.body.id)).lastUsedAt).toBe('2026-11-02T03:00:00.000Z');
  t += 31_000;
  expect((await ingest(made.body.key, 'k-3')).status).toBe(200);
  expect(await until(async () => (await listed(made.body.id)).lastUsedAt === '2026-11-02T03:01:01.000Z', 5000, 50)).toBe(true);

  const sales = await app.staff('sales');
  expect((await as(sales.token)('GET', '/api/v1/api-keys')).status).toBe(403);
  expect((await as(sales.token)('POST', `/api/v1/api-keys/${made.body.id}/revoke`)).status).toBe(403);
});

test('a revoked key is refused on its very next request, and the revoke is audited', async () => {
  const { body: made } = await as(admin.token)('POST', '/api/v1/api-keys', { name: '抖店' });
  expect((await ingest(made.key, 'r-1')).status).toBe(200);
  const revoked = await as(admin.token)('POST', `/api/v1/api-keys/${made.id}/revoke`);
  expect(revoked.status).toBe(200);
  expect(revoked.body).toMatchObject({ id: made.id, active: false, revokedAt: new Date(t).toISOString() });
  expect((await ingest(made.key, 'r-2')).status).toBe(401);
  // Revoking again changes nothing.
  t += 60_000;
  expect((await as(admin.token)('POST', `/api/v1/api-keys/${made.id}/revoke`)).body.revokedAt).toBe(revoked.body.revokedAt);

  const audit = await as(admin.token)('GET', `/api/v1/audit?targetType=api_key&targetId=${made.id}`);
  expect(audit.body.items.map((e: any) => [e.action, e.actorId, e.details?.name])).toEqual(
    expect.arrayContaining([
      ['api_key.create', admin.id, '抖店'],
      ['api_key.revoke', admin.id, '抖店'],
    ]),
  );
});

test('rotating gives a new key at once and stops the old one when the grace period ends', async () => {
  const { body: old } = await as(admin.token)('POST', '/api/v1/api-keys', { name: '微信小店' });
  const rotated = await as(admin.token)('POST', `/api/v1/api-keys/${old.id}/rotate`, { graceMinutes: 10 });
  expect(rotated.status).toBe(201);
  expect(rotated.body).toMatchObject({
    name: '微信小店',
    replaces: old.id,
    active: true,
    oldKey: { id: old.id, active: true, revokedAt: new Date(t + 10 * 60_000).toISOString() },
  });
  expect(rotated.body.key).not.toBe(old.key);
  expect((await ingest(rotated.body.key, 'o-1')).status).toBe(200);
  expect((await ingest(old.key, 'o-2')).status).toBe(200); // still inside the grace period
  t += 10 * 60_000;
  expect((await ingest(old.key, 'o-3')).status).toBe(401);
  expect((await ingest(rotated.body.key, 'o-4')).status).toBe(200);
  expect(JSON.stringify((await as(admin.token)('GET', '/api/v1/api-keys')).body)).not.toContain(rotated.body.key);
  // A stopped key cannot be rotated; rotating without a grace period stops the old key at once.
  expect((await as(admin.token)('POST', `/api/v1/api-keys/${old.id}/rotate`)).status).toBe(404);
  const again = await as(admin.token)('POST', `/api/v1/api-keys/${rotated.body.id}/rotate`);
  expect((await ingest(rotated.body.key, 'o-5')).status).toBe(401);
  expect((await ingest(again.body.key, 'o-6')).status).toBe(200);
  const audit = await as(admin.token)('GET', `/api/v1/audit?targetType=api_key&targetId=${old.id}`);
  expect(audit.body.items.find((e: any) => e.action === 'api_key.rotate')).toMatchObject({ actorId: admin.id, details: { newKeyId: rotated.body.id } });
});
