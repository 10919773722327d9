import { startTestApp, type TestApp } from '../support/harness.js';

/** The staff list: pickers get active accounts; the 员工与角色 table can ask for switched-off ones too. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date('2026-10-01T08:00:00Z') });
});
afterAll(() => app.stop());

test('a switched-off account leaves the pickers but is found under status=inactive or all, to be switched on again', async () => {
  const admin = await app.staff('admin');
  const gone = await app.staff('sales', '离开的小陈');
  await app.request('PATCH', `/api/v1/staff/${gone.id}`, { token: admin.token, body: { active: false } });
  const names = async (qs: string) =>
    ((await app.request('GET', `/api/v1/staff${qs}`, { token: admin.token })).body.items as { name: string }[]).map((s) => s.name);
  expect(await names('')).not.toContain('离开的小陈');
  expect(await names('?status=inactive')).toEqual(['离开的小陈']);
  expect(await names('?status=all')).toEqual(expect.arrayContaining(['离开的小陈', expect.any(String)]));
  expect((await app.request('GET', '/api/v1/staff?status=gone', { token: admin.token })).status).toBe(400);
});
