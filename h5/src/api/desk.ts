import type { ApiClient } from './http';

/** The service desk API (/api/v1/conversations, /api/v1/desk) as the console uses it. */
export type ConversationState = 'bot' | 'queued' | 'assigned' | 'resolved';

export interface Conversation {
  id: string;
  /** `wechat_kf`: WeCom's 微信客服, which allows 5 messages within 48 h of the customer's last one. */
  channel?: 'wechaty' | 'wechat_kf';
  kind: string;
  title: string;
  customerId?: string;
  state: ConversationState;
  assigneeId?: string;
  assigneeName?: string;
  /** The desk team the chat was routed to at handoff. */
  teamName?: string;
  /** The team manager a missed response target was escalated to (已升级给). */
  escalatedToId?: string;
  escalatedToName?: string;
  handoffReason?: string;
  queuedAt?: string;
  unread: number;
  lastMessageAt?: string;
  lastMessagePreview?: string;
  sla: { dueAt?: string; overdueSince?: string; kind?: string };
  /** 微信客服 only: sends left in WeCom's window and when it closes. */
  replyWindow?: { remaining: number; closesAt?: string; reason?: 'closed' | 'used' | 'wecom' };
  labels: string[];
  resolveReason?: ResolveReason;
  snoozedUntil?: string;
}

/** Why an agent resolved a chat (the server's RESOLVE_REASONS). */
export const RESOLVE_REASONS = ['solved', 'no_response', 'duplicate', 'spam', 'other'] as const;
export type ResolveReason = (typeof RESOLVE_REASONS)[number];

/** The inbox's lists: 未分配, 我的, 全部, 已解决, 已超时, 稍后 (my snoozed chats). */
export type InboxView = 'queue' | 'mine' | 'all' | 'resolved' | 'breached' | 'snoozed' | 'escalated';

export interface DeskCustomer {
  id: string;
  name?: string;
  tags: string[];
  orderCount: number;
  totalPaid: number;
  lastOrderAt?: string;
  points: number | null;
  tier: string | null;
}

export interface Message {
  id: string;
  direction: 'in' | 'out' | 'internal';
  author: string;
  staffName?: string;
  talkerName?: string;
  type: string;
  text?: string;
  delivery?: 'queued' | 'sent' | 'failed';
  /** Why the delivery failed, in the channel's words. */
  deliveryError?: string;
  /** A failed agent reply or desk notice, which 重试 can queue again. */
  retryable?: boolean;
  /** Link, mini-program or attachment details; `attachmentId` is an image or file kept by the desk. */
  media?: { attachmentId?: string; name?: string; mime?: string; size?: number; url?: string; title?: string };
  /** Notes: the colleagues @mentioned (staff ids). */
  mentions?: string[];
  at: string;
}

/** A note that @mentions me, in a chat I have not opened since (提及我). */
export interface Mention extends Message {
  conversationId: string;
  conversationTitle?: string;
}

export interface CannedReply {
  id?: string;
  _id?: string;
  title: string;
  text: string;
}

/** An auto-reply rule or FAQ entry (`/desk/rules`); the bot tries them by priority, highest first. */
export interface ReplyRule {
  _id: string;
  kind: 'keyword' | 'regex' | 'faq';
  keywords?: string[];
  pattern?: string;
  question?: string;
  /** FAQ entries: other ways customers ask the question. */
  similar?: string[];
  reply: string;
  action: 'reply' | 'handoff';
  priority: number;
  active: boolean;
}
export type RuleInput = Partial<Omit<ReplyRule, '_id'>>;

/** Which rule the bot would answer a message with (`POST /desk/rules/test`). */
export interface RuleMatch {
  ruleId: string;
  kind: ReplyRule['kind'];
  action: ReplyRule['action'];
  reply: string;
  /** FAQ entries: the entry's question and the phrasing the message matched. */
  question?: string;
  phrase?: string;
}

/** One of the bot's built-in commands (`/desk/commands`). */
export type BotCommandId = 'human' | 'points' | 'check-in' | 'coupons' | 'bind' | 'stop' | 'resume';
export interface BotCommand {
  id: BotCommandId;
  enabled: boolean;
  words: string[];
  defaultWords: string[];
  rooms: boolean;
  locked: boolean;
}

