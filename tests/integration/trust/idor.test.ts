import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { newShopper, shopperToken, staffOf, trustEnv } from './trust-support.js';

/**
 * Guessing ids gets nobody into someone else's data. The victim is a customer of the default brand
 * owned by one sales member, with points, a coupon, a chat, notes and a task. The attackers: another
 * shopper of the same brand, a sales member who does not own the victim, the staff of another brand
 * (who know the victim's ids, e.g. from a leaked link), and a shopper of another brand whose token
 * names the victim's id. Every attempt is refused and nothing about the victim changes.
 */
let app: TestApp;
const T = () => app.config.DEFAULT_TENANT;
const OTHER = 'other-brand';
let owner: { id: string; token: string };
let agent: { id: string; token: string };
let victim: { id: string; conversationId: string; followUpId: string; couponCode: string; token: string };
let attackers: Record<string, string>;

beforeAll(async () => {
  app = await startTestApp({ env: trustEnv() });
  const s = app.rt.services;
  const admin = await app.staff('admin');
  owner = await app.staff('sales');
  agent = await app.staff('agent');

  const captured = await s.desk.handleInbound(T(), {
    botAccountId: 'bot-1',
    peer: { kind: 'private', contact: { id: 'wxid_victim', name: '受害人' } },
    talker: { id: 'wxid_victim', name: '受害人' },
    externalId: 'idor-msg-1',
    type: 'text',
    text: '我的订单地址是 秘密路 1 号',
    at: new Date(),
  });
  const id = await s.customers.identify(T(), { wechatyContactId: 'wxid_victim', phone: '13700001111' }, { name: '受害人' }, 'test');
  await s.customers.update(T(), id, { ownerStaffId: owner.id, remark: 'original remark' });
  const note = await app.request('POST', `/api/v1/customers/${id}/notes`, { token: owner.token, body: { text: 'prefers evening calls' } });
  expect(note.status).toBe(201);
  const task = await app.request('POST', `/api/v1/customers/${id}/follow-ups`, { token: owner.token, body: { title: 'call back', assigneeId: owner.id } });
  expect(task.status).toBe(201);
  const pts = await app.request('POST', `/api/v1/loyalty/members/${id}/points`, {
    token: owner.token,
    body: { points: 500, reason: 'welcome gift', idempotencyKey: 'idor-points-1' },
  });
  expect(pts.status).toBe(201);
  const tpl = await app.request('POST', '/api/v1/loyalty/templates', {
    token: admin.token,
    body: { name: '¥20 off', kind: 'amount', amountOff: 2000, threshold: 10000, validity: { kind: 'relative', days: 30 }, stock: 100, channels: ['staff'] },
  });
  expect(tpl.status).toBe(201);
  const coupon = await app.request('POST', `/api/v1/loyalty/members/${id}/coupons`, {
    token: owner.token,
    body: { templateId: tpl.body.id, idempotencyKey: 'idor-coupon-1' },
  });
  expect(coupon.status).toBe(201);
  victim = {
    id,
    conversationId: String(captured.conversation._id),
    followUpId: String(task.body.id ?? task.body._id),
    couponCode: coupon.body.code,
    token: await shopperToken(app, id),
  };

  const otherShopper = await newShopper(app);
  const otherSales = await app.staff('sales');
  const foreign = await Promise.all((['admin', 'community_manager', 'sales', 'agent'] as const).map((r) => staffOf(app, OTHER, r)));
  attackers = {
    'another shopper of the brand': otherShopper.token,
    'a sales member who does not own the customer': otherSales.token,
    'an admin of another brand': foreign[0].token,
    'a community manager of another brand': foreign[1].token,
    'a sales member of another brand': foreign[2].token,
    'an agent of another brand': foreign[3].token,
    'a shopper of another brand whose token names this id': await shopperToken(app, id, OTHER),
  };
}, 40_000);
afterAll(() => app.stop());

