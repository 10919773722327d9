import mongoose from 'mongoose';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { trustEnv } from './trust-support.js';
import { CustomerGroupModel } from '../../../server/src/modules/customer-groups/customer-group.model.js';

/**
 * Erasure removes the person from every room, customer group, tag and conversation they were in,
 * and leaves everybody else in them. Membership is removed with `$pull` conditions on sub-documents
 * (`{members: {customerId: {$in: ids}}}`), which the embedded MongoDB used to ignore silently; the
 * same test runs on a real MongoDB (MONGODB_URI).
 */
let app: TestApp;
let admin: { id: string; token: string };
const T = () => app.config.DEFAULT_TENANT;
const at = new Date('2026-03-02T08:00:00.000Z');

beforeAll(async () => {
  app = await startTestApp({ env: trustEnv(), now: () => at });
  admin = await app.staff('admin');
}, 30_000);
afterAll(() => app.stop());

async function person(tag: string) {
  const s = app.rt.services;
  const phone = `1380000${tag}`;
  const name = `上官${tag}`;
  const contactId = `wxid_member_${tag}`;
  const externalUserId = `wm_member_${tag}`;
  const id = await s.customers.identify(T(), { phone, wechatyContactId: contactId, externalUserId }, { name }, 'test');
  return { id, phone, name, contactId, externalUserId };
}

const say = (roomId: string, who: { contactId: string; name: string }, text: string, n: string) =>
  app.rt.services.desk.handleInbound(T(), {
    botAccountId: 'bot-1',
    peer: { kind: 'room', roomId, topic: '会员群' },
    talker: { id: who.contactId, name: who.name },
    externalId: `room-msg-${n}`,
    type: 'text',
    text,
    at,
  });

test('an erased person is gone from every bot room, WeCom customer group, tag and conversation; the others in them stay', async () => {
  const s = app.rt.services;
  const p = await person('1001');
  const other = await person('1002');

  // Two bot rooms: the person is in both, the other shopper in the first.
  await s.desk.groups.roomJoined(
    T(),
    'bot-1',
    { id: 'room-a', topic: '会员群' },
    [
      { id: p.contactId, name: p.name },
      { id: other.contactId, name: other.name },
    ],
    at,
  );
  await s.desk.groups.roomJoined(T(), 'bot-1', { id: 'room-b', topic: '新品群' }, [{ id: p.contactId, name: p.name }], at);
  expect((await s.desk.groups.group(T(), 'room-a'))!.members.map((m) => String(m.customerId))).toEqual([p.id, other.id]);
  await say('room-a', p, `我是${p.name}`, '1');
  await say('room-a', other, '大家好', '2');
  // A private chat with the bot.
  await s.desk.handleInbound(T(), {
    botAccountId: 'bot-1',
    peer: { kind: 'private', contact: { id: p.contactId, name: p.name } },
    talker: { id: p.contactId, name: p.name },
    externalId: 'private-msg-1',
    type: 'text',
    text: '在吗',
    at,
  });

  // WeCom customer groups: one names the person by profile and external_userid, one by external_userid only.
  await CustomerGroupModel.create([
    {
      tenantId: T(),
      chatId: 'wr-group-1',
      name: 'VIP 群',
      members: [
        { userid: 'xiaomei', type: 1 },
        { userid: p.externalUserId, type: 2, name: p.name, customerId: p.id },
        { userid: other.externalUserId, type: 2, name: other.name, customerId: other.id },
      ],
      memberCount: 3,
    },
    {
      tenantId: T(),
      chatId: 'wr-group-2',
      name: '售后群',
      members: [
        { userid: p.externalUserId, type: 2, name: p.name },
        { userid: 'xiaomei', type: 1 },
      ],
      memberCount: 2,
    },
  ]);

  const vip = await s.tags.ensure(T(), '会员', 'VIP');
  await s.customers.tag(T(), p.id, [vip.id], []);
  await s.customers.tag(T(), other.id, [vip.id], []);

  const erased = await app.request('POST', `/api/v1/privacy/customers/${p.id}/erasure`, { token: admin.token, body: { reason: 'request by phone' } });
  expect(erased.status).toBe(200);
  expect(erased.body).toMatchObject({ status: 'done', already: false, counts: expect.objectContaining({ chat_groups: 2, customer_groups: 2 }) });

  const db = mongoose.connection.db!;
  const roomMembers = async (roomId: string) => (await s.desk.groups.group(T(), roomId))!.members.map((m) => m.contactId);
  expect(await roomMembers('room-a')).toEqual([other.contactId]);
  expect(await roomMembers('room-b')).toEqual([]);
  const groupMembers = async (chatId: string) => (await CustomerGroupModel.findOne({ tenantId: T(), chatId }).lean())!.members.map((m) => m.userid);
  expect(await groupMembers('wr-group-1')).toEqual(['xiaomei', other.externalUserId]);
  expect(await groupMembers('wr-group-2')).toEqual(['xiaomei']);

  const tagged = await db.collection('customers').find({ tenantId: T(), tags: vip.id }).project({ _id: 1 }).toArray();
  expect(tagged.map((c) => String(c._id))).toEqual([other.id]);

  // The private conversation is gone; in the room only the other shopper's message is left.
  const conversations = await db.collection('conversations').find({ tenantId: T() }).toArray();
  expect(conversations.filter((c) => String(c.customerId) === p.id)).toEqual([]);
  const roomMessages = await db.collection('conversation_messages').find({ tenantId: T() }).toArray();
  expect(roomMessages.map((m) => m.text)).toEqual(['大家好']);

  // Nothing anywhere still holds the person's name, phone, chat id or external_userid.
  const leaks: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) {
      const text = JSON.stringify(doc);
      if ([p.name, p.phone, p.contactId, p.externalUserId].some((v) => text.includes(v))) leaks.push(`${name}: ${text.slice(0, 160)}`);
    }
  }
  expect(leaks).toEqual([]);
});
