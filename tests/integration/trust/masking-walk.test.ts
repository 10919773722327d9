import { startTestApp, type TestApp } from '../../support/harness.js';
import { routeTable } from '../../../server/src/shared/http/route.js';
import { CustomerGroupModel } from '../../../server/src/modules/customer-groups/customer-group.model.js';
import { maskName, maskPhone } from '../../../server/src/modules/privacy/masking.js';
import { concretePath, trustEnv } from './trust-support.js';

/**
 * One masking policy (privacy/masking.ts) for every route that returns a person: admins see name and
 * phone; the owning sales member too; other sales and agents see the name, not the phone; community
 * managers see neither. This walks every staff GET route (and the audience preview) as each role,
 * with a customer who is everywhere a person can show up — profile, notes, task, chat, WeCom
 * customer group, journey run — and checks that no answer carries what the role may not see.
 */
let app: TestApp;
const T = () => app.config.DEFAULT_TENANT;
const NAME = '欧阳明月';
const PHONE = '13912345678';
let ids: { customer: string; conversation: string; journey: string; segment: string };
type Role = 'admin' | 'owner' | 'otherSales' | 'agent' | 'manager';
let tokens: Record<Role, string>;
const SEES: Record<Role, { name: boolean; phone: boolean }> = {
  admin: { name: true, phone: true },
  owner: { name: true, phone: true },
  otherSales: { name: true, phone: false },
  agent: { name: true, phone: false },
  manager: { name: false, phone: false },
};

beforeAll(async () => {
  app = await startTestApp({ env: trustEnv() });
  const s = app.rt.services;
  const admin = await app.staff('admin');
  const owner = await app.staff('sales');
  const otherSales = await app.staff('sales');
  const agent = await app.staff('agent');
  const manager = await app.staff('community_manager');
  tokens = { admin: admin.token, owner: owner.token, otherSales: otherSales.token, agent: agent.token, manager: manager.token };

  await s.desk.handleInbound(T(), {
    botAccountId: 'bot-1',
    peer: { kind: 'private', contact: { id: 'wxid_ouyang', name: NAME } },
    talker: { id: 'wxid_ouyang', name: NAME },
    externalId: 'mask-msg-1',
    type: 'text',
    text: '你好，我想问问订单',
    at: new Date(),
  });
  const customer = await s.customers.identify(
    T(),
    { wechatyContactId: 'wxid_ouyang', phone: PHONE, externalUserId: 'wmOuyang' },
    { name: NAME, city: '杭州' },
    'test',
  );
  await s.customers.update(T(), customer, { ownerStaffId: owner.id, remark: `${NAME} 老客 ${PHONE}` });
  // otherSales follows the customer too, so they are let in where a follower may look.
  await s.customers.update(T(), customer, { followerStaffIds: [otherSales.id] } as never).catch(() => undefined);
  expect(
    (await app.request('POST', `/api/v1/customers/${customer}/notes`, { token: owner.token, body: { text: `回电 ${PHONE}，${NAME}喜欢晚上联系` } })).status,
  ).toBe(201);
  expect(
    (await app.request('POST', `/api/v1/customers/${customer}/follow-ups`, { token: owner.token, body: { title: `回访 ${NAME}`, assigneeId: owner.id } }))
      .status,
  ).toBe(201);
  // A WeCom customer group (客户群) the person is in, as the WeCom sync mirrors it.
  await CustomerGroupModel.create({
    tenantId: T(),
    chatId: 'wrMaskGroup',
    name: '会员福利群',
    ownerUserid: 'owner-wecom',
    ownerStaffId: owner.id,
    status: 'active',
    members: [{ userid: 'wmOuyang', type: 2, name: NAME, customerId: customer, joinedAt: new Date() }],
    memberCount: 1,
  });
  const journey = await app.request('POST', '/api/v1/journeys', {
    token: manager.token,
    body: { name: '回访', trigger: { type: 'order.paid' }, steps: [{ type: 'wait', hours: 1 }] },
  });
  expect(journey.status).toBe(201);
  await s.events.ingest(T(), [
    {
      eventId: 'mask-order-1',
      type: 'order.paid',
      occurredAt: new Date().toISOString(),
      customer: { phone: PHONE },
      data: { orderId: 'mask-order-1', amount: 9_900 },
    },
  ]);
  await s.events.settle();
  const segment = await app.request('POST', '/api/v1/segments', {
    token: manager.token,
    body: { name: '杭州', audience: { type: 'group', op: 'and', rules: [{ type: 'city', in: ['杭州'] }] } },
  });
  const conversation = (await s.desk.conversations.list(T(), { customerIds: [customer], limit: 1 }))[0];
  ids = { customer, conversation: String(conversation._id), journey: journey.body.id, segment: segment.body.id };
}, 60_000);
afterAll(async () => {
  await app.stop();
  app.rt.services.desk.live.close();
});

