import type { ApiClient } from './http';

/** Shapes of /api/v1/customers, /tags and /follow-ups as the pages use them (amounts in fen). */
export interface CustomerSummary {
  id: string;
  name?: string;
  phone?: string;
  city?: string;
  avatar?: string;
  remark?: string;
  sourceChannel?: string;
  ownerStaffId?: string;
  tags: string[];
  aggregates: { orderCount: number; totalPaid: number; averageOrderValue: number; refundCount: number; lastOrderAt?: string };
  rfm?: { class?: string; r?: number; f?: number; m?: number; churn?: { state?: 'ok' | 'at_risk' | 'lost'; dueAt?: string } } | null;
}

export interface Note {
  _id?: string;
  text: string;
  staffName?: string;
  at: string;
}

export interface FollowUp {
  _id: string;
  title: string;
  status: 'open' | 'done';
  dueAt?: string;
  assigneeId?: string;
}

export interface TimelineItem {
  kind: 'event' | 'note' | 'merge';
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export interface CustomerDetail extends CustomerSummary {
  notes: Note[];
  followUps: FollowUp[];
  timeline: TimelineItem[];
}

export interface Tag {
  id: string;
  groupName: string;
  name: string;
}

/** The console table's query: filters, sort and page, as the URL keeps them. */
export interface CustomerListQuery {
  q?: string;
  tag?: string;
  owner?: string;
  rfm?: string;
  /** R and F scores (1–5): a cell of the 数据 page's R×F heatmap. */
  r?: number;
  f?: number;
  churn?: string;
  channel?: string;
  relation?: string;
  sort?: 'updatedAt' | 'createdAt' | 'lastOrderAt' | 'totalPaid' | 'orderCount';
  order?: 'asc' | 'desc';
  page?: number;
  pageSize?: number;
}

export interface StaffOption {
  id: string;
  name: string;
  role: string;
  active: boolean;
}

/** Where a tag stands with WeCom (GET /tags/overview). */
export interface TagSync {
  state: 'synced' | 'local' | 'pending' | 'failed';
  wecomTagId?: string;
  error?: string;
  at?: string;
  attempts?: number;
}
export interface TagRow extends Tag {
  customers: number;
  wecomTagId?: string;
  wecom?: TagSync;
}
export interface TagGroupRow {
  name: string;
  customers: number;
  tags: TagRow[];
}

export const customersApi = (api: ApiClient) => ({
  tagOverview: () => api.get<{ wecomEnabled: boolean; lastPushAt?: string; groups: TagGroupRow[] }>('/tags/overview'),
  createTag: (groupName: string, name: string) => api.post<Tag>('/tags', { groupName, name }),
  updateTag: (id: string, patch: { name?: string; groupName?: string }) => api.patch<Tag>(`/tags/${id}`, patch),
  deleteTag: (id: string) => api.del<Tag & { customers: number }>(`/tags/${id}`),
  deleteTagGroup: (name: string) => api.del<{ groupName: string; tags: number; customers: number }>(`/tags/groups/${encodeURIComponent(name)}`),
  list: (query: CustomerListQuery) => api.get<{ items: CustomerSummary[]; total: number; page: number; pageSize: number }>('/customers', { ...query }),
  bulkTags: (ids: string[], add: string[], remove: string[]) => api.post<{ matched: number }>('/customers/bulk/tags', { ids, add, remove }),
  bulkOwner: (ids: string[], ownerStaffId: string) => api.post<{ matched: number; modified: number }>('/customers/bulk/owner', { ids, ownerStaffId }),
  staff: () => api.get<{ items: StaffOption[] }>('/staff'),
  search: (q: string, page = 1, tag?: string) =>
    api.get<{ items: CustomerSummary[]; total: number; page: number; pageSize: number }>('/customers', { q, page, tag }),
  get: (id: string) => api.get<CustomerDetail>(`/customers/${id}`),
  tags: () => api.get<{ items: Tag[] }>('/tags'),
  setTags: (id: string, add: string[], remove: string[]) => api.post<{ tags: string[] }>(`/customers/${id}/tags`, { add, remove }),
  merge: (id: string, otherId: string, note?: string) =>
    api.post<{ id: string; mergedId: string }>(`/customers/${id}/merge`, { otherId, ...(note ? { note } : {}) }),
  addNote: (id: string, text: string) => api.post<Note>(`/customers/${id}/notes`, { text }),
  addFollowUp: (id: string, title: string, dueAt?: string) => api.post<FollowUp>(`/customers/${id}/follow-ups`, { title, dueAt }),
  setFollowUp: (taskId: string, status: 'open' | 'done') => api.patch<FollowUp>(`/follow-ups/${taskId}`, { status }),
  myOpenFollowUps: () => api.get<{ items: Array<FollowUp & { customerId: string }>; total: number }>('/follow-ups', { assignee: 'me', status: 'open' }),
});
