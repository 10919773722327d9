import type { ApiClient } from './http';

/** The desk's settings as the 客服设置 page uses them: teams, handoff routing, business hours, SLA targets. */
export interface DeskTeam {
  id: string;
  name: string;
  memberIds: string[];
  members: { id: string; name: string; online: boolean; active: boolean }[];
  firstResponseSeconds?: number;
  nextResponseSeconds?: number;
  managerId?: string;
  managerName?: string;
}
export interface TeamInput {
  name: string;
  memberIds: string[];
  /** null: the tenant's target. */
  firstResponseSeconds: number | null;
  nextResponseSeconds: number | null;
  /** Who hears of this team's missed targets; null: the supervisor role. */
  managerId: string | null;
}

export type RoutingWhen = 'keyword' | 'tag' | 'tier';
/** First match wins: a keyword in the customer's last messages, a tag id, a loyalty tier code → a team. */
export interface RoutingRule {
  when: RoutingWhen;
  values: string[];
  teamId: string;
}

/** Weekday 1 = Monday … 7 = Sunday; a day not listed is closed; dates are YYYY-MM-DD in the tenant's zone. */
export interface BusinessHours {
  timezone: string;
  weekly: { day: number; open: string; close: string }[];
  holidays: string[];
  workdays: string[];
}

export interface SlaTargets {
  firstResponseSeconds: number;
  nextResponseSeconds: number;
}

export const deskSettingsApi = (api: ApiClient) => ({
  teams: () => api.get<{ items: DeskTeam[] }>('/desk/teams'),
  createTeam: (body: TeamInput) => api.post<DeskTeam>('/desk/teams', body),
  updateTeam: (id: string, body: Partial<TeamInput>) => api.patch<DeskTeam>(`/desk/teams/${id}`, body),
  deleteTeam: (id: string) => api.del(`/desk/teams/${id}`),
  routing: () => api.get<{ rules: RoutingRule[] }>('/desk/routing'),
  setRouting: (rules: RoutingRule[]) => api.put<{ rules: RoutingRule[] }>('/desk/routing', { rules }),
  hours: () => api.get<BusinessHours>('/desk/hours'),
  setHours: (body: BusinessHours) => api.put<BusinessHours>('/desk/hours', body),
  targets: () => api.get<SlaTargets>('/desk/settings'),
  setTargets: (body: SlaTargets) => api.put<SlaTargets>('/desk/settings', body),
});
