import { startTestApp, type TestApp } from '../support/harness.js';
import { DEMO_LOGINS, seedDemo } from '../../scripts/seed/seed-demo.js';

/**
 * What `npm start` puts in front of a brand on first start, on a small scale: the sign-ins the README
 * prints work, orders went through ingest, loyalty, journeys and the nightly RFM run have data, and a
 * second start keeps what is there.
 */
let app: TestApp;
beforeAll(async () => {
  // As `npm start` runs it: demo sign-in on, the server on loopback (the seeded logins need both).
  app = await startTestApp({ env: { DEMO_MODE: 'true' } });
}, 60_000);
afterAll(() => app?.stop());

test('the demo seed gives every console section something to show, and a second start changes nothing', async () => {
  expect(await seedDemo(app.rt.services, app.config, { log: app.rt.log, customers: 80 })).toBe(true);
  const login = await app.request('POST', '/api/v1/auth/login', { body: { username: 'manager', password: DEMO_LOGINS.password } });
  expect(login.status).toBe(200);
  const token = login.body.token;

  const customers = await app.request('GET', '/api/v1/customers?pageSize=1', { token });
  expect(customers.body.total).toBe(80);
  const journeys = (await app.request('GET', '/api/v1/journeys', { token })).body.items;
  expect(journeys.map((j: any) => [j.name, j.enabled])).toEqual(
    expect.arrayContaining([
      ['新客欢迎', true],
      ['沉睡唤醒', false],
    ]),
  );
  const templates = (await app.request('GET', '/api/v1/loyalty/templates', { token })).body.items.map((t: any) => t.name);
  expect(templates).toEqual(expect.arrayContaining(['新客券 满50减10', '满199减20']));
  const { lifecycle } = (await app.request('GET', '/api/v1/dashboard/overview?days=14', { token })).body;
  expect(Object.values(lifecycle).reduce((a: number, b) => a + Number(b), 0)).toBe(80);
  expect(lifecycle.active + lifecycle.at_risk).toBeGreaterThan(0);
  const runs = (await app.request('GET', '/api/v1/rfm/runs', { token })).body.items;
  expect(runs.length).toBeGreaterThan(0);
  // Opt-in consent: a mix agreed, so campaigns reach some people and skip the rest with a reason.
  const ids = (await app.request('GET', '/api/v1/customers?pageSize=80', { token })).body.items.map((c: any) => c.id);
  const granted = await Promise.all(
    ids.map(async (id: string) => (await app.rt.services.privacy.consents.get(app.config.DEFAULT_TENANT, id)).marketing.granted),
  );
  const yes = granted.filter(Boolean).length;
  expect(yes).toBeGreaterThan(30);
  expect(yes).toBeLessThan(80);

  expect(await seedDemo(app.rt.services, app.config, { log: app.rt.log, customers: 80 })).toBe(false);
  expect((await app.request('GET', '/api/v1/journeys', { token })).body.items).toHaveLength(journeys.length);
}, 120_000);
