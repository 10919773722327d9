import type { ApiClient } from './http';

/** Campaigns (/api/v1/broadcasts) and what the composer picks from (segments, groups, rooms, coupons). */
export interface Content {
  text: string;
  image?: { picUrl?: string; mediaId?: string };
  link?: { title: string; url: string; desc?: string; picUrl?: string };
  miniprogram?: { title: string; appId: string; page: string; picMediaId: string };
  couponTemplateId?: string;
}

export interface Campaign {
  id: string;
  name: string;
  segmentId?: string;
  chatIds?: string[];
  roomIds?: string[];
  channel: string;
  status: string;
  holdoutPercent?: number;
  schedule: { kind: 'now' | 'at' | 'recurring'; at?: string; everyDays?: number };
  window?: { start: string; end: string; timezone?: string };
  startAt?: string;
  startedAt?: string;
  completedAt?: string;
  createdAt: string;
  variants?: { key: string; weight: number; content: Content }[];
}

/** A row of the paged list: the campaign with its current run's counts and its audience's name. */
export type CampaignRow = Campaign & { segmentName?: string | null; counts: { total: number; sent: number; failed: number; skipped: number; holdout: number } };

export interface Progress {
  status: string;
  deferredReason?: string;
  nextDispatchAt?: string;
  counts: { total: number; queued: number; sending: number; sent: number; failed: number; skipped: number; holdout: number };
  skipped: Record<string, number>;
  failed: Record<string, number>;
  delivery?: {
    delivered: number;
    awaitingConfirmation: number;
    notAContact: number;
    recipientLimit: number;
    undelivered: number;
    unknown: number;
    checkedAt: string | null;
  };
}

export interface Results {
  window: { since: string; until: string };
  /** revenue: fen paid in the window by the arm's customers. */
  arms: Record<string, { recipients: number; converted: number; rate: number; revenue: number }>;
  note?: string;
}

/** How many a campaign would reach, and how many would be skipped and why (the server judges as the send does). */
export interface Reach {
  unit: 'customers' | 'groups';
  total: number;
  willReceive: number;
  holdout: number;
  skipped: Record<string, number>;
  estimate: boolean;
}

export interface Preview {
  customer: { id: string; name: string | null } | null;
  content: Content;
  unfilled: string | null;
}

export interface Segment {
  id: string;
  name: string;
  mode: string;
  count?: number;
  memberCount?: number;
}

/** A WeChat room the bot is in (for a bot_room campaign). */
export interface BotRoom {
  roomId: string;
  topic?: string;
  members: number;
}

/** A WeCom customer group (for a wecom_group_chat campaign). */
export interface CustomerGroup {
  chatId: string;
  name?: string;
  status?: string;
  memberCount?: number;
}

export interface CouponTemplate {
  id: string;
  name: string;
}

export interface CampaignInput {
  name: string;
  channel: string;
  segmentId?: string;
  chatIds?: string[];
  roomIds?: string[];
  content?: Content;
  variants?: { key: string; weight: number; content: Content }[];
  holdoutPercent?: number;
  schedule: { kind: 'now' } | { kind: 'at'; at: string } | { kind: 'recurring'; at: string; everyDays: number };
  window?: { start: string; end: string };
}

/** A staff member's WeCom confirmations of a campaign's run. */
export interface SenderState {
  userid: string;
  staffId: string | null;
  name: string | null;
  tasks: number;
  confirmed: number;
  lastSentAt: string | null;
  reminded: number;
}

export const broadcastsApi = (api: ApiClient) => ({
  list: (query: { page?: number; pageSize?: number; status?: string; channel?: string } = {}) =>
    api.get<{ items: CampaignRow[]; total: number }>('/broadcasts', query),
  get: (id: string) => api.get<Campaign & { progress: Progress }>(`/broadcasts/${id}`),
  results: (id: string) => api.get<Results>(`/broadcasts/${id}/results`),
  create: (body: CampaignInput) => api.post<Campaign>('/broadcasts', body),
  reach: (body: CampaignInput) => api.post<Reach>('/broadcasts/reach', body),
  preview: (body: { channel: string; content: Content; segmentId?: string }) => api.post<Preview>('/broadcasts/preview', body),
  action: (id: string, action: 'pause' | 'resume' | 'cancel') => api.post<Campaign>(`/broadcasts/${id}/${action}`),
  senders: (id: string) => api.get<{ items: SenderState[] }>(`/broadcasts/${id}/senders`),
  remind: (id: string, userid?: string) => api.post<{ reminded: number; limited: number }>(`/broadcasts/${id}/remind`, userid ? { userid } : {}),
  syncResults: (id: string) => api.post<Progress>(`/broadcasts/${id}/sync-results`),
  segments: () => api.get<{ items: Segment[] }>('/segments'),
  botRooms: () => api.get<{ items: BotRoom[] }>('/broadcasts/bot-rooms'),
  groups: () => api.get<{ items: CustomerGroup[] }>('/wecom/groups', { status: 'active' }),
  couponTemplates: () => api.get<{ items: CouponTemplate[] }>('/loyalty/templates', { channel: 'campaign' }),
});