export const deskApi = (api: ApiClient) => ({
  list: (view: InboxView, label?: string) => api.get<{ items: Conversation[] }>('/conversations', { view, label }),
  counts: (label?: string) => api.get<Record<InboxView, number>>('/conversations/counts', { label }),
  labels: () => api.get<{ items: string[] }>('/conversations/labels'),
  setLabels: (id: string, add: string[], remove: string[]) => api.post<Conversation>(`/conversations/${id}/labels`, { add, remove }),
  reopen: (id: string) => api.post<Conversation>(`/conversations/${id}/reopen`),
  snooze: (id: string, until: Date) => api.post<Conversation>(`/conversations/${id}/snooze`, { until: until.toISOString() }),
  wake: (id: string) => api.post<Conversation>(`/conversations/${id}/wake`),
  byCustomer: (customerId: string) => api.get<{ conversations: Conversation[] }>(`/conversations/by-customer/${customerId}`, { limit: 1 }),
  get: (id: string) => api.get<Conversation & { customer: DeskCustomer | null }>(`/conversations/${id}`),
  history: (id: string) => api.get<{ items: Message[] }>(`/conversations/${id}/messages`, { limit: 100 }),
  take: (id: string) => api.post<Conversation>(`/conversations/${id}/take`),
  resolve: (id: string, reason: ResolveReason) => api.post<Conversation>(`/conversations/${id}/resolve`, { reason }),
  transfer: (id: string, to: { toStaffId: string } | { toTeamId: string }, reason?: string) =>
    api.post<Conversation>(`/conversations/${id}/transfer`, { ...to, ...(reason ? { reason } : {}) }),
  teams: () => api.get<{ items: { id: string; name: string; members: { id: string; name: string; online: boolean }[] }[] }>('/desk/teams'),
  note: (id: string, text: string, mentions: string[] = []) => api.post<Message>(`/conversations/${id}/notes`, { text, mentions }),
  retry: (messageId: string) => api.post<Message>(`/desk/messages/${messageId}/retry`),
  mentions: () => api.get<{ count: number; items: Mention[] }>('/desk/mentions'),
  colleagues: () => api.get<{ items: { id: string; name: string; role: string }[] }>('/staff'),
  upload: (file: File) =>
    api.upload<{ attachmentId: string; kind: 'image' | 'file'; name: string; size: number }>(
      `/desk/attachments?name=${encodeURIComponent(file.name)}`,
      file,
      file.type || 'application/octet-stream',
    ),
  attachment: (attachmentId: string) => api.blob(`/desk/attachments/${attachmentId}`),
  reply: (id: string, body: { text?: string; cannedReplyId?: string; attachmentId?: string; key: string }) =>
    api.post<Message>(`/conversations/${id}/messages`, body),
  canned: () => api.get<{ items: CannedReply[] }>('/desk/canned-replies'),
  rules: () => api.get<{ items: ReplyRule[] }>('/desk/rules'),
  createRule: (body: RuleInput) => api.post<ReplyRule>('/desk/rules', body),
  updateRule: (id: string, body: RuleInput) => api.patch<ReplyRule>(`/desk/rules/${id}`, body),
  deleteRule: (id: string) => api.del(`/desk/rules/${id}`),
  commands: () => api.get<{ items: BotCommand[] }>('/desk/commands'),
  updateCommand: (id: BotCommandId, body: { enabled?: boolean; words?: string[] | null }) => api.patch<BotCommand>(`/desk/commands/${id}`, body),
  testRules: (text: string) => api.post<{ match: RuleMatch | null }>('/desk/rules/test', { text }),
  presence: () => api.get<{ online: boolean; capacity: number; active: number }>('/desk/presence'),
  setPresence: (body: { online: boolean; capacity?: number }) => api.post('/desk/presence', body),
  agents: () => api.get<{ items: { id: string; name: string; role: string; online?: boolean; active?: boolean }[] }>('/staff', { role: 'agent' }),
});
