import { spawn } from 'node:child_process';
import type { TestApp } from '../support/harness.js';
import { jobDefinitions } from '../../server/src/jobs/index.js';
import { MemberModel } from '../../server/src/modules/loyalty/member.model.js';
import { key, paid, postEvents, refunded, settableClock, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/** The reconciliation command an operator runs, and the loyalty figures the console dashboard shows. */
const clock = settableClock('2026-11-20T04:00:00Z');
let app: TestApp;
let admin: { id: string; token: string };
let apiKey: string;
beforeAll(async () => {
  app = await startLoyaltyTestApp({ now: clock.now });
  admin = await staffNow('admin');
  apiKey = (await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, 'shop')).key;
});
afterAll(() => app.stop());

/** Staff sign in on the test's clock, as everything else does. */
const staffNow = (role: 'admin' | 'sales') => app.staff(role);

/** `npm run loyalty:reconcile` against this test's database, as an operator would run it. */
function reconcileCommand(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'loyalty:reconcile'], {
      env: { ...process.env, MONGODB_URI: app.config.MONGODB_URI, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('after a day of orders, refunds, exchanges, check-ins and expiry, the reconciliation command reports zero drift; a tampered balance is named with exit code 1', async () => {
  const a = await shopper(app, '13300000001');
  const b = await shopper(app, '13300000002');
  await postEvents(app, apiKey, [
    paid(`e-${key()}`, a.phone, 'R-1', 30_000, '2026-11-20T03:00:00Z'),
    paid(`e-${key()}`, b.phone, 'R-2', 12_345, '2026-11-20T03:10:00Z'),
  ]);
  const t = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '满100减10',
      kind: 'amount',
      amountOff: 1000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 10,
      channels: ['exchange'],
      pointsCost: 100,
    },
  });
  const ex = await app.request('POST', '/api/v1/me/exchange', { token: a.token, body: { templateId: t.body.id, idempotencyKey: key() } });
  expect(ex.status).toBe(201);
  await postEvents(app, apiKey, [paid(`e-${key()}`, a.phone, 'R-3', 20_000, '2026-11-20T03:30:00Z', ex.body.code)]);
  await postEvents(app, apiKey, [refunded(`e-${key()}`, a.phone, 'R-1', 30_000, '2026-11-20T03:40:00Z')]); // more than is left: shortfall
  expect((await app.request('POST', '/api/v1/me/check-in', { token: b.token })).status).toBe(200);

  // The dashboard's figures for today add up to what happened.
  const report = await app.request('GET', '/api/v1/loyalty/report?days=7', { token: admin.token });
  expect(report.status).toBe(200);
  expect(report.body.days).toHaveLength(7);
  const today = report.body.days[6];
  expect(today.day).toBe('2026-11-20');
  expect(today).toMatchObject({ pointsIssued: 300 + 123 + 200 + 5, pointsSpent: 100, couponsIssued: 1, couponsRedeemed: 1 });
  expect(today.pointsReversed).toBeGreaterThan(0);
  expect(report.body.totals.pointsIssued).toBe(today.pointsIssued);
  // A period that ended yesterday (the date range, or the previous period to compare with) has none of it.
  const before = await app.request('GET', '/api/v1/loyalty/report?days=7&to=2026-11-19', { token: admin.token });
  expect(before.body.days.map((d: { day: string }) => d.day)).toEqual([
    '2026-11-13',
    '2026-11-14',
    '2026-11-15',
    '2026-11-16',
    '2026-11-17',
    '2026-11-18',
    '2026-11-19',
  ]);
  expect(before.body.totals).toEqual({ pointsIssued: 0, pointsSpent: 0, pointsExpired: 0, pointsReversed: 0, couponsIssued: 0, couponsRedeemed: 0 });
  const justToday = await app.request('GET', '/api/v1/loyalty/report?days=1&to=2026-11-20', { token: admin.token });
  expect(justToday.body.totals).toEqual(report.body.totals);

  // A year on, the rest of those points expire.
  clock.set('2028-01-02T00:00:00Z');
  try {
    await jobDefinitions(app.rt.services)
      .find((j) => j.name === 'loyalty.expire-points')!
      .run({});
  } finally {
    clock.set('2026-11-20T05:00:00Z');
  }
  expect((await app.request('GET', '/api/v1/me/points', { token: b.token })).body.balance).toBe(0);

  const ok = await reconcileCommand();
  expect(ok.out).toMatch(/OK: zero drift/);
  expect(ok.out).toMatch(/tenant \S+: \d+ members, \d+ ledger entries, 0 pending, drift 0 member/);
  expect(ok.code).toBe(0);

  await MemberModel.updateOne({ tenantId: app.config.DEFAULT_TENANT, customerId: b.id }, { $inc: { balance: 7 } });
  try {
    const bad = await reconcileCommand();
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`DRIFT customer ${b.id}: stored balance 7, ledger says 0`);
  } finally {
    await MemberModel.updateOne({ tenantId: app.config.DEFAULT_TENANT, customerId: b.id }, { $inc: { balance: -7 } });
  }
}, 90_000);

test('the dashboard figures are for managers only', async () => {
  const sales = await staffNow('sales');
  expect((await app.request('GET', '/api/v1/loyalty/report', { token: sales.token })).status).toBe(403);
});
