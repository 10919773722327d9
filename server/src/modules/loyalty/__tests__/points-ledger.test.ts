import type { TestApp } from '../../../../../tests/support/harness.js';
import { PointsEntryModel } from '../points.model.js';
import { MemberModel } from '../member.model.js';
import { key, shopper, startLoyaltyTestApp } from './loyalty-test-kit.js';

let app: TestApp;
let admin: { id: string; token: string };
beforeAll(async () => {
  app = await startLoyaltyTestApp();
  admin = await app.staff('admin');
});
afterAll(() => app.stop());

const adjust = (customerId: string, points: number, idempotencyKey = key(), token = admin.token) =>
  app.request('POST', `/api/v1/loyalty/members/${customerId}/points`, { token, body: { points, reason: 'test adjustment', idempotencyKey } });

test('100 concurrent spends against a balance that covers 37: exactly 37 succeed, balance 0, ledger sums match', async () => {
  const s = await shopper(app, '13900000001');
  expect((await adjust(s.id, 37)).status).toBe(201);
  const results = await Promise.all(Array.from({ length: 100 }, () => adjust(s.id, -1)));
  const odd = results.filter((r) => r.status !== 201 && r.status !== 409);
  expect(odd.map((r) => [r.status, r.body])).toEqual([]);
  const ok = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status === 409);
  expect(ok).toHaveLength(37);
  expect(refused).toHaveLength(63);
  expect(refused[0].body.error.code).toBe('LOYALTY_INSUFFICIENT_POINTS');
  // Each successful spend saw a distinct resulting balance 36..0: no two spends took the same point.
  expect(ok.map((r) => r.body.balanceAfter).sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i));
  const card = await app.request('GET', '/api/v1/me/points', { token: s.token });
  expect(card.body.balance).toBe(0);
  const rec = await app.request('GET', '/api/v1/loyalty/reconcile', { token: admin.token });
  expect(rec.status).toBe(200);
  expect(rec.body.drift).toEqual([]);
  expect(rec.body.pending).toBe(0);
});

test('the same adjustment sent 5 times at once with one idempotency key is counted once', async () => {
  const s = await shopper(app, '13900000002');
  const k = key();
  const results = await Promise.all(Array.from({ length: 5 }, () => adjust(s.id, 50, k)));
  expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
  expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
  const me = await app.request('GET', '/api/v1/me/points', { token: s.token });
  expect(me.body.balance).toBe(50);
  const reused = await adjust(s.id, 70, k);
  expect(reused.status).toBe(409);
  expect(reused.body.error.code).toBe('LOYALTY_IDEMPOTENCY_KEY_REUSED');
});

test('refuses a spend larger than the balance with 409 and leaves the balance untouched', async () => {
  const s = await shopper(app, '13900000003');
  await adjust(s.id, 10);
  const res = await adjust(s.id, -11);
  expect(res.status).toBe(409);
  expect(res.body.error.message).toMatch(/Not enough points/);
  expect((await app.request('GET', '/api/v1/me/points', { token: s.token })).body.balance).toBe(10);
});

test('a points change left half-done by a crash is finished by the repair job, once', async () => {
  const s = await shopper(app, '13900000004');
  await adjust(s.id, 20);
  const tenantId = app.config.DEFAULT_TENANT;
  const ledger = app.rt.services.loyalty.ledger;
  const old = new Date(Date.now() - 5 * 60_000);
  // Crash after step 1: the entry exists, the balance never moved.
  const notApplied = await PointsEntryModel.create({
    tenantId,
    customerId: s.id,
    key: `crash-a-${key()}`,
    type: 'earn',
    points: 7,
    requested: 7,
    state: 'pending',
    reason: 'crash a',
    source: 'test',
    createdAt: old,
  });
  // Crash after step 2: the balance moved (and lists the entry), the entry was never marked applied.
  const applied = await PointsEntryModel.create({
    tenantId,
    customerId: s.id,
    key: `crash-b-${key()}`,
    type: 'spend',
    points: -5,
    requested: 5,
    state: 'pending',
    reason: 'crash b',
    source: 'test',
    createdAt: old,
  });
  await MemberModel.updateOne({ tenantId, customerId: s.id }, { $inc: { balance: -5, ver: 1 }, $push: { recent: applied._id } });

  const before = await app.request('GET', '/api/v1/loyalty/reconcile', { token: admin.token });
  expect(before.body.pending).toBe(2);
  expect(before.body.drift.map((d: any) => d.customerId)).toContain(s.id);

  await ledger.repairPending();
  await ledger.repairPending();
  const entries = await PointsEntryModel.find({ _id: { $in: [notApplied._id, applied._id] } }).lean();
  expect(entries.map((e) => e.state)).toEqual(['applied', 'applied']);
  expect((await app.request('GET', '/api/v1/me/points', { token: s.token })).body.balance).toBe(20 + 7 - 5);
  const after = await app.request('GET', '/api/v1/loyalty/reconcile', { token: admin.token });
  expect(after.body).toMatchObject({ pending: 0, drift: [] });
});

test('reconciliation reports a balance that no longer matches its ledger', async () => {
  const s = await shopper(app, '13900000005');
  await adjust(s.id, 30);
  await MemberModel.updateOne({ tenantId: app.config.DEFAULT_TENANT, customerId: s.id }, { $inc: { balance: 3 } });
  const rec = await app.request('GET', '/api/v1/loyalty/reconcile', { token: admin.token });
  expect(rec.body.drift).toEqual([{ customerId: s.id, stored: 33, ledger: 30 }]);
  await MemberModel.updateOne({ tenantId: app.config.DEFAULT_TENANT, customerId: s.id }, { $inc: { balance: -3 } });
});

test('the ledger pages newest first with a cursor and never repeats an entry', async () => {
  const s = await shopper(app, '13900000006');
  for (let i = 1; i <= 5; i++) await adjust(s.id, i);
  const first = await app.request('GET', '/api/v1/me/points/ledger?limit=2', { token: s.token });
  expect(first.body.items.map((e: any) => e.points)).toEqual([5, 4]);
  const second = await app.request('GET', `/api/v1/me/points/ledger?limit=2&cursor=${first.body.nextCursor}`, { token: s.token });
  expect(second.body.items.map((e: any) => e.points)).toEqual([3, 2]);
  const third = await app.request('GET', `/api/v1/me/points/ledger?limit=2&cursor=${second.body.nextCursor}`, { token: s.token });
  expect(third.body.items.map((e: any) => e.points)).toEqual([1]);
  expect(third.body.nextCursor).toBeNull();
  expect((await app.request('GET', '/api/v1/me/points/ledger?cursor=garbage', { token: s.token })).status).toBe(400);
});
