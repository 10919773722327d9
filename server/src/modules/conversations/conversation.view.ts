import type { ConversationDoc, MessageDoc } from './conversation.model.js';

/** Conversations and messages as the API shows them: ids as strings, internal fields left out. */
/** A stored message, or one as it is being written (before the model casts its strings to enums). */
export type MessageFields = Partial<Omit<MessageDoc, '_id' | 'conversationId' | 'direction' | 'author' | 'type' | 'delivery'>> & {
  _id: unknown;
  conversationId: unknown;
  direction: string;
  author: string;
  type: string;
  delivery?: string | null;
};

export function messageView(m: MessageFields) {
  return {
    id: String(m._id),
    conversationId: String(m.conversationId),
    direction: m.direction,
    author: m.author,
    staffId: m.staffId,
    staffName: m.staffName,
    talkerId: m.talkerId,
    talkerName: m.talkerName,
    type: m.type,
    text: m.text,
    media: m.media && Object.values(m.media).some(Boolean) ? m.media : undefined,
    delivery: m.delivery,
    deliveryError: m.delivery === 'failed' ? m.deliveryError : undefined,
    /** 重试 is offered for agents' replies and desk notices (durable outbound rows), not the bot's own answers. */
    retryable: m.delivery === 'failed' && !!m.outboundId,
    mentions: m.mentions?.length ? m.mentions : undefined,
    at: m.at,
  };
}

export function conversationView(c: ConversationDoc) {
  return {
    id: String(c._id),
    channel: c.channel ?? 'wechaty',
    kind: c.kind,
    title: c.title,
    customerId: c.customerId ? String(c.customerId) : undefined,
    groupId: c.groupId ? String(c.groupId) : undefined,
    state: c.state,
    assigneeId: c.assigneeId,
    assigneeName: c.assigneeName,
    teamId: c.teamId ?? undefined,
    teamName: c.teamName ?? undefined,
    escalatedToId: c.escalatedToId ?? undefined,
    escalatedToName: c.escalatedToName ?? undefined,
    handoffReason: c.handoffReason,
    queuedAt: c.queuedAt,
    assignedAt: c.assignedAt,
    resolvedAt: c.resolvedAt,
    resolveReason: c.resolveReason,
    labels: c.labels ?? [],
    snoozedUntil: c.snoozedUntil,
    unread: c.unread ?? 0,
    lastMessageAt: c.lastMessageAt,
    lastMessagePreview: c.lastMessagePreview,
    awaitingSince: c.awaitingSince,
    sla: {
      dueAt: c.sla?.dueAt,
      overdueSince: c.sla?.overdueSince,
      kind: c.sla?.kind,
      firstResponseMs: c.sla?.firstResponseMs,
      responses: c.sla?.responses ?? 0,
      averageResponseMs: c.sla?.responses ? Math.round(c.sla.totalResponseMs / c.sla.responses) : undefined,
      breaches: (c.sla?.breaches ?? []).map((b) => ({
        kind: b.kind,
        dueAt: b.dueAt,
        at: b.at,
        assigneeId: b.assigneeId,
        escalatedTo: b.escalatedTo,
        escalatedToName: b.escalatedToName,
      })),
    },
  };
}
