import type { ApiClient } from './http';
import type { Group } from '../components/AudienceBuilder/audience';

/** Saved segments (/api/v1/segments) as the 人群 page shows and edits them. */
export interface SegmentRow {
  id: string;
  name: string;
  description?: string;
  audience: Group;
  mode: 'dynamic' | 'snapshot';
  /** A snapshot's frozen count in the list; every segment's current count from `get`. */
  memberCount?: number;
  updatedAt: string;
  createdAt: string;
  usage?: { campaigns: number; open: Array<{ id: string; name: string; status: string }> };
}

/** A sample customer, masked by the viewer's role as the server decides. */
export interface SampleCustomer {
  id: string;
  name?: string;
  phone?: string;
  city?: string;
  aggregates?: { orderCount: number; totalPaid: number };
}

export const segmentsApi = (api: ApiClient) => ({
  list: () => api.get<{ items: SegmentRow[] }>('/segments'),
  get: (id: string) => api.get<SegmentRow>(`/segments/${id}`),
  preview: (audience: Group, sampleSize = 10) =>
    api.post<{ count: number; tookMs: number; sample: SampleCustomer[] }>('/segments/preview', { audience, sampleSize }),
  create: (body: { name: string; description?: string; audience: Group; mode: 'dynamic' | 'snapshot' }) => api.post<SegmentRow>('/segments', body),
  update: (id: string, body: { name?: string; description?: string; audience?: Group }) => api.patch<SegmentRow>(`/segments/${id}`, body),
  duplicate: (id: string, name: string) => api.post<SegmentRow>(`/segments/${id}/duplicate`, { name }),
  remove: (id: string) => api.del<{ deleted: true }>(`/segments/${id}`),
});
