import { startTestApp, type TestApp } from '../support/harness.js';

/** The console's test box: a manager types a sample message and sees which rule the bot would answer with. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date('2026-10-01T08:00:00Z') });
});
afterAll(() => app.stop());

test('the test box names the rule the bot would answer with, by priority, and says null when none matches', async () => {
  const cm = await app.staff('community_manager');
  const as = (method: string, path: string, body?: unknown) => app.request(method, path, { token: cm.token, body });
  const low = await as('POST', '/api/v1/desk/rules', { kind: 'keyword', keywords: ['发货'], reply: '一般 48 小时内发货', priority: 1 });
  const high = await as('POST', '/api/v1/desk/rules', { kind: 'regex', pattern: '什么时候.*发货', reply: '付款后 24 小时内发货', priority: 5 });
  await as('POST', '/api/v1/desk/rules', { kind: 'keyword', keywords: ['退款'], reply: '关掉的规则', active: false });
  expect([low.status, high.status]).toEqual([201, 201]);

  const hit = await as('POST', '/api/v1/desk/rules/test', { text: '请问什么时候发货？' });
  expect(hit.status).toBe(200);
  expect(hit.body.match).toEqual({ ruleId: String(high.body._id), kind: 'regex', action: 'reply', reply: '付款后 24 小时内发货' });
  expect((await as('POST', '/api/v1/desk/rules/test', { text: '发货了吗' })).body.match.ruleId).toBe(String(low.body._id));
  // An edit applies to the next test at once (the matcher's cache is dropped on write).
  await as('PATCH', `/api/v1/desk/rules/${high.body._id}`, { active: false });
  expect((await as('POST', '/api/v1/desk/rules/test', { text: '请问什么时候发货？' })).body.match.ruleId).toBe(String(low.body._id));
  // Switched-off rules do not answer.
  expect((await as('POST', '/api/v1/desk/rules/test', { text: '我要退款' })).body).toEqual({ match: null });
});

test('the test box refuses an empty sample with 400 and is for managers and admins only', async () => {
  const cm = await app.staff('community_manager');
  const empty = await app.request('POST', '/api/v1/desk/rules/test', { token: cm.token, body: { text: '   ' } });
  expect(empty.status).toBe(400);
  expect(empty.body.error.code).toBeTruthy();
  const agent = await app.staff('agent');
  expect((await app.request('POST', '/api/v1/desk/rules/test', { token: agent.token, body: { text: '发货' } })).status).toBe(403);
  const admin = await app.staff('admin');
  expect((await app.request('POST', '/api/v1/desk/rules/test', { token: admin.token, body: { text: '发货' } })).status).toBe(200);
});
