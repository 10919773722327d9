import { startBroadcastTestbed, type BroadcastTestbed } from './broadcast-testbed.js';

/** A campaign's results: who ordered within the attribution window, and what they paid, per arm. */
const clock = Date.UTC(2026, 2, 14, 2, 0);
let tb: BroadcastTestbed;
beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
}, 60_000);
afterAll(() => tb?.stop());

const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
const s = () => tb.app.rt.services;
const order = (ext: string, eventId: string, orderId: string, amount: number, at: number) => ({
  eventId,
  type: 'order.paid',
  occurredAt: new Date(at).toISOString(),
  customer: { externalUserId: ext },
  data: { orderId, amount },
});

test('the results show each arm’s revenue in the window, an order the shop sent twice counted once', async () => {
  const owner = { staffId: await tb.staff('qianqi'), wecomUserId: 'qianqi' };
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '收入')).id;
  await tb.contacts(3, owner, tag, 'rv');
  const segmentId = (
    await api('POST', '/api/v1/segments', { name: '收入人群', audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tag] }] } })
  ).body.id;
  const id = (await api('POST', '/api/v1/broadcasts', { name: '收入', channel: 'wecom_group_msg', segmentId, content: { text: '会员日' }, attributionDays: 7 }))
    .body.id;
  for (let i = 0; i < 5; i++) await s().broadcasts.dispatcher.tick(5_000);
  expect((await api('GET', `/api/v1/broadcasts/${id}`)).body.progress.counts.sent).toBe(3);

  const day = 86_400_000;
  await s().events.ingest(tb.tenantId, [
    order('wmrv000000', 'rv-1', 'o-1', 12_900, clock + day),
    // The shop sent the same order again under a new event id.
    order('wmrv000000', 'rv-1b', 'o-1', 12_900, clock + day),
    order('wmrv000001', 'rv-2', 'o-2', 5_000, clock + 2 * day),
    // After the 7-day window: not the campaign's.
    order('wmrv000002', 'rv-3', 'o-3', 8_000, clock + 8 * day),
  ]);
  await s().events.settle();
  const r = (await api('GET', `/api/v1/broadcasts/${id}/results`)).body;
  expect(r.arms.A).toMatchObject({ recipients: 3, converted: 2, revenue: 17_900 });
});
