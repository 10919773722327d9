import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';

/** Campaigns through the local WeCom, driven tick by tick on a controlled clock. */
let clock = Date.now();
let tb: BroadcastTestbed;
let owner: { staffId: string; wecomUserId: string };
beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  owner = { staffId: await tb.staff('zhangsan'), wecomUserId: 'zhangsan' };
});
afterAll(() => tb?.stop());

const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
const s = () => tb.app.rt.services;
const tag = async (name: string) => (await s().tags.ensure(tb.tenantId, '活动', name)).id;
const segmentFor = async (tagId: string) =>
  (
    await api('POST', '/api/v1/segments', {
      name: `seg-${tagId}`,
      audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tagId] }] },
    })
  ).body.id as string;
const campaign = async (body: Record<string, unknown>) => {
  const res = await api('POST', '/api/v1/broadcasts', { channel: 'wecom_group_msg', ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const progress = async (id: string) => (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
const runUntilSettled = async (id: string, max = 50) => {
  for (let i = 0; i < max; i++) {
    await s().broadcasts.dispatcher.tick(10_000);
    const p = await progress(id);
    if (['completed', 'cancelled', 'paused'].includes(p.status) || p.deferredReason === 'quiet_hours') return p;
  }
  throw new Error('campaign did not settle');
};

test('a campaign reaches each eligible WeCom contact exactly once, skipping opted-out customers and those already messaged today', async () => {
  const all = await tag('all');
  const early = await tag('early');
  const ids = await tb.contacts(30, owner, all, 'a');
  for (const id of ids.slice(0, 4)) await s().customers.tag(tb.tenantId, id, [early], []);
  for (const id of ids.slice(27)) expect((await api('POST', '/api/v1/broadcasts/opt-outs', { customerId: id })).status).toBe(201);

  const first = await campaign({ name: '早鸟预告', segmentId: await segmentFor(early), content: { text: '早鸟预告：明早十点开抢' } });
  expect(await runUntilSettled(first)).toMatchObject({ status: 'completed', counts: { sent: 4 } });

  const second = await campaign({
    name: '双十二',
    segmentId: await segmentFor(all),
    content: { text: '双十二全场八折', link: { title: '活动页', url: 'https://shop.example.com/1212' } },
  });
  const p = await runUntilSettled(second);
  expect(p).toMatchObject({
    status: 'completed',
    counts: { total: 30, sent: 23, skipped: 7, failed: 0, queued: 0 },
    skipped: { opted_out: 3, frequency_cap: 4 },
  });
  const got = sentTo(tb.fake, '双十二全场八折');
  expect(got.size).toBe(23);
  expect([...got.values()].every((n) => n === 1)).toBe(true);
  expect(got.has('wma000029')).toBe(false); // opted out
  expect(got.has('wma000000')).toBe(false); // already had one message today

  // Ticking again sends nothing more.
  await s().broadcasts.dispatcher.tick(5_000);
  expect([...sentTo(tb.fake, '双十二全场八折').values()].reduce((a, b) => a + b, 0)).toBe(23);
});

test('outside the send window a campaign waits for 09:00 Asia/Shanghai, then sends', async () => {
  const t = await tag('night');
  await tb.contacts(5, owner, t, 'n');
  // 22:30 in Shanghai (14:30 UTC) tomorrow.
  const d = new Date(clock + 86_400_000);
  clock = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 14, 30);
  const id = await campaign({ name: '夜间', segmentId: await segmentFor(t), content: { text: '晚安特惠' }, window: { start: '09:00', end: '21:00' } });
  const p = await runUntilSettled(id);
  expect(p).toMatchObject({ status: 'sending', deferredReason: 'quiet_hours', counts: { queued: 5, sent: 0 } });
  expect(new Date(p.nextDispatchAt).toISOString()).toBe(new Date(clock + (24 - 14.5 + 1) * 3_600_000).toISOString()); // 01:00 UTC
  expect(sentTo(tb.fake, '晚安特惠').size).toBe(0);
  clock += 10.5 * 3_600_000 + 30_000;
  expect(await runUntilSettled(id)).toMatchObject({ status: 'completed', counts: { sent: 5 } });
});

test('a paused campaign sends nothing until resumed; finished or cancelled campaigns refuse further control with 409', async () => {
  const t = await tag('pause');
  await tb.contacts(6, owner, t, 'p');
  clock += 86_400_000;
  const segmentId = await segmentFor(t);
  const id = await campaign({ name: '暂停测试', segmentId, content: { text: '暂停测试消息' } });
  await s().broadcasts.dispatcher.snapshot(id);
  expect((await api('POST', `/api/v1/broadcasts/${id}/pause`)).body.status).toBe('paused');
  await s().broadcasts.dispatcher.tick(5_000);
  expect(sentTo(tb.fake, '暂停测试消息').size).toBe(0);
  expect((await api('POST', `/api/v1/broadcasts/${id}/resume`)).body.status).toBe('sending');
  expect(await runUntilSettled(id)).toMatchObject({ status: 'completed', counts: { sent: 6 } });
  const again = await api('POST', `/api/v1/broadcasts/${id}/cancel`);
  expect(again.status).toBe(409);
  expect(again.body.error.message).toMatch(/completed campaign cannot be cancelled/);

  const later = await campaign({
    name: '取消',
    segmentId,
    content: { text: '不会发出' },
    schedule: { kind: 'at', at: new Date(clock + 3_600_000).toISOString() },
  });
  expect((await api('POST', `/api/v1/broadcasts/${later}/cancel`)).body.status).toBe('cancelled');
  clock += 2 * 3_600_000;
  await s().broadcasts.dispatcher.tick(5_000);
  expect(sentTo(tb.fake, '不会发出').size).toBe(0);
});

test('an A/B campaign with a holdout sends each arm its own text and reports conversions against the holdout', async () => {
  clock += 86_400_000;
  const t = await tag('ab');
  const ids = await tb.contacts(60, owner, t, 'b');
  const id = await campaign({
    name: 'AB',
    segmentId: await segmentFor(t),
    variants: [
      { key: 'A', weight: 50, content: { text: 'A 文案：满200减30' } },
      { key: 'B', weight: 50, content: { text: 'B 文案：第二件半价' } },
    ],
    holdoutPercent: 20,
    attributionDays: 7,
  });
  const p = await runUntilSettled(id);
  const a = sentTo(tb.fake, 'A 文案：满200减30').size;
  const b = sentTo(tb.fake, 'B 文案：第二件半价').size;
  expect(a).toBeGreaterThan(0);
  expect(b).toBeGreaterThan(0);
  expect(p.counts.holdout).toBeGreaterThan(0);
  expect(a + b + p.counts.holdout).toBe(60);

  // Everyone orders within the window; the results split them by arm.
  const { EventModel } = await import('../../../server/src/modules/events/event.model.js');
  const { Types } = await import('mongoose');
  await EventModel.collection.insertMany(
    ids.map((cid, i) => ({
      tenantId: tb.tenantId,
      eventId: `ab-${i}`,
      type: 'order.paid',
      customerId: new Types.ObjectId(cid),
      occurredAt: new Date(clock + 3_600_000),
      receivedAt: new Date(clock),
      data: { orderId: `ab-${i}`, amount: 100 },
      applied: true,
    })),
  );
  const r = (await api('GET', `/api/v1/broadcasts/${id}/results`)).body;
  expect(r.arms.A).toMatchObject({ recipients: a, converted: a, rate: 1 });
  expect(r.arms.B).toMatchObject({ recipients: b, converted: b });
  expect(r.arms.holdout).toMatchObject({ recipients: p.counts.holdout, converted: p.counts.holdout });
});

test('a campaign with a bad window, both content and variants, or from a sales account is refused', async () => {
  const t = await tag('bad');
  const segmentId = await segmentFor(t);
  const bad = await api('POST', '/api/v1/broadcasts', {
    name: 'x',
    segmentId,
    channel: 'wecom_group_msg',
    content: { text: 'x' },
    window: { start: '9:00', end: '21:00' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/use HH:MM/);
  const both = await api('POST', '/api/v1/broadcasts', {
    name: 'x',
    segmentId,
    channel: 'wecom_group_msg',
    content: { text: 'x' },
    variants: [{ key: 'A', weight: 1, content: { text: 'y' } }],
  });
  expect(both.status).toBe(400);
  expect(both.body.error.message).toMatch(/either content or variants/);
  const sales = (await tb.app.staff('sales')).token;
  expect(
    (await tb.app.request('POST', '/api/v1/broadcasts', { token: sales, body: { name: 'x', segmentId, channel: 'wecom_group_msg', content: { text: 'x' } } }))
      .status,
  ).toBe(403);
});