/** What the victim would notice if anything changed. */
async function victimState() {
  const db = mongoose.connection.db!;
  const oid = new mongoose.Types.ObjectId(victim.id);
  const c = await db.collection('customers').findOne({ _id: oid });
  const conv = await db.collection('conversations').findOne({ _id: new mongoose.Types.ObjectId(victim.conversationId) });
  return {
    profile: { name: c?.name, remark: c?.remark, tags: c?.tags, notes: c?.notes?.length, status: c?.status, ownerStaffId: c?.ownerStaffId },
    balance: (await db.collection('loyalty_members').findOne({ customerId: oid }))?.balance,
    ledgerRows: await db.collection('loyalty_points_entries').countDocuments({ customerId: oid }),
    coupons: (await db.collection('loyalty_coupons').find({ customerId: oid }).toArray()).map((x) => [x.code, x.state]),
    conversation: { state: conv?.state, assigneeId: conv?.assigneeId ?? null },
    messages: await db.collection('conversation_messages').countDocuments({ conversationId: conv?._id }),
    followUps: (await db.collection('follow_ups').find({ customerId: oid }).toArray()).map((f) => [f.title, f.status]),
    optedOut: await db.collection('broadcast_opt_outs').countDocuments({ customerId: oid }),
    erased: await db.collection('privacy_erasures').countDocuments({}),
  };
}

const attempts = () => {
  const id = victim.id;
  const conv = victim.conversationId;
  const tagId = 'aaaaaaaaaaaaaaaaaaaaaaaa';
  return [
    ['GET', `/api/v1/customers/${id}`],
    ['PATCH', `/api/v1/customers/${id}`, { remark: 'hacked', ownerStaffId: 'bbbbbbbbbbbbbbbbbbbbbbbb' }],
    ['POST', `/api/v1/customers/${id}/notes`, { text: 'hacked' }],
    ['POST', `/api/v1/customers/${id}/tags`, { add: [tagId] }],
    ['POST', `/api/v1/customers/${id}/follow-ups`, { title: 'hacked' }],
    ['GET', `/api/v1/customers/${id}/events`],
    ['PATCH', `/api/v1/follow-ups/${victim.followUpId}`, { status: 'done' }],
    ['GET', `/api/v1/loyalty/members/${id}`],
    ['GET', `/api/v1/loyalty/members/${id}/ledger`],
    ['POST', `/api/v1/loyalty/members/${id}/points`, { points: -500, reason: 'steal points', idempotencyKey: 'idor-attack-1' }],
    ['GET', `/api/v1/loyalty/members/${id}/coupons`],
    ['POST', `/api/v1/loyalty/members/${id}/coupons`, { templateId: tagId, idempotencyKey: 'idor-attack-2' }],
    ['GET', `/api/v1/loyalty/coupons/${victim.couponCode}`],
    ['POST', '/api/v1/loyalty/coupons/redeem', { code: victim.couponCode, orderId: 'attacker-order' }],
    ['POST', `/api/v1/loyalty/coupons/${victim.couponCode}/revoke`],
    ['GET', `/api/v1/rfm/customers/${id}/history`],
    ['GET', `/api/v1/journeys/customers/${id}/runs`],
    ['GET', `/api/v1/conversations/${conv}`],
    ['GET', `/api/v1/conversations/by-customer/${id}`],
    ['GET', `/api/v1/conversations/${conv}/messages`],
    ['POST', `/api/v1/conversations/${conv}/messages`, { text: 'phishing link', key: 'idor-attack-3' }],
    ['POST', `/api/v1/conversations/${conv}/notes`, { text: 'hacked' }],
    ['POST', `/api/v1/conversations/${conv}/take`],
    ['POST', `/api/v1/conversations/${conv}/resolve`],
    ['POST', `/api/v1/conversations/${conv}/reopen`],
    ['POST', `/api/v1/conversations/${conv}/labels`, { add: ['hacked'] }],
    ['POST', `/api/v1/conversations/${conv}/snooze`, { until: '2100-01-01T00:00:00Z' }],
    ['POST', '/api/v1/broadcasts/opt-outs', { customerId: id, source: 'told_staff' }],
    ['GET', `/api/v1/privacy/customers/${id}/consents`],
    ['GET', `/api/v1/privacy/customers/${id}/export`],
    ['POST', `/api/v1/privacy/customers/${id}/erasure`, { reason: 'attack' }],
  ] as Array<[string, string, unknown?]>;
};