/** The id a route's `:param` means, by where the route lives. */
function pathFor(pattern: string): string {
  const id = pattern.startsWith('/api/v1/conversations/:id')
    ? ids.conversation
    : pattern.startsWith('/api/v1/journeys/:id')
      ? ids.journey
      : pattern.startsWith('/api/v1/segments/:id')
        ? ids.segment
        : ids.customer;
  return concretePath(pattern, { id, customerId: ids.customer, chatId: 'wrMaskGroup', externalUserId: 'wmOuyang' }) + (QUERIES[pattern] ?? '');
}
/** Lists whose default view would leave the person out. */
const QUERIES: Record<string, string> = { '/api/v1/conversations/': '?view=all' };

test('every staff route that returns a person masks name and phone by the one policy, for every role', async () => {
  const routes = routeTable.filter(
    (r) => r.method === 'get' && r.allow !== 'public' && !r.allow.includes('shopper') && !/\/stream$|export\.csv$|\/export$/.test(r.path),
  );
  const leaks: string[] = [];
  const seenFull = new Set<string>();
  let answered = 0;
  for (const r of routes) {
    for (const role of Object.keys(SEES) as Role[]) {
      const res = await app.request('GET', pathFor(r.path), { token: tokens[role] });
      if (res.status !== 200) continue;
      answered++;
      const text = JSON.stringify(res.body);
      if (text.includes(NAME)) seenFull.add(r.path);
      if (!SEES[role].name && text.includes(NAME)) leaks.push(`${role} ${r.path}: full name`);
      if (!SEES[role].phone && text.includes(PHONE)) leaks.push(`${role} ${r.path}: full phone`);
    }
  }
  const preview = { audience: { type: 'group', op: 'and', rules: [{ type: 'city', in: ['杭州'] }] } };
  for (const role of ['admin', 'manager'] as const) {
    const res = await app.request('POST', '/api/v1/segments/preview', { token: tokens[role], body: preview });
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    if (!SEES[role].name && text.includes(NAME)) leaks.push(`${role} /segments/preview: full name`);
    if (!SEES[role].phone && text.includes(PHONE)) leaks.push(`${role} /segments/preview: full phone`);
  }
  expect(leaks).toEqual([]);
  // The walk did reach the person: the routes that show the name to an admin include the group list.
  expect(answered).toBeGreaterThan(60);
  expect([...seenFull]).toEqual(
    expect.arrayContaining([
      '/api/v1/customers/:id',
      '/api/v1/wecom/groups',
      '/api/v1/conversations/',
      '/api/v1/conversations/:id',
      '/api/v1/conversations/:id/messages',
    ]),
  );
}, 120_000);

test('the WeCom customer-group list shows a community manager the masked name, the owner the full one', async () => {
  const member = async (role: Role) =>
    (await app.request('GET', '/api/v1/wecom/groups', { token: tokens[role] })).body.items.find((g: any) => g.chatId === 'wrMaskGroup')?.members[0];
  expect((await member('manager')).name).toBe(maskName(NAME));
  expect((await member('owner')).name).toBe(NAME);
  expect((await member('admin')).name).toBe(NAME);
  expect(maskPhone(PHONE)).toBe('139****5678');
});
