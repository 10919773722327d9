import { startTestApp, type TestApp } from '../../support/harness.js';

/**
 * What the console and the sidebar read about journeys: the list with each journey's runs by state,
 * the latest runs with the customer's name as the reader's role may see it, and a customer's runs
 * with the journey's name (sales cannot list journeys).
 */
let clock = Date.now();
let app: TestApp;
let admin: { token: string };
let manager: { token: string };
let owner: { id: string; token: string };

beforeAll(async () => {
  app = await startTestApp({ env: { ROLES: 'server' }, now: () => new Date(clock) });
  admin = await app.staff('admin');
  manager = await app.staff('community_manager');
  owner = await app.staff('sales');
}, 60_000);
afterAll(() => app?.stop());

const api = (token: string, method: string, path: string, body?: unknown) => app.request(method, path, { token, body });

test('the list gives each journey its runs by state, the detail names each run’s customer (masked for a community manager, whole for an admin), and a customer’s runs name the journey for their owner', async () => {
  const welcome = await api(manager.token, 'POST', '/api/v1/journeys', {
    name: '新客回访',
    trigger: { type: 'customer.created' },
    steps: [{ type: 'task', title: '回访 {name}', dueInHours: 24 }],
  });
  expect(welcome.status).toBe(201);
  const quiet = await api(manager.token, 'POST', '/api/v1/journeys', {
    name: '售后评价',
    trigger: { type: 'order.paid' },
    steps: [{ type: 'wait', hours: 120 }],
  });
  expect(quiet.status).toBe(201);
  const s = app.rt.services;
  const tenant = app.config.DEFAULT_TENANT;
  const zhang = await s.customers.identify(tenant, { phone: '13900000501' }, { name: '张三丰', ownerStaffId: owner.id });
  await s.customers.identify(tenant, { phone: '13900000502' }, { name: '李四', ownerStaffId: owner.id });

  const before = await api(manager.token, 'GET', '/api/v1/journeys');
  expect(before.body.items.find((j: any) => j.name === '新客回访').runCounts).toEqual({ active: 2, done: 0, exited: 0 });
  clock += 61_000; // past the welcome trigger's minute of grace
  await s.journeys.tick();

  const list = await api(manager.token, 'GET', '/api/v1/journeys');
  expect(list.status).toBe(200);
  expect(Object.fromEntries(list.body.items.map((j: any) => [j.name, j.runCounts]))).toEqual({
    新客回访: { active: 0, done: 2, exited: 0 },
    售后评价: { active: 0, done: 0, exited: 0 },
  });

  const asManager = await api(manager.token, 'GET', `/api/v1/journeys/${welcome.body.id}`);
  expect(asManager.body.stats).toMatchObject({ runs: { active: 0, done: 2, exited: 0 }, tasks: 2 });
  expect(asManager.body.runs.map((r: any) => r.customerName).sort()).toEqual(['张*丰', '李*']);
  const asAdmin = await api(admin.token, 'GET', `/api/v1/journeys/${welcome.body.id}`);
  expect(asAdmin.body.runs.map((r: any) => r.customerName).sort()).toEqual(['张三丰', '李四']);

  const mine = await api(owner.token, 'GET', `/api/v1/journeys/customers/${zhang}/runs`);
  expect(mine.status).toBe(200);
  expect(mine.body.items).toEqual([
    expect.objectContaining({
      journeyName: '新客回访',
      state: 'done',
      log: [expect.objectContaining({ type: 'task', outcome: expect.stringMatching(/^task /) })],
    }),
  ]);
});