test('nobody but the owner and managers of the brand reads or changes the customer by guessing ids', async () => {
  const before = await victimState();
  const leaks: string[] = [];
  for (const [who, token] of Object.entries(attackers)) {
    for (const [method, path, body] of attempts()) {
      const res = await app.request(method, path, { token, body });
      if (![401, 403, 404].includes(res.status)) leaks.push(`${who}: ${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      else if (JSON.stringify(res.body ?? '').includes('受害人') || JSON.stringify(res.body ?? '').includes('13700001111'))
        leaks.push(`${who}: ${method} ${path} refusal names the customer`);
    }
  }
  expect(leaks).toEqual([]);
  expect(await victimState()).toEqual(before);
});

test('the same calls work for the owning sales member and the agent, so the refusals above are about who asks', async () => {
  expect((await app.request('GET', `/api/v1/customers/${victim.id}`, { token: owner.token })).body.name).toBe('受害人');
  expect((await app.request('GET', `/api/v1/loyalty/members/${victim.id}`, { token: owner.token })).body.balance).toBe(500);
  expect((await app.request('GET', `/api/v1/loyalty/coupons/${victim.couponCode}`, { token: owner.token })).status).toBe(200);
  expect((await app.request('GET', `/api/v1/conversations/${victim.conversationId}/messages`, { token: agent.token })).status).toBe(200);
});

test('a shopper sees only their own points, coupons and profile, whatever ids they add to the request', async () => {
  const other = await newShopper(app);
  const card = await app.request('GET', `/api/v1/me/card?customerId=${victim.id}`, { token: other.token });
  expect(card.status).toBe(200);
  expect(card.body.balance).not.toBe(500);
  const mine = await app.request('GET', `/api/v1/me/points?customerId=${victim.id}`, { token: other.token });
  expect(mine.status).toBe(200);
  expect(mine.body.balance).toBe(card.body.balance);
  const coupons = await app.request('GET', `/api/v1/me/coupons?customerId=${victim.id}`, { token: other.token });
  expect(coupons.body.items).toEqual([]);
  const me = await app.request('GET', '/api/v1/me', { token: other.token, headers: { 'x-customer-id': victim.id } });
  expect(me.body.customerId).toBe(other.customerId);
  const exported = await app.request('GET', `/api/v1/me/export?id=${victim.id}`, { token: other.token });
  expect(exported.body.profile.id).toBe(other.customerId);
  expect(JSON.stringify(exported.body)).not.toContain('13700001111');
  const extra = await app.request('POST', '/api/v1/me/erasure', { token: other.token, body: { confirm: true, customerId: victim.id } });
  expect(extra.status).toBe(400);
  // The victim's own token still sees their own data.
  expect((await app.request('GET', '/api/v1/me/points', { token: victim.token })).body.balance).toBe(500);
});

test('lists never include another brand’s customers or another sales member’s book', async () => {
  const foreignAdmin = attackers['an admin of another brand'];
  const list = await app.request('GET', '/api/v1/customers/?q=%E5%8F%97%E5%AE%B3', { token: foreignAdmin });
  expect(list.status).toBe(200);
  expect(list.body.items).toEqual([]);
  const sales = attackers['a sales member who does not own the customer'];
  const book = await app.request('GET', '/api/v1/customers/', { token: sales });
  expect(book.body.items.map((c: any) => c.id)).not.toContain(victim.id);
  const convs = await app.request('GET', '/api/v1/conversations/', { token: foreignAdmin });
  expect(JSON.stringify(convs.body)).not.toContain(victim.conversationId);
});
