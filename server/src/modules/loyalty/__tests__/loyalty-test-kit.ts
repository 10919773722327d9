import { randomBytes } from 'node:crypto';
import { signToken } from '../../../shared/tokens.js';
import { startTestApp, type TestApp } from '../../../../../tests/support/harness.js';

/** Helpers shared by the loyalty tests: a settable clock, shoppers with tokens, orders through ingest. */
export function settableClock(start: string) {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), set: (iso: string) => void (t = new Date(iso).getTime()), advanceDays: (d: number) => void (t += d * 86_400_000) };
}

export const key = () => randomBytes(8).toString('hex');

export async function shopper(app: TestApp, phone: string, name = '会员') {
  const tenantId = app.config.DEFAULT_TENANT;
  const id = await app.rt.services.customers.identify(tenantId, { phone }, { name }, 'test');
  const token = await signToken(app.config.APP_SECRET, {
    k: 'shopper',
    sub: id,
    t: tenantId,
    exp: Math.floor(app.rt.services.deps.now().getTime() / 1000) + 3600 * 24 * 3650,
  });
  return { id, token, phone };
}

export async function postEvents(app: TestApp, apiKey: string, events: unknown[]) {
  const res = await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': apiKey }, body: { events } });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body)}`);
  // The points, aggregates and RFM are applied off the request path: wait for them, as a shop's later read would.
  await app.settle();
  return res.body;
}

export const paid = (eventId: string, phone: string, orderId: string, amount: number, at: string, couponCode?: string) => ({
  eventId,
  type: 'order.paid',
  occurredAt: at,
  customer: { phone },
  data: { orderId, amount, ...(couponCode ? { couponCode } : {}) },
});

export const refunded = (eventId: string, phone: string, orderId: string, amount: number, at: string) => ({
  eventId,
  type: 'order.refunded',
  occurredAt: at,
  customer: { phone },
  data: { orderId, amount },
});

/**
 * Starts the test app with the driver polling the server instead of streaming `hello`: the embedded
 * CongoDB does not stream, and under a burst of 100+ concurrent operations the streaming monitor
 * declares it down and clears the pool ("Server ended moreToCome unexpectedly"). Real MongoDB is
 * unaffected. The URI is restored at once so other test files see the original.
 */
export async function startLoyaltyTestApp(options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const original = process.env.MONGODB_URI!;
  if (process.env.SCRM_EMBEDDED_MONGO === '1') process.env.MONGODB_URI = original + (original.includes('?') ? '&' : '?') + 'serverMonitoringMode=poll';
  try {
    return await startTestApp(options);
  } finally {
    process.env.MONGODB_URI = original;
  }
}
