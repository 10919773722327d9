import { signToken } from '../../server/src/shared/tokens.js';
import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * Staff merge two profiles of one person by hand (a chat contact and the member behind it): the
 * same rules as automatic merges, audited, and only for roles that work with identities — a sales
 * rep only within their own book. Pinned clock.
 */
const NOW = Date.parse('2026-12-07T02:00:00Z');
let clock = NOW;
let app: TestApp;
const tenant = () => app.config.DEFAULT_TENANT;
const s = () => app.rt.services;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(clock) });
});
afterAll(() => app?.stop());

const shopperToken = (customerId: string) =>
  signToken(app.config.APP_SECRET, { k: 'shopper', sub: customerId, t: tenant(), exp: Math.floor(clock / 1000) + 3600 });
const merge = (token: string, id: string, otherId: string, note?: string) =>
  app.request('POST', `/api/v1/customers/${id}/merge`, { token, body: { otherId, ...(note ? { note } : {}) } });

test('an agent merges a chat contact into the member behind it: identities, orders, points, tags and notes move to the older profile, and the merge is audited', async () => {
  const rep = await app.staff('sales', '周销售');
  const agent = await app.staff('agent', '客服小林');
  const [vip, chatTag] = [await s().tags.ensure(tenant(), '会员', 'VIP'), await s().tags.ensure(tenant(), '聊天', '问过尺码')];
  // The member: phone, an order (points), a tag and a note, owned by the rep.
  const member = await s().customers.identify(tenant(), { phone: '13788880001' }, { name: '郑琳', ownerStaffId: rep.id });
  await s().events.ingest(
    tenant(),
    [
      {
        eventId: 'mm-1',
        type: 'order.paid',
        occurredAt: new Date(clock - 86_400_000).toISOString(),
        customer: { phone: '13788880001' },
        data: { orderId: 'mm-o-1', amount: 20_000 },
      },
    ],
    'shop',
  );
  await s().events.settle();
  await s().customers.tag(tenant(), member, [vip.id], []);
  await s().customers.addNote(tenant(), member, { staffId: rep.id, staffName: '周销售', text: '喜欢浅色' });
  // A minute later the same person chats with the bot: a second profile, with its own points, tag, note and event.
  clock += 60_000;
  const chat = await s().desk.conversations.identifyContact(tenant(), { id: 'wxid_mm_0001', name: '琳琳' });
  await s().loyalty.adjust(tenant(), chat, { points: 40, reason: '聊天送积分', idempotencyKey: 'mm-chat-points', operator: 'test' });
  await s().customers.tag(tenant(), chat, [chatTag.id], []);
  await s().customers.addNote(tenant(), chat, { staffId: agent.id, staffName: '客服小林', text: '问过 M 码' });
  await s().events.ingest(
    tenant(),
    [
      {
        eventId: 'mm-2',
        type: 'product.viewed',
        occurredAt: new Date(clock).toISOString(),
        customer: { wechatyContactId: 'wxid_mm_0001' },
        data: { productId: 'sku-9' },
      },
    ],
    'shop',
  );
  await s().events.settle();
  const before = await s().loyalty.summary(tenant(), member);

  // A shopper cannot merge, not even their own profile; a sales rep cannot reach a profile off their book.
  expect((await merge(await shopperToken(member), member, chat)).status).toBe(403);
  expect((await merge(rep.token, member, chat)).status).toBe(404);
  const other = await app.staff('sales', '吴销售');
  expect((await merge(other.token, member, chat)).status).toBe(404);
  expect((await merge(agent.token, member, member)).body.error.code).toBe('CUSTOMER_ALREADY_ONE');

  const res = await merge(agent.token, chat, member, '同一人：聊天里报了手机号');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ id: member, mergedId: chat });
  // Identities: the chat contact now names the member.
  expect(await s().customers.findByIdentity(tenant(), { wechatyContactId: 'wxid_mm_0001' })).toBe(member);
  const p = (await s().customers.get(tenant(), chat)) as any;
  expect(String(p._id)).toBe(member);
  expect(p.identities.map((i: any) => i.type).sort()).toEqual(['phone', 'wechatyContactId']);
  expect(p.tags.sort()).toEqual([vip.id, chatTag.id].sort());
  expect(p.notes.map((n: any) => n.text).sort()).toEqual(['喜欢浅色', '问过 M 码']);
  expect(p.ownerStaffId).toBe(rep.id);
  // Events and points.
  const events = await s().events.listForCustomer(tenant(), member, {}, 10);
  expect(events.map((e: any) => e.type).sort()).toEqual(['order.paid', 'product.viewed']);
  expect((await s().loyalty.summary(tenant(), member)).balance).toBe(before.balance + 40);
  // The profile's timeline says so, and the audit log names who did it.
  const profile = await app.request('GET', `/api/v1/customers/${member}`, { token: agent.token });
  expect(profile.body.timeline.find((t: any) => t.kind === 'merge').data).toMatchObject({ fromId: chat, reason: expect.stringContaining('客服小林') });
  const audit = await s().audit.list(tenant(), { targetType: 'customer', targetId: member });
  expect(audit.find((a: any) => a.action === 'customers.merge')).toMatchObject({
    actorId: agent.id,
    actorRole: 'agent',
    details: { mergedId: chat, note: '同一人：聊天里报了手机号' },
  });
  // Merging again: the two ids are one profile now.
  expect((await merge(agent.token, member, chat)).status).toBe(409);
});

test('a sales rep merges two profiles on their own book', async () => {
  const rep = await app.staff('sales', '钱销售');
  const a = await s().customers.identify(tenant(), { phone: '13788880002' }, { name: '孙悦', ownerStaffId: rep.id });
  clock += 60_000;
  const b = await s().customers.identify(tenant(), { shopMemberId: 'shop-mm-2' }, { name: '孙悦（网店）', ownerStaffId: rep.id });
  const res = await merge(rep.token, b, a);
  expect(res.status).toBe(200);
  expect(res.body.id).toBe(a);
  expect(await s().customers.findByIdentity(tenant(), { shopMemberId: 'shop-mm-2' })).toBe(a);
});
