import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { newShopper, shopperToken, trustEnv } from './trust-support.js';
import { MiniappSubscriptionModel } from '../../../server/src/wechat/miniapp.model.js';
import { TransferModel } from '../../../server/src/modules/wecom-transfers/transfer.model.js';

/**
 * PIPL: consent per purpose, "export my data", erasure that leaves nothing findable, retention.
 * The erasure test reads EVERY collection of the database, so personal data left anywhere fails it.
 */
let app: TestApp;
let admin: { id: string; token: string };
let apiKey: string;
const T = () => app.config.DEFAULT_TENANT;
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  app = await startTestApp({ env: trustEnv() });
  admin = await app.staff('admin');
  apiKey = (await app.rt.services.staff.createApiKey(T(), 'shop')).key;
}, 30_000);
afterAll(() => app.stop());

/** A shopper with data in many modules: profile, merged chat profile, order, points, notes, tasks, chat. */
async function richShopper(tag: string) {
  const phone = `1390000${tag.padStart(4, '0')}`;
  const name = `欧阳${tag}娜`;
  const openId = `oOPENID_${tag}_x`;
  const contactId = `wxid_privacy_${tag}`;
  const s = app.rt.services;
  const id = await s.customers.identify(T(), { phone, openId, appId: 'wxminiapp' }, { name, city: '杭州', remark: `VIP ${name}` }, 'test');

  const order = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': apiKey },
    body: {
      events: [
        {
          eventId: `ord-${tag}`,
          type: 'order.paid',
          occurredAt: new Date().toISOString(),
          customer: { phone, name },
          data: { orderId: `o-${tag}`, amount: 25_900 },
        },
      ],
    },
  });
  expect(order.status).toBe(200);
  await app.settle();

  // The same person chats with the bot under a chat contact id: a second profile, merged into the first.
  await s.desk.handleInbound(T(), {
    botAccountId: 'bot-1',
    peer: { kind: 'private', contact: { id: contactId, name } },
    talker: { id: contactId, name },
    externalId: `msg-${tag}-1`,
    type: 'text',
    text: `你好，我是${name}，电话 ${phone}`,
    at: new Date(),
  });
  await s.customers.identify(T(), { phone, wechatyContactId: contactId }, {}, 'test');

  expect((await app.request('POST', `/api/v1/customers/${id}/notes`, { token: admin.token, body: { text: `${name} 想要退货，电话 ${phone}` } })).status).toBe(
    201,
  );
  expect((await app.request('POST', `/api/v1/customers/${id}/follow-ups`, { token: admin.token, body: { title: `回访 ${name}` } })).status).toBe(201);
  const points = await app.request('POST', `/api/v1/loyalty/members/${id}/points`, {
    token: admin.token,
    body: { points: 120, reason: 'goodwill for a late parcel', idempotencyKey: `pts-${tag}-0001` },
  });
  expect(points.status).toBe(201);
  const token = await shopperToken(app, id);
  expect((await app.request('PUT', '/api/v1/me/birthday', { token, body: { month: 2, day: 29 } })).status).toBe(200);
  return { id, phone, name, openId, contactId, token };
}

/** Every document of every collection in this test's database, as text. */
async function everyCollectionText(): Promise<Array<{ collection: string; text: string }>> {
  const db = mongoose.connection.db!;
  const out: Array<{ collection: string; text: string }> = [];
  for (const { name } of await db.listCollections().toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) out.push({ collection: name, text: JSON.stringify(doc) });
  }
  return out;
}

