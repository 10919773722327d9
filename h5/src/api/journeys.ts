import type { ApiClient } from './http';

/** Lifecycle journeys (/api/v1/journeys) as the console and the sidebar show them. */
export type JourneyTrigger =
  | { type: 'customer.created' | 'birthday' | 'cart.added' | 'order.paid' | 'churn.at_risk' }
  | { type: 'dormant'; days: number };

export type JourneyStep =
  | { type: 'wait'; hours: number }
  | { type: 'condition'; check: 'noOrderSinceStart' | 'stillDormant' | 'wecomActive' | 'newContact' }
  | { type: 'send'; channel: string; text: string }
  | { type: 'coupon'; templateId: string; byTier?: Record<string, string> }
  | { type: 'tag'; tagId: string }
  | { type: 'task'; title: string; dueInHours: number };

export interface RunCounts {
  active: number;
  done: number;
  exited: number;
}

export interface Journey {
  id: string;
  name: string;
  trigger: JourneyTrigger;
  steps: JourneyStep[];
  enabled: boolean;
  createdAt: string;
}

export interface RunLogLine {
  step: number;
  type: string;
  outcome: string;
  at: string;
}

export interface JourneyRun {
  id: string;
  journeyId: string;
  customerId: string;
  occurrence: string;
  state: 'active' | 'done' | 'exited';
  step: number;
  nextAt: string;
  startedAt: string;
  log: RunLogLine[];
  /** On a journey's runs: the customer's name, masked for roles that do not see names. */
  customerName?: string | null;
  /** On a customer's runs. */
  journeyName?: string | null;
}

/** What a journey did, from its runs' logs. */
export interface JourneyStats {
  runs: RunCounts;
  sent: number;
  skipped: Record<string, number>;
  failed: number;
  coupons: number;
  tasks: number;
  orderedAfterEntering: number;
}

export interface JourneyTemplate {
  key: string;
  description: string;
  journey: { name: string; trigger: JourneyTrigger; steps: JourneyStep[] };
}

export const journeysApi = (api: ApiClient) => ({
  list: () => api.get<{ items: (Journey & { runCounts: RunCounts })[] }>('/journeys'),
  get: (id: string) => api.get<Journey & { stats: JourneyStats; runs: JourneyRun[] }>(`/journeys/${id}`),
  setEnabled: (id: string, enabled: boolean) => api.patch<Journey>(`/journeys/${id}`, { enabled }),
  templates: () => api.get<{ items: JourneyTemplate[] }>('/journeys/templates'),
  fromTemplate: (body: { key: string; couponTemplateId?: string }) => api.post<Journey>('/journeys/from-template', body),
  customerRuns: (customerId: string) => api.get<{ items: JourneyRun[] }>(`/journeys/customers/${customerId}/runs`),
});
