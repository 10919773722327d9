import type { ApiClient } from './http';

/** Campaigns (/api/v1/broadcasts) and saved segments (/api/v1/segments) as the console shows them. */
export interface Campaign {
  id: string;
  name: string;
  segmentId?: string;
  roomIds?: string[];
  channel: string;
  status: string;
  schedule: { kind: 'now' | 'at' | 'recurring'; at?: string };
  startAt?: string;
  startedAt?: string;
  completedAt?: string;
  createdAt: string;
  variants?: { key: string; content: { text: string } }[];
}

export interface Progress {
  status: string;
  deferredReason?: string;
  nextDispatchAt?: string;
  counts: { total: number; queued: number; sending: number; sent: number; failed: number; skipped: number; holdout: number };
  skipped: Record<string, number>;
  failed: Record<string, number>;
}

export interface Results {
  window: { since: string; until: string };
  arms: Record<string, { recipients: number; converted: number; rate: number }>;
  note?: string;
}

export interface Segment {
  id: string;
  name: string;
  mode: string;
  count?: number;
}

/** A WeChat room the bot is in (for a bot_room campaign). */
export interface BotRoom {
  roomId: string;
  topic?: string;
  members: number;
}

export const broadcastsApi = (api: ApiClient) => ({
  list: () => api.get<{ items: Campaign[] }>('/broadcasts'),
  get: (id: string) => api.get<Campaign & { progress: Progress }>(`/broadcasts/${id}`),
  results: (id: string) => api.get<Results>(`/broadcasts/${id}/results`),
  create: (body: { name: string; segmentId?: string; roomIds?: string[]; channel: string; content: { text: string }; schedule: { kind: 'now' } | { kind: 'at'; at: string } }) =>
    api.post<Campaign>('/broadcasts', body),
  action: (id: string, action: 'pause' | 'resume' | 'cancel') => api.post<Campaign>(`/broadcasts/${id}/${action}`),
  segments: () => api.get<{ items: Segment[] }>('/segments'),
  botRooms: () => api.get<{ items: BotRoom[] }>('/broadcasts/bot-rooms'),
});