test('withdrawing marketing consent is recorded with time and channel and stops campaign sends; granting it again resumes them', async () => {
  const shopper = await newShopper(app);
  const before = await app.request('GET', '/api/v1/me/privacy', { token: shopper.token });
  expect(before.status).toBe(200);
  expect(before.body.consents.marketing).toMatchObject({ granted: false, source: 'default', at: null }); // opt-in

  const off = await app.request('PUT', '/api/v1/me/privacy/consents', {
    token: shopper.token,
    body: { marketing: false, profiling: false, channel: 'miniapp' },
  });
  expect(off.status).toBe(200);
  expect(off.body.consents.marketing).toMatchObject({ granted: false, source: 'recorded', channel: 'miniapp' });
  expect(off.body.consents.profiling).toMatchObject({ granted: false, channel: 'miniapp' });
  expect(Math.abs(Date.parse(off.body.consents.marketing.at) - Date.now())).toBeLessThan(60_000);
  expect(await app.rt.services.broadcasts.isOptedOut(T(), shopper.customerId)).toBe(true);

  const on = await app.request('PUT', '/api/v1/me/privacy/consents', { token: shopper.token, body: { marketing: true } });
  expect(on.body.consents.marketing).toMatchObject({ granted: true, channel: 'h5' });
  expect(await app.rt.services.broadcasts.isOptedOut(T(), shopper.customerId)).toBe(false);

  const after = await app.request('GET', '/api/v1/me/privacy', { token: shopper.token });
  expect(after.body.history.filter((h: any) => h.purpose === 'marketing').map((h: any) => [h.granted, h.channel])).toEqual([
    [false, 'miniapp'],
    [true, 'h5'],
  ]);
  const sales = await app.staff('sales');
  const staffView = await app.request('GET', `/api/v1/privacy/customers/${shopper.customerId}/consents`, { token: sales.token });
  expect(staffView.status).toBe(404); // not their customer
  const adminView = await app.request('GET', `/api/v1/privacy/customers/${shopper.customerId}/consents`, { token: admin.token });
  expect(adminView.body.consents.profiling.granted).toBe(false);

  const bad = await app.request('PUT', '/api/v1/me/privacy/consents', { token: shopper.token, body: { channel: 'h5' } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/marketing and\/or profiling/);
});

test('withdrawing profiling consent drops the RFM scores and churn prediction, and later runs and orders do not profile again', async () => {
  const s = app.rt.services;
  const order = (eventId: string, phone: string) => ({
    eventId,
    type: 'order.paid',
    occurredAt: new Date().toISOString(),
    customer: { phone },
    data: { orderId: eventId, amount: 9_900 },
  });
  const res = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': apiKey },
    body: { events: [order('prof-1', '13955550001'), order('prof-2', '13955550002')] },
  });
  await app.settle();
  const [optedOut, other] = res.body.results.map((r: any) => r.customerId as string);
  await s.rfm.recomputeTenant(T());
  const rfmOf = async (id: string) => (await mongoose.connection.db!.collection('customers').findOne({ _id: new mongoose.Types.ObjectId(id) }))?.rfm;
  expect((await rfmOf(optedOut))?.class).toEqual(expect.any(String));

  const off = await app.request('PUT', '/api/v1/me/privacy/consents', { token: await shopperToken(app, optedOut), body: { profiling: false } });
  expect(off.status).toBe(200);
  expect(await rfmOf(optedOut)).toBeUndefined();
  await s.rfm.recomputeTenant(T());
  await s.rfm.sweepChurn(T());
  await app.request('POST', '/api/v1/events', { headers: { 'x-api-key': apiKey }, body: { events: [order('prof-3', '13955550001')] } });
  await app.settle();
  expect(await rfmOf(optedOut)).toBeUndefined();
  expect((await rfmOf(other))?.class).toEqual(expect.any(String));
});

test('a shopper downloads their data: profile, identities, points ledger, coupons, orders and chats, without staff notes', async () => {
  const p = await richShopper('0001');
  const res = await app.request('GET', '/api/v1/me/export', { token: p.token });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="my-data-/);
  const d = res.body;
  expect(d.profile).toMatchObject({ name: p.name, phone: p.phone, city: '杭州' });
  expect(d.profile.notes).toBeUndefined();
  expect(d.identities.map((i: any) => i.value)).toEqual(expect.arrayContaining([p.phone, p.openId, p.contactId]));
  expect(d.ledger.map((e: any) => e.points)).toContain(120);
  expect(Array.isArray(d.coupons)).toBe(true);
  expect(d.orders.map((o: any) => o.data.amount)).toContain(25_900);
  expect(d.conversations.flatMap((c: any) => c.messages.map((m: any) => m.text)).join('\n')).toContain(`我是${p.name}`);
  expect(d.consents.current.marketing).toMatchObject({ granted: false, source: 'default' }); // never asked: not agreed
});

test('an admin export of a customer is recorded in the audit log; other staff cannot export', async () => {
  const shopper = await newShopper(app);
  const res = await app.request('GET', `/api/v1/privacy/customers/${shopper.customerId}/export`, { token: admin.token });
  expect(res.status).toBe(200);
  expect(res.body.profile.phone).toBe(shopper.phone);
  // A birthday never given is none, not an empty record.
  expect(res.body.profile.birthday).toBeNull();
  const audit = await app.request('GET', `/api/v1/audit?targetId=${shopper.customerId}`, { token: admin.token });
  expect(audit.body.items.map((a: any) => [a.action, a.actorId])).toContainEqual(['privacy.export', admin.id]);
  const cm = await app.staff('community_manager');
  expect((await app.request('GET', `/api/v1/privacy/customers/${shopper.customerId}/export`, { token: cm.token })).status).toBe(403);
});

