import type { ApiClient } from './http';

/** Shapes of /api/v1/staff, /api-keys and /audit as the console's 设置 pages use them. */
export interface StaffRow {
  id: string;
  name: string;
  username: string;
  role: 'admin' | 'community_manager' | 'sales' | 'agent';
  active: boolean;
  online?: boolean;
  capacity?: number;
  wecomUserId?: string;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  createdBy?: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

export interface AuditRow {
  _id: string;
  at: string;
  actorId: string;
  actorRole: string;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  page: number;
  pageSize: number;
}

export function staffApi(api: ApiClient) {
  return {
    list: () => api.get<{ items: StaffRow[] }>('/staff'),
    create: (body: { username: string; name: string; role: string; password: string; wecomUserId?: string }) => api.post<StaffRow>('/staff', body),
    update: (id: string, patch: Partial<Pick<StaffRow, 'name' | 'role' | 'active' | 'online' | 'capacity'>>) => api.patch<StaffRow>(`/staff/${id}`, patch),
    apiKeys: () => api.get<{ items: ApiKeyRow[] }>('/api-keys'),
    createKey: (name: string) => api.post<ApiKeyRow & { key: string }>('/api-keys', { name }),
    revokeKey: (id: string) => api.post<ApiKeyRow>(`/api-keys/${id}/revoke`),
    rotateKey: (id: string, graceMinutes: number) => api.post<ApiKeyRow & { key: string; oldKey: ApiKeyRow }>(`/api-keys/${id}/rotate`, { graceMinutes }),
    audit: (q: AuditQuery) => api.get<{ items: AuditRow[]; total: number; page: number; pageSize: number }>('/audit', { ...q }),
    auditActions: () => api.get<{ items: string[] }>('/audit/actions'),
  };
}
