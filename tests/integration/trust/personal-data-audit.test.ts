import { startTestApp, type TestApp } from '../../support/harness.js';
import { newShopper, trustEnv } from './trust-support.js';

/**
 * The audit log answers "who read or changed this person's data": every read of a full (unmasked)
 * profile and every export, and every write to a person with the changed values before and after
 * (profile edits, tags, consents). Erasing the person removes the values, not the record of the acts.
 */
let app: TestApp;
let admin: { id: string; token: string };
let owner: { id: string; token: string };
let manager: { id: string; token: string };
const NOW = new Date('2026-03-02T08:00:00Z');
beforeAll(async () => {
  app = await startTestApp({ env: trustEnv(), now: () => NOW });
  admin = await app.staff('admin');
  owner = await app.staff('sales');
  manager = await app.staff('community_manager');
}, 30_000);
afterAll(() => app.stop());

const T = () => app.config.DEFAULT_TENANT;
const auditOf = async (customerId: string) =>
  (await app.request('GET', `/api/v1/audit?targetId=${customerId}&limit=200`, { token: admin.token })).body.items as any[];

test('reading a full profile is recorded (admin, owner); a masked read (community manager) is not', async () => {
  const p = await newShopper(app, { name: '审计读', phone: '13600000001' });
  await app.rt.services.customers.update(T(), p.customerId, { ownerStaffId: owner.id });
  for (const who of [admin, owner, manager]) expect((await app.request('GET', `/api/v1/customers/${p.customerId}`, { token: who.token })).status).toBe(200);
  const reads = (await auditOf(p.customerId)).filter((a) => a.action === 'customers.read');
  expect(reads.map((a) => [a.actorId, a.actorRole]).sort()).toEqual(
    [
      [admin.id, 'admin'],
      [owner.id, 'sales'],
    ].sort(),
  );
  expect(reads[0]).toMatchObject({ targetType: 'customers', targetId: p.customerId, at: NOW.toISOString() });
});

test('exports of personal data are recorded: the shopper’s own and an admin’s', async () => {
  const p = await newShopper(app);
  expect((await app.request('GET', '/api/v1/me/export', { token: p.token })).status).toBe(200);
  expect((await app.request('GET', `/api/v1/privacy/customers/${p.customerId}/export`, { token: admin.token })).status).toBe(200);
  const exports = (await auditOf(p.customerId)).filter((a) => a.action === 'privacy.export');
  expect(exports.map((a) => a.actorRole).sort()).toEqual(['admin', 'shopper']);
});

test('profile edits, tag changes and consent changes are recorded with each changed value before and after; erasure removes the values, keeps the acts', async () => {
  const p = await newShopper(app, { name: '审计改', phone: '13600000002' });
  await app.rt.services.customers.update(T(), p.customerId, { ownerStaffId: owner.id, city: '杭州', gender: 'female' });
  const edit = await app.request('PATCH', `/api/v1/customers/${p.customerId}`, {
    token: owner.token,
    body: { name: '审计改名', city: '宁波', gender: 'female' },
  });
  expect(edit.status).toBe(200);
  const tag = await app.request('POST', '/api/v1/tags', { token: admin.token, body: { groupName: '审计', name: '老客' } });
  expect((await app.request('POST', `/api/v1/customers/${p.customerId}/tags`, { token: owner.token, body: { add: [tag.body.id] } })).status).toBe(200);
  expect((await app.request('PUT', '/api/v1/me/privacy/consents', { token: p.token, body: { marketing: true } })).status).toBe(200);

  const log = await auditOf(p.customerId);
  const update = log.find((a) => a.action === 'customers.update');
  expect(update).toMatchObject({ actorId: owner.id, actorRole: 'sales' });
  // Only what changed: gender was sent but stayed the same.
  expect(update.details.changes).toEqual({ name: { before: '审计改', after: '审计改名' }, city: { before: '杭州', after: '宁波' } });
  expect(log.find((a) => a.action === 'customers.tags').details.changes).toEqual({ tags: { before: [], after: [tag.body.id] } });
  expect(log.find((a) => a.action === 'privacy.consent')).toMatchObject({
    actorId: p.customerId,
    actorRole: 'shopper',
    details: { purpose: 'marketing', changes: { 'consents.marketing': { before: null, after: true } } },
  });
  // The generic entry of the route is not written twice.
  expect(log.filter((a) => a.action.startsWith('PATCH '))).toEqual([]);

  expect((await app.request('POST', `/api/v1/privacy/customers/${p.customerId}/erasure`, { token: admin.token, body: { reason: 'ticket 9' } })).status).toBe(
    200,
  );
  const after = await auditOf(p.customerId);
  expect(after.map((a) => a.action)).toEqual(expect.arrayContaining(['customers.update', 'customers.tags', 'privacy.consent', 'privacy.erasure']));
  expect(JSON.stringify(after)).not.toContain('审计改');
  expect(after.find((a) => a.action === 'customers.update').details).toMatchObject({ valuesErased: true });
});