test('after erasure no collection holds the phone, name, openid or chat id; ledger totals and the audit entry stay; repeating it answers the same', async () => {
  const p = await richShopper('0002');
  const bystander = await richShopper('0003');
  const card = await app.request('GET', `/api/v1/loyalty/members/${p.id}`, { token: admin.token });
  expect(card.body.balance).toBeGreaterThanOrEqual(120 + 259); // goodwill + earned on the ¥259 order
  // A reminder the shopper accepted in the mini-app holds their openid.
  await MiniappSubscriptionModel.create({
    tenantId: app.config.DEFAULT_TENANT,
    customerId: p.id,
    openId: p.openId,
    kind: 'points_expiry',
    templateId: 'tpl-points',
    grantKey: `grant-${p.id}`,
    grantedAt: new Date(),
  });
  // A WeCom transfer record (在职继承) names the customer.
  await TransferModel.create({
    tenantId: app.config.DEFAULT_TENANT,
    mode: 'in_service',
    target: `wm-${p.id}`,
    customerId: p.id,
    name: p.name,
    handoverUserid: 'xiaomei',
    takeoverUserid: 'dawei',
    status: 'transferred',
    requestId: `req-${p.id}`,
  });
  const erased = await app.request('POST', '/api/v1/me/erasure', { token: p.token, body: { confirm: true } });
  expect(erased.status).toBe(200);
  expect(erased.body).toMatchObject({ status: 'done', already: false, profiles: 2 });

  const texts = await everyCollectionText();
  const leaks = texts
    .filter((t) => [p.phone, p.name, p.openId, p.contactId].some((v) => t.text.includes(v)))
    .map((t) => `${t.collection}: ${t.text.slice(0, 160)}`);
  expect(leaks).toEqual([]);
  // The search does find personal data where it still should be: the bystander is untouched.
  expect(texts.filter((t) => t.text.includes(bystander.phone)).map((t) => t.collection)).toEqual(
    expect.arrayContaining(['customers', 'customer_identities', 'conversation_messages']),
  );

  const db = mongoose.connection.db!;
  const shell = await db.collection('customers').findOne({ _id: new mongoose.Types.ObjectId(p.id) });
  expect(shell?.birthday).toBeUndefined();
  expect(await db.collection('loyalty_birthday_claims').countDocuments({ customerId: new mongoose.Types.ObjectId(p.id) })).toBe(0);
  expect(await db.collection('loyalty_birthday_claims').countDocuments({ customerId: new mongoose.Types.ObjectId(bystander.id) })).toBe(1);
  expect(shell).toMatchObject({ status: 'erased', aggregates: expect.objectContaining({ orderCount: 1, totalPaid: 25_900 }) });
  const ledger = await db
    .collection('loyalty_points_entries')
    .find({ customerId: new mongoose.Types.ObjectId(p.id) })
    .toArray();
  expect(ledger.reduce((sum, e) => sum + (e.state === 'applied' ? e.points : 0), 0)).toBe(card.body.balance);
  expect((await db.collection('loyalty_members').findOne({ customerId: new mongoose.Types.ObjectId(p.id) }))?.balance).toBe(card.body.balance);
  const audit = await app.request('GET', `/api/v1/audit?targetId=${p.id}`, { token: admin.token });
  expect(audit.body.items.map((a: any) => a.action)).toContain('privacy.erasure');

  // Erasure ended the shopper's sessions: their token is no longer anyone's (401), a repeat included.
  expect((await app.request('GET', '/api/v1/me', { token: p.token })).status).toBe(401);
  expect((await app.request('POST', '/api/v1/me/erasure', { token: p.token, body: { confirm: true } })).status).toBe(401);
  const again = await app.rt.services.privacy.erasure.erase(T(), p.id, { id: p.id, role: 'shopper' });
  expect(again).toMatchObject({ status: 'done', already: true, customerId: p.id });
  const byAdmin = await app.request('POST', `/api/v1/privacy/customers/${p.id}/erasure`, { token: admin.token, body: { reason: 'ticket 42' } });
  expect(byAdmin.body).toMatchObject({ status: 'done', already: true });

  // The same phone coming back later is a new person with a fresh profile.
  const back = await app.rt.services.customers.identify(T(), { phone: p.phone }, {}, 'test');
  expect(back).not.toBe(p.id);
});

test('an admin erases a customer on request, with a reason; without confirm or reason it is refused with 400', async () => {
  const shopper = await newShopper(app, { name: '司马测试' });
  expect((await app.request('POST', '/api/v1/me/erasure', { token: shopper.token, body: {} })).status).toBe(400);
  const noReason = await app.request('POST', `/api/v1/privacy/customers/${shopper.customerId}/erasure`, { token: admin.token, body: {} });
  expect(noReason.status).toBe(400);
  expect(noReason.body.error.message).toMatch(/reason/);
  const res = await app.request('POST', `/api/v1/privacy/customers/${shopper.customerId}/erasure`, {
    token: admin.token,
    body: { reason: 'email from the customer' },
  });
  expect(res.body).toMatchObject({ status: 'done', already: false });
  expect((await app.request('GET', `/api/v1/customers/${shopper.customerId}`, { token: admin.token })).status).toBe(404);
  const search = await app.request('GET', `/api/v1/customers/?q=${encodeURIComponent('司马测试')}`, { token: admin.token });
  expect(search.body.items).toEqual([]);
});

