import { signToken } from '../../server/src/shared/tokens.js';
import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * The shopper's points history carries what the pages need to word each entry in Chinese (source,
 * type, the exchanged coupon's name) while the stored reason stays machine-readable; an exchange
 * answers with the coupon's name. Pinned clock.
 */
const NOW = Date.parse('2026-12-07T02:00:00Z');
let app: TestApp;
const tenant = () => app.config.DEFAULT_TENANT;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(NOW) });
});
afterAll(() => app?.stop());

const tokenOf = (customerId: string) => signToken(app.config.APP_SECRET, { k: 'shopper', sub: customerId, t: tenant(), exp: Math.floor(NOW / 1000) + 3600 });

test('an exchange answers with the coupon name, and the history names the coupon, the check-in and the order by structured fields', async () => {
  const s = app.rt.services;
  const admin = await app.staff('admin');
  const [paid] = (
    await s.events.ingest(
      tenant(),
      [
        {
          eventId: 'words-1',
          type: 'order.paid',
          occurredAt: new Date(NOW - 3_600_000).toISOString(),
          customer: { phone: '13790000001' },
          data: { orderId: 'demo-order-1999-1', amount: 19_900 },
        },
      ],
      'shop',
    )
  ).results as Array<{ customerId: string }>;
  await s.events.settle();
  const token = await tokenOf(paid.customerId);
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: {
      name: '满100减10',
      kind: 'amount',
      amountOff: 1_000,
      threshold: 10_000,
      validity: { kind: 'relative', days: 30 },
      stock: 10,
      channels: ['exchange'],
      pointsCost: 50,
    },
  });
  expect(tpl.status).toBe(201);
  expect((await app.request('POST', '/api/v1/me/check-in', { token })).status).toBe(200);

  const exchanged = await app.request('POST', '/api/v1/me/exchange', { token, body: { templateId: tpl.body.id, idempotencyKey: 'words-exchange-1' } });
  expect(exchanged.status).toBe(201);
  expect(exchanged.body).toMatchObject({ name: '满100减10', kind: 'amount', amountOff: 1_000, pointsCost: 50, state: 'available' });
  // The same request again answers the same coupon, named too.
  const again = await app.request('POST', '/api/v1/me/exchange', { token, body: { templateId: tpl.body.id, idempotencyKey: 'words-exchange-1' } });
  expect(again.body).toMatchObject({ code: exchanged.body.code, name: '满100减10' });

  const ledger = await app.request('GET', '/api/v1/me/points/ledger', { token });
  expect(ledger.status).toBe(200);
  const bySource = Object.fromEntries(ledger.body.items.map((e: any) => [e.source, e]));
  expect(Object.keys(bySource).sort()).toEqual(['check-in', 'exchange', 'order']);
  expect(bySource.exchange).toMatchObject({ type: 'spend', points: -50, couponName: '满100减10', reason: 'exchanged for a coupon' });
  expect(bySource['check-in']).toMatchObject({ type: 'earn' });
  expect(bySource.order).toMatchObject({ type: 'earn', orderId: 'demo-order-1999-1' });
});
