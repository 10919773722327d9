import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { Deps } from '../../shared/deps.js';
import type { DeskService } from './desk.service.js';
import { canSeeCustomer, requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import type { ListFilter } from './conversation.service.js';
import { conversationView, messageView } from './conversation.view.js';
import { personMask, personalDataPolicy } from '../privacy/masking.js';
import { openDeskStream } from './desk-stream.js';
import type { Actor } from './handoff.service.js';
import { RESOLVE_REASONS, type ConversationDoc, type MessageDoc } from './conversation.model.js';
import {
  Conversation,
  ConversationDetail,
  ConversationList,
  CustomerChatHistory,
  DESK_STREAM,
  InboxCounts,
  Labels,
  Message,
  MessageList,
} from './conversation.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface ConversationRouteApis {
  customers: CustomerService;
  desk: DeskService;
  deps: Deps;
  /** 微信客服: what is left of WeCom's send window for a conversation of that channel. */
  wechatKf: { replyWindow(tenantId: string, conversation: { channel?: string | null; botAccountId: string; peerId: string }): Promise<object | undefined> };
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const idParams = z.object({ id: objectId });
/** Who reads the desk: agents, supervisors, and sales for their own customers (admins always). */
const READERS = ['agent', 'community_manager', 'sales'] as const;
/** Who answers customers. */
const AGENTS = ['agent'] as const;

type Staff = Extract<Principal, { kind: 'staff' }>;
const actor = (p: Principal): Actor => {
  const s = p as Staff;
  return { id: s.id, name: s.name, role: s.role };
};
const isSales = (p: Principal) => p.kind === 'staff' && p.role === 'sales';

/** Sales see a conversation only when they own or follow its customer; otherwise it answers 404. */
async function visible(
  s: ConversationRouteApis,
  p: Principal,
  tenantId: string,
  c: { customerId?: unknown },
  cache = new Map<string, boolean>(),
): Promise<boolean> {
  if (!isSales(p)) return true;
  if (!c.customerId) return false;
  const key = String(c.customerId);
  if (!cache.has(key)) {
    const customer = await s.customers.get(tenantId, key).catch(() => null);
    cache.set(key, !!customer && canSeeCustomer(p, customer));
  }
  return cache.get(key)!;
}

async function load(s: ConversationRouteApis, p: Principal, tenantId: string, id: string) {
  const c = await s.desk.conversations.get(tenantId, id);
  if (!(await visible(s, p, tenantId, c))) throw notFound('Conversation');
  return c;
}

type Mask = ReturnType<typeof personMask>;

/**
 * The one masking policy (privacy/masking.ts) on what the desk shows of a person: a private chat's
 * title (the contact's name), the customer's messages and name, the preview and summary. Admins see
 * all; community managers supervising the desk see the name masked; phones only for the owner.
 */
async function masksFor(s: ConversationRouteApis, p: Principal, tenantId: string, customerIds: Array<unknown>): Promise<(customerId: unknown) => Mask | null> {
  const open = personalDataPolicy(p);
  if (open.name && open.phone) return () => null;
  const docs = await s.customers.getMany(tenantId, customerIds.filter(Boolean).map(String));
  const byId = new Map(docs.map((d) => [d.linkedId, personMask(p, { name: d.doc.name, phone: d.doc.phone, ownerStaffId: d.doc.ownerStaffId })]));
  const stranger = personMask(p);
  return (customerId) => (customerId ? (byId.get(String(customerId)) ?? stranger) : stranger);
}
const maskedConversation = (c: ConversationDoc, m: Mask | null) => {
  const v = conversationView(c);
  if (!m || m.whole) return v;
  return { ...v, title: c.kind === 'room' ? m.text(v.title) : m.name(v.title), lastMessagePreview: m.text(v.lastMessagePreview) };
};
const maskedMessage = (x: MessageDoc, m: Mask | null) => {
  const v = messageView(x);
  if (!m || m.whole) return v;
  return { ...v, talkerName: x.author === 'customer' || x.direction === 'in' ? m.name(v.talkerName) : v.talkerName, text: m.text(v.text) };
};
const maskedSummary = <T extends { name?: string | null } | null>(summary: T, m: Mask | null): T =>
  summary && m && !m.whole ? { ...summary, name: m.name(summary.name) } : summary;

/** An agent's label on a chat: a short word, as 售后 or 开发票. */
const label = z.string().trim().min(1).max(20);

/** The inbox's lists; 稍后 (snoozed) holds my chats put aside, which 我的 leaves out until they are due. */
const VIEWS = ['queue', 'mine', 'all', 'resolved', 'breached', 'snoozed', 'escalated'] as const;
type View = (typeof VIEWS)[number];
const viewFilter = (view: View, me: string, state?: string, labelled?: string): ListFilter => ({
  ...byView(view, me, state),
  ...(labelled ? { label: labelled } : {}),
});
const byView = (view: View, me: string, state?: string): ListFilter =>
  view === 'queue'
    ? { state: ['queued'] }
    : view === 'mine'
      ? { state: state ? [state] : ['assigned'], assigneeId: me, snoozed: 'hide' }
      : view === 'snoozed'
        ? { state: ['assigned'], assigneeId: me, snoozed: 'only' }
        : view === 'resolved'
          ? { state: ['resolved'] }
          : view === 'breached'
            ? { state: ['queued', 'assigned'], breached: true }
            : view === 'escalated'
              ? { state: ['queued', 'assigned'], escalatedToId: me }
              : { state: state ? [state] : undefined };

export function conversationRoutes(s: ConversationRouteApis) {
  const api = new ApiRouter('/api/v1/conversations', 'conversations');

  api.route(
    {
      method: 'get',
      path: '/',
      allow: READERS,
      summary:
        "The queue (oldest first), my conversations, all, resolved, or breached (still in human hands, past a response target: the supervisors' list), with unread counts",
      query: z.object({
        view: z.enum(VIEWS).default('mine'),
        state: z.enum(['bot', 'queued', 'assigned', 'resolved']).optional(),
        label: label.optional(),
        limit: z.coerce.number().int().min(1).max(100).default(50),
        before: z.coerce.date().optional(),
      }),
      response: ConversationList,
    },
    async ({ query, principal, tenantId }) => {
      const filter = viewFilter(query.view, (principal as Staff).id, query.state, query.label);
      const cache = new Map<string, boolean>();
      const items: ConversationDoc[] = [];
      let before = query.before;
      // Sales filter after reading, page by page, until the page is full or the scan limit is reached.
      for (let scanned = 0; items.length < query.limit && scanned < 1000;) {
        const page = await s.desk.conversations.list(tenantId, { ...filter, limit: query.limit, before });
        for (const c of page) if (items.length < query.limit && (await visible(s, principal, tenantId, c, cache))) items.push(c);
        scanned += page.length;
        if (page.length < query.limit || !isSales(principal) || query.view === 'queue') break;
        before = page[page.length - 1].lastMessageAt ?? undefined;
        if (!before) break;
      }
      const mask = await masksFor(
        s,
        principal,
        tenantId,
        items.map((c) => c.customerId),
      );
      return { items: items.map((c) => maskedConversation(c, mask(c.customerId))) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/by-customer/:customerId',
      allow: READERS,
      summary: "A customer's chat history for the profile: their private chats and what they said in rooms, newest first",
      params: z.object({ customerId: objectId }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.coerce.date().optional() }),
      // Sales only for their own customers; a stranger's profile answers 404 like the profile itself.
      use: [requireVisibleCustomer(s.customers, 'customerId')],
      response: CustomerChatHistory,
    },
    async ({ query, principal, tenantId, ctx }) => {
      const customer = visibleCustomer(ctx);
      const h = await s.desk.conversations.customerHistory(tenantId, String(customer._id), query);
      const m = (await masksFor(s, principal, tenantId, [customer._id]))(customer._id);
      return {
        customer: maskedSummary(await s.desk.customerSummary(tenantId, String(customer._id)), m),
        conversations: h.conversations.map((c) => maskedConversation(c, m)),
        items: h.items.map((x) => maskedMessage(x, m)),
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/counts',
      // Counted over the whole tenant: sales, who see only their own customers' chats, get the lists but not these.
      allow: ['agent', 'community_manager'],
      summary: 'How many conversations each inbox view holds: queue (未分配), mine, all, resolved, breached, snoozed; with `label`, only chats carrying it',
      query: z.object({ label: label.optional() }),
      response: InboxCounts,
    },
    async ({ principal, tenantId, query }) => {
      const me = (principal as Staff).id;
      const counts = await Promise.all(VIEWS.map((v) => s.desk.conversations.count(tenantId, viewFilter(v, me, undefined, query.label))));
      return Object.fromEntries(VIEWS.map((v, i) => [v, counts[i]])) as Record<View, number>;
    },
  );

  api.route(
    {
      method: 'get',
      path: '/labels',
      allow: ['agent', 'community_manager'],
      summary: 'The labels on conversations in use, for the inbox filter',
      response: Labels,
    },
    async ({ tenantId }) => ({
      items: await s.desk.triage.labelsInUse(tenantId),
    }),
  );

  api.route(
    { method: 'get', path: '/stream', allow: READERS, summary: 'Server-sent events: new messages, assignments, SLA warnings', produces: DESK_STREAM },
    ({ ctx, principal, tenantId }) => openDeskStream(s, ctx, principal as Staff, tenantId),
  );

  api.route(
    { method: 'get', path: '/:id', allow: READERS, summary: 'A conversation with its customer summary', params: idParams, response: ConversationDetail },
    async ({ params, principal, tenantId }) => {
      const c = await load(s, principal, tenantId, params.id);
      const m = (await masksFor(s, principal, tenantId, [c.customerId]))(c.customerId);
      // 微信客服 chats: what is left of WeCom's send window, so the reply box can say why it cannot send.
      const replyWindow = await s.wechatKf.replyWindow(tenantId, c);
      return {
        ...maskedConversation(c, m),
        customer: maskedSummary(await s.desk.customerSummary(tenantId, c.customerId ? String(c.customerId) : undefined), m),
        ...(replyWindow ? { replyWindow } : {}),
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/:id/messages',
      allow: READERS,
      summary: 'History, newest first; opening it as the assignee clears the unread count',
      params: idParams,
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.coerce.date().optional() }),
      response: MessageList,
    },
    async ({ params, query, principal, tenantId }) => {
      const c = await load(s, principal, tenantId, params.id);
      const items = await s.desk.conversations.history(tenantId, params.id, { limit: query.limit, before: query.before, readerId: (principal as Staff).id });
      // In a room each talker is their own person; in a private chat every inbound message is the customer's.
      const mask = await masksFor(s, principal, tenantId, [c.customerId, ...items.map((x) => x.customerId)]);
      return { items: items.map((x) => maskedMessage(x, mask(x.customerId ?? c.customerId))) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/messages',
      allow: AGENTS,
      status: 201,
      summary: 'Reply to the customer (typed, a canned reply, or an uploaded image/file); the bot or 微信客服 delivers it',
      params: idParams,
      body: z
        .object({
          text: z.string().trim().min(1, msg('TEXT_REQUIRED')).max(2000).optional(),
          cannedReplyId: objectId.optional(),
          /** An image or file uploaded through POST /desk/attachments, sent on its own. */
          attachmentId: objectId.optional(),
          /** Idempotency key: resending the same request queues the reply once. */
          key: z.string().min(1).max(100).optional(),
        })
        .refine((b) => [b.text, b.cannedReplyId, b.attachmentId].filter(Boolean).length === 1, { message: msg('REPLY_ONE_OF') }),
      response: Message,
      errors: [409],
    },
    async ({ params, body, principal, tenantId, ctx }) => {
      const r = await s.desk.reply(tenantId, params.id, actor(principal), body);
      if (!r.duplicate) return r.message;
      // A retried request: the reply queued the first time, answered again with 200 instead of 201.
      ctx.status = 200;
      ctx.body = r.message;
      return undefined;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/notes',
      allow: AGENTS,
      status: 201,
      summary: 'An internal note, never sent to the customer; `mentions` (staff ids) puts it in those colleagues’ 提及我',
      params: idParams,
      body: z.object({
        text: z.string().trim().min(1, msg('TEXT_REQUIRED')).max(2000),
        mentions: z.array(objectId).max(10, msg('MENTIONS_AT_MOST_10')).default([]),
      }),
      response: Message,
      errors: [422],
    },
    async ({ params, body, principal, tenantId }) =>
      messageView(await s.desk.mentions.addNote(tenantId, params.id, actor(principal), body.text, body.mentions)),
  );

  api.route(
    {
      method: 'post',
      path: '/:id/take',
      allow: AGENTS,
      summary: 'Take the conversation from the bot or the queue',
      params: idParams,
      response: Conversation,
      errors: [409],
    },
    async ({ params, principal, tenantId }) => conversationView(await s.desk.handoff.takeOver(tenantId, params.id, actor(principal))),
  );

  api.route(
    {
      method: 'post',
      path: '/:id/transfer',
      allow: AGENTS,
      summary: "Hand the conversation to another online agent (toStaffId) or to a team's queue (toTeamId), with an optional reason kept in its history",
      params: idParams,
      body: z
        .object({
          toStaffId: objectId.optional(),
          toTeamId: objectId.optional(),
          reason: z.string().trim().max(200, msg('REASON_AT_MOST_200')).optional(),
        })
        .refine((b) => !!b.toStaffId !== !!b.toTeamId, { message: msg('TRANSFER_TARGET_ONE_OF') }),
      response: Conversation,
      errors: [409],
    },
    async ({ params, body, principal, tenantId, ctx }) => {
      // The audit entry says where the chat went and why, not only that it moved.
      ctx.state.auditDetails = { toStaffId: body.toStaffId, toTeamId: body.toTeamId, reason: body.reason || undefined };
      const who = actor(principal);
      const reason = body.reason || undefined;
      return conversationView(
        body.toTeamId
          ? await s.desk.handoff.transferToTeam(tenantId, params.id, who, body.toTeamId, reason)
          : await s.desk.handoff.transfer(tenantId, params.id, who, body.toStaffId!, reason),
      );
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/resolve',
      allow: AGENTS,
      summary:
        'End the human part with a reason (solved, no_response, duplicate, spam, other); the bot answers again. Resolving a resolved chat changes nothing',
      params: idParams,
      body: z.object({ reason: z.enum(RESOLVE_REASONS).default('solved') }),
      response: Conversation,
      errors: [409],
    },
    async ({ params, body, principal, tenantId }) => conversationView(await s.desk.handoff.resolve(tenantId, params.id, actor(principal), body.reason)),
  );

  api.route(
    {
      method: 'post',
      path: '/:id/reopen',
      allow: AGENTS,
      summary: 'Open a resolved conversation again: it is yours, as if taken',
      params: idParams,
      response: Conversation,
      errors: [409],
    },
    async ({ params, principal, tenantId }) => conversationView(await s.desk.handoff.reopen(tenantId, params.id, actor(principal))),
  );

  api.route(
    {
      method: 'post',
      path: '/:id/labels',
      allow: AGENTS,
      summary: 'Add and remove labels on a conversation (a set: adding one twice keeps one)',
      params: idParams,
      body: z.object({ add: z.array(label).max(10).default([]), remove: z.array(label).max(10).default([]) }),
      response: Conversation,
    },
    async ({ params, body, principal, tenantId }) => {
      await load(s, principal, tenantId, params.id);
      return conversationView(await s.desk.triage.setLabels(tenantId, params.id, body.add, body.remove));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/:id/snooze',
      allow: AGENTS,
      summary: 'Put a conversation you hold aside until a time (at most 30 days ahead): it leaves 我的 and comes back when due or when the customer writes',
      params: idParams,
      body: z.object({ until: z.coerce.date() }),
      response: Conversation,
      errors: [409],
    },
    async ({ params, body, principal, tenantId }) => conversationView(await s.desk.triage.snooze(tenantId, params.id, actor(principal), body.until)),
  );

  api.route(
    {
      method: 'post',
      path: '/:id/wake',
      allow: AGENTS,
      summary: 'Bring a snoozed conversation back now',
      params: idParams,
      response: Conversation,
      errors: [409],
    },
    async ({ params, principal, tenantId }) => conversationView(await s.desk.triage.wake(tenantId, params.id, actor(principal))),
  );

  return api;
}
