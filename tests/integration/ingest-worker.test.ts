import { EventModel } from '../../server/src/modules/events/event.model.js';
import { until, type TestApp } from '../support/harness.js';
import { paid, shopper, startLoyaltyTestApp } from '../../server/src/modules/loyalty/__tests__/loyalty-test-kit.js';

/**
 * With the worker role running (as `npm start` and production's workers do), accepted events are
 * applied on their own: the accept path wakes the applier; nobody calls settle().
 */
let app: TestApp;
let apiKey: string;
let tenantId: string;
beforeAll(async () => {
  app = await startLoyaltyTestApp({ env: { ROLES: 'server,worker' } });
  tenantId = app.config.DEFAULT_TENANT;
  apiKey = (await app.rt.services.staff.createApiKey(tenantId, 'shop')).key;
});
afterAll(() => app.stop());

test('an order posted to a running system earns its points within moments, without anyone asking', async () => {
  const buyer = await shopper(app, '13630000001');
  const at = app.rt.services.deps.now().toISOString();
  const res = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': apiKey },
    body: { events: [paid('w-1', buyer.phone, 'w-order-1', 25_000, at)] },
  });
  expect(res.body.accepted).toBe(1);
  const applied = async () => (await EventModel.countDocuments({ tenantId, applied: false })) === 0;
  expect(await until(applied, 10_000, 25)).toBe(true);
  expect((await app.rt.services.loyalty.members.find(tenantId, buyer.id))?.balance).toBe(250);
  expect((await app.rt.services.customers.get(tenantId, buyer.id)).aggregates).toMatchObject({ orderCount: 1, totalPaid: 25_000 });
});
