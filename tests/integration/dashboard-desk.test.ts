import { Types } from 'mongoose';
import { startTestApp, type TestApp } from '../support/harness.js';
import { ConversationModel, MessageModel } from '../../server/src/modules/conversations/conversation.model.js';

/**
 * 数据 → 客服: the desk's figures for a period, from stored conversations at pinned times. The clock
 * stands at 2026-10-15 04:00 UTC (12:00 in Shanghai); the 7-day period starts 2026-10-08 04:00 UTC.
 */
const NOW = new Date('2026-10-15T04:00:00Z');
const MIN = 60_000;
let app: TestApp;
let tenantId: string;
beforeAll(async () => {
  app = await startTestApp({ now: () => NOW });
  tenantId = app.config.DEFAULT_TENANT;
});
afterAll(() => app.stop());

let peer = 0;
async function chat(kind: 'private' | 'room', fields: Record<string, unknown> = {}) {
  const c = await ConversationModel.create({ tenantId, botAccountId: 'figures-bot', peerId: `figures-peer-${++peer}`, kind, ...fields });
  return c._id as Types.ObjectId;
}
const customerSays = (conversationId: Types.ObjectId, at: string) =>
  MessageModel.create({ tenantId, conversationId, direction: 'in', author: 'customer', text: '在吗', at: new Date(at) });
const agentSays = (conversationId: Types.ObjectId, at: string, staffId: string, staffName: string) =>
  MessageModel.create({ tenantId, conversationId, direction: 'out', author: 'agent', staffId, staffName, text: '您好', at: new Date(at), delivery: 'sent' });
const breach = (kind: 'first' | 'next', at: string, assigneeId?: string) => ({
  kind,
  at: new Date(at),
  dueAt: new Date(new Date(at).getTime() - MIN),
  assigneeId,
  escalatedTo: 'community_manager',
});

test('the period shows chats the bot answered alone vs handed over, first-response median and p90, breaches, and each agent', async () => {
  // Answered by the bot alone.
  const a = await chat('private');
  await customerSays(a, '2026-10-14T00:00:00Z');
  // Handed over; 王 answers after 2 minutes.
  const b = await chat('private', {
    state: 'assigned',
    queuedAt: new Date('2026-10-14T01:00:00Z'),
    assigneeId: 'wang',
    assigneeName: '王芳',
    assignedAt: new Date('2026-10-14T01:01:00Z'),
  });
  await customerSays(b, '2026-10-14T00:59:00Z');
  await agentSays(b, '2026-10-14T01:02:00Z', 'wang', '王芳');
  // Handed over; 李 answers after 10 minutes, having missed the first-response target.
  const c = await chat('private', {
    state: 'assigned',
    queuedAt: new Date('2026-10-14T02:00:00Z'),
    assigneeId: 'li',
    assigneeName: '李雷',
    assignedAt: new Date('2026-10-14T02:01:00Z'),
    sla: { breaches: [breach('first', '2026-10-14T02:05:00Z', 'li')] },
  });
  await customerSays(c, '2026-10-14T01:59:00Z');
  await agentSays(c, '2026-10-14T02:10:00Z', 'li', '李雷');
  // Handed over, waited 30 minutes in the queue (a breach nobody held), then 王 missed a next response.
  const d = await chat('private', {
    state: 'resolved',
    queuedAt: new Date('2026-10-13T00:00:00Z'),
    assigneeId: 'wang',
    assigneeName: '王芳',
    assignedAt: new Date('2026-10-13T00:29:00Z'),
    sla: { breaches: [breach('first', '2026-10-13T00:05:00Z'), breach('next', '2026-10-13T03:00:00Z', 'wang')] },
  });
  await customerSays(d, '2026-10-12T23:59:00Z');
  await agentSays(d, '2026-10-13T00:30:00Z', 'wang', '王芳');
  await agentSays(d, '2026-10-13T03:10:00Z', 'wang', '王芳');
  // Handed over an hour ago and not answered yet.
  const g = await chat('private', { state: 'queued', queuedAt: new Date('2026-10-15T03:00:00Z') });
  await customerSays(g, '2026-10-15T02:59:00Z');
  // Before the period: handed over, breached, answered by 李 — counted only in its own period.
  const e = await chat('private', {
    state: 'resolved',
    queuedAt: new Date('2026-10-05T00:00:00Z'),
    sla: { breaches: [breach('first', '2026-10-05T00:05:00Z', 'li')] },
  });
  await customerSays(e, '2026-10-04T23:59:00Z');
  await agentSays(e, '2026-10-05T00:20:00Z', 'li', '李雷');
  // A room: the bot chats there, but nothing in a room is handed over.
  await customerSays(await chat('room'), '2026-10-14T00:00:00Z');

  const cm = await app.staff('community_manager');
  const res = await app.request('GET', '/api/v1/dashboard/desk?days=7', { token: cm.token });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    days: 7,
    chats: 5,
    botOnly: 1,
    handedOver: 4,
    answered: 3,
    waiting: 1,
    firstResponse: { medianMs: 10 * MIN, p90Ms: 30 * MIN },
    breaches: { first: 2, next: 1, total: 3 },
  });
  expect(res.body.firstResponseBands).toEqual([
    { band: '1m', chats: 0 },
    { band: '5m', chats: 1 },
    { band: '15m', chats: 1 },
    { band: '1h', chats: 1 },
    { band: 'more', chats: 0 },
  ]);
  expect(res.body.agents).toEqual([
    { staffId: 'wang', name: '王芳', chats: 2, firstResponses: 2, medianFirstResponseMs: 2 * MIN, breaches: 1 },
    { staffId: 'li', name: '李雷', chats: 1, firstResponses: 1, medianFirstResponseMs: 10 * MIN, breaches: 1 },
  ]);

  // The week before (ending on local day 2026-10-07) holds only the old chat.
  const before = await app.request('GET', '/api/v1/dashboard/desk?days=7&to=2026-10-07', { token: cm.token });
  expect(before.body).toMatchObject({
    chats: 1,
    botOnly: 0,
    handedOver: 1,
    answered: 1,
    waiting: 0,
    firstResponse: { medianMs: 20 * MIN, p90Ms: 20 * MIN },
    breaches: { total: 1 },
  });
  expect(before.body.agents).toEqual([{ staffId: 'li', name: '李雷', chats: 1, firstResponses: 1, medianFirstResponseMs: 20 * MIN, breaches: 1 }]);
});

test('a period of 0 or 91 days is refused with 400; agents may not read the figures', async () => {
  const cm = await app.staff('community_manager');
  for (const days of [0, 91]) expect((await app.request('GET', `/api/v1/dashboard/desk?days=${days}`, { token: cm.token })).status).toBe(400);
  const agent = await app.staff('agent');
  expect((await app.request('GET', '/api/v1/dashboard/desk', { token: agent.token })).status).toBe(403);
});