test('retention deletes closed chats, processed WeCom callbacks and events older than the configured period and keeps recent ones', async () => {
  const s = app.rt.services;
  const old = new Date(Date.now() - (app.config.PRIVACY_RETENTION_CONVERSATION_DAYS + 5) * DAY);
  const capture = (peer: string, at: Date, n: number) =>
    s.desk.handleInbound(T(), {
      botAccountId: 'bot-r',
      peer: { kind: 'private', contact: { id: peer } },
      talker: { id: peer },
      externalId: `ret-${peer}-${n}`,
      type: 'text',
      text: `hello ${n}`,
      at,
    });
  const stale = await capture('wxid_old_chat', old, 1);
  // A file the customer sent in the old chat: its bytes must not outlive the chat.
  const kept = (await s.desk.attachments.keepIncoming(T(), 'file', { name: '旧合同.pdf', mime: 'application/pdf', bytes: Buffer.from('%PDF-1.4 old') }))!;
  await s.desk.handleInbound(T(), {
    botAccountId: 'bot-r',
    peer: { kind: 'private', contact: { id: 'wxid_old_chat' } },
    talker: { id: 'wxid_old_chat' },
    externalId: 'ret-wxid_old_chat-2',
    type: 'file',
    text: '',
    media: { attachmentId: kept.attachmentId, name: kept.name, mime: kept.mime, size: kept.size },
    at: old,
  });
  const fresh = await capture('wxid_new_chat', new Date(), 1);
  const oldEventAt = new Date(Date.now() - (app.config.PRIVACY_RETENTION_EVENT_DAYS + 5) * DAY).toISOString();
  const ev = await app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': apiKey },
    body: {
      events: [
        { eventId: 'ret-old', type: 'product.viewed', occurredAt: oldEventAt, customer: { phone: '13911112222' }, data: { productId: 'sku-1' } },
        { eventId: 'ret-new', type: 'product.viewed', occurredAt: new Date().toISOString(), customer: { phone: '13911112222' }, data: { productId: 'sku-2' } },
      ],
    },
  });
  expect(ev.body.accepted).toBe(2);
  await app.settle();

  const callbacks = mongoose.connection.db!.collection('wecom_callbacks');
  await callbacks.insertMany([
    { tenantId: T(), dedupeKey: 'ret-cb-old', event: 'change_external_contact', data: { ExternalUserID: 'wm_old' }, receivedAt: old, status: 'done' },
    { tenantId: T(), dedupeKey: 'ret-cb-new', event: 'change_external_contact', data: { ExternalUserID: 'wm_new' }, receivedAt: new Date(), status: 'done' },
  ]);
  const run = await app.request('POST', '/api/v1/privacy/retention/run', { token: admin.token });
  expect(run.status).toBe(200);
  expect(run.body.conversations).toBeGreaterThanOrEqual(1);
  expect(run.body.attachments).toBeGreaterThanOrEqual(1);
  expect(await s.desk.attachments.get(T(), kept.attachmentId)).toBeNull();
  const db = mongoose.connection.db!;
  expect(await db.collection('conversations').countDocuments({ _id: stale.conversation._id })).toBe(0);
  expect(await db.collection('conversation_messages').countDocuments({ conversationId: stale.conversation._id })).toBe(0);
  expect(await db.collection('conversations').countDocuments({ _id: fresh.conversation._id })).toBe(1);
  expect(await db.collection('events').countDocuments({ eventId: 'ret-old' })).toBe(0);
  expect(await db.collection('events').countDocuments({ eventId: 'ret-new' })).toBe(1);
  expect(await callbacks.countDocuments({ dedupeKey: 'ret-cb-old' })).toBe(0);
  expect(await callbacks.countDocuments({ dedupeKey: 'ret-cb-new' })).toBe(1);
  expect(s.deps.config.PRIVACY_RETENTION_EVERY).toBe('1 day');
});

test('the mini-app is told where export and erasure live, so it can offer them', async () => {
  const cfg = await app.request('GET', '/api/v1/miniapp/config');
  expect(cfg.status).toBe(200);
  expect(cfg.body.privacy.export).toMatchObject({ method: 'GET', path: expect.stringMatching(/export$/) });
  expect(cfg.body.privacy.erasure).toMatchObject({ method: 'POST', path: expect.stringMatching(/erasure$/) });
});
