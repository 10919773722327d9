import { z } from 'zod';
import { component, dateTime, fen, int, objectIdString } from '../../shared/http/api-schemas.js';
import { CONVERSATION_STATES, MESSAGE_TYPES, RESOLVE_REASONS } from './conversation.model.js';

/** The inbox's answers as the OpenAPI document publishes them (conversation.view.ts, conversation.routes.ts, inbox.routes.ts). */

export const Message = component(
  'Message',
  z.object({
    id: objectIdString,
    conversationId: objectIdString,
    direction: z.enum(['in', 'out', 'internal']).describe('internal: a note, never sent'),
    author: z.enum(['customer', 'bot', 'agent', 'account', 'system']),
    staffId: z.string().optional(),
    staffName: z.string().optional(),
    talkerId: z.string().optional(),
    talkerName: z.string().optional().describe('masked for roles that may not see the name'),
    type: z.enum(MESSAGE_TYPES),
    text: z.string(),
    media: z
      .object({
        url: z.string(),
        name: z.string(),
        title: z.string(),
        description: z.string(),
        appId: z.string(),
        pagePath: z.string(),
        attachmentId: z.string().describe('GET /api/v1/desk/attachments/{id}'),
        mime: z.string(),
        size: int,
      })
      .partial()
      .optional(),
    delivery: z.enum(['queued', 'sent', 'failed']).optional(),
    deliveryError: z.string().optional(),
    retryable: z.boolean().describe('a failed reply or notice that 重试 can send again'),
    mentions: z.array(z.string()).optional().describe('staff ids a note @mentions'),
    at: dateTime,
  }),
);

export const Conversation = component(
  'Conversation',
  z.object({
    id: objectIdString,
    channel: z.enum(['wechaty', 'wechat_kf']),
    kind: z.enum(['private', 'room']),
    title: z.string().optional().describe('the contact (masked for roles that may not see the name) or the room'),
    customerId: objectIdString.optional(),
    groupId: objectIdString.optional(),
    state: z.enum(CONVERSATION_STATES),
    assigneeId: z.string().optional(),
    assigneeName: z.string().optional(),
    teamId: z.string().optional(),
    teamName: z.string().optional(),
    escalatedToId: z.string().optional(),
    escalatedToName: z.string().optional(),
    handoffReason: z.string().optional(),
    queuedAt: dateTime.optional(),
    assignedAt: dateTime.optional(),
    resolvedAt: dateTime.optional(),
    resolveReason: z.enum(RESOLVE_REASONS).optional(),
    labels: z.array(z.string()),
    snoozedUntil: dateTime.optional(),
    unread: int,
    lastMessageAt: dateTime.optional(),
    lastMessagePreview: z.string().optional(),
    awaitingSince: dateTime.optional(),
    sla: z.object({
      dueAt: dateTime.optional(),
      overdueSince: dateTime.optional(),
      kind: z.enum(['first', 'next']).optional(),
      firstResponseMs: int.optional(),
      responses: int,
      averageResponseMs: int.optional(),
      breaches: z.array(
        z.object({
          kind: z.enum(['first', 'next']).optional(),
          dueAt: dateTime.optional(),
          at: dateTime.optional(),
          assigneeId: z.string().optional(),
          escalatedTo: z.string().optional(),
          escalatedToName: z.string().optional(),
        }),
      ),
    }),
  }),
);

/** Who the chat is with, beside the history; null when no customer is linked. */
export const CustomerSummary = component(
  'ConversationCustomer',
  z
    .object({
      id: objectIdString,
      name: z.string().optional().describe('masked for roles that may not see it'),
      avatar: z.string().optional(),
      tags: z.array(objectIdString),
      ownerStaffId: z.string().optional(),
      orderCount: int,
      totalPaid: fen,
      lastOrderAt: dateTime.optional(),
      points: int.nullable(),
      tier: z.string().nullable().describe("the loyalty tier's name"),
    })
    .nullable(),
);

export const ConversationDetail = Conversation.extend({
  customer: CustomerSummary,
  replyWindow: z
    .object({
      remaining: int.describe('replies WeCom still allows'),
      closesAt: dateTime.optional(),
      reason: z.enum(['closed', 'used', 'wecom']).optional().describe('why no reply can be sent now'),
    })
    .optional()
    .describe('微信客服 chats only: what is left of the send window'),
});

export const ConversationList = z.object({ items: z.array(Conversation) });

export const CustomerChatHistory = z.object({ customer: CustomerSummary, conversations: z.array(Conversation), items: z.array(Message) });

export const MessageList = z.object({ items: z.array(Message) });

export const InboxCounts = z.object({ queue: int, mine: int, all: int, resolved: int, breached: int, snoozed: int, escalated: int });

export const Labels = z.object({ items: z.array(z.string()) });

export const Mentions = z.object({ count: int, items: z.array(Message.extend({ conversationTitle: z.string().optional() })) });

/** POST /desk/attachments: the stored upload, to send as `attachmentId`. */
export const UploadedAttachment = z.object({ attachmentId: z.string(), kind: z.enum(['image', 'file']), name: z.string(), mime: z.string(), size: int });

/** GET /desk/attachments/{id}: the file as stored (what customers send may be any type; agents send images and files). */
export const ATTACHMENT_FILE = {
  types: ['image/*', 'audio/*', 'video/*', 'application/*', 'text/*'],
  description: 'The file with its own Content-Type; images inline, anything else as an attachment',
} as const;

/** GET /conversations/stream: what the event stream carries. */
export const DESK_STREAM = {
  types: ['text/event-stream'],
  description:
    'Server-sent events, each `event: <type>` with a JSON `data:` line: ready (once, on opening), message.created, message.delivery, conversation.updated, sla.warning, sla.breached, mention.created; a `: keep-alive` comment every 15 s. Masked as the lists are; sales receive only their own customers’ events.',
} as const;
