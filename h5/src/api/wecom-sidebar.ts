import type { ApiClient } from './http';

/** /api/v1/wecom/sidebar/*: what the chat that opened the sidebar is, from WeCom's ids (amounts in fen). */
export interface GroupMember {
  customerId: string | null;
  name: string;
  joinedAt: string | null;
  orderCount: number;
  totalPaid: number;
  rfmClass: string | null;
  atRisk: boolean;
  /** Whether this staff member may open the full profile. */
  open: boolean;
}

export interface SidebarGroup {
  chatId: string;
  name: string;
  notice: string;
  owner: { id: string; name: string } | null;
  createdAt: string | null;
  memberCount: number;
  staffCount: number;
  customerCount: number;
  buyers: number;
  joinedThisWeek: number;
  atRisk: number;
  customers: GroupMember[];
}

export const wecomSidebarApi = (api: ApiClient) => ({
  contact: (externalUserId: string) => api.get<{ customerId: string }>(`/wecom/sidebar/contact/${encodeURIComponent(externalUserId)}`),
  group: (chatId: string) => api.get<SidebarGroup>(`/wecom/sidebar/group/${encodeURIComponent(chatId)}`),
});
