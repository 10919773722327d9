import type { ApiClient } from './http';

/** Lifecycle journeys (/api/v1/journeys) as the console and the sidebar show them. */
export type JourneyTrigger =
  { type: 'customer.created' | 'birthday' | 'cart.added' | 'order.paid' | 'churn.at_risk' | 'points.expiring' } | { type: 'dormant'; days: number };

/** What a condition's "no" branch may do (no condition inside a branch). */
export type BranchStep =
  | { type: 'wait'; hours: number }
  | { type: 'send'; channel: string; text: string }
  | { type: 'coupon'; templateId: string; byTier?: Record<string, string> }
  | { type: 'tag'; tagId: string }
  | { type: 'task'; title: string; dueInHours: number };
export type ConditionCheck = 'noOrderSinceStart' | 'stillDormant' | 'wecomActive' | 'newContact';
export type JourneyStep = BranchStep | { type: 'condition'; check: ConditionCheck; no?: BranchStep[] };

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
  /** Every save is a new version; runs keep the version they started on. */
  version: number;
  createdAt: string;
}

export interface JourneyVersion {
  version: number;
  name: string;
  trigger: JourneyTrigger;
  steps: JourneyStep[];
  savedAt: string;
}

/** What switching a journey on would do now (GET /journeys/:id/preview). */
export interface EntryPreview {
  version: number;
  enabled: boolean;
  enrolsExisting: boolean;
  entrants: number;
  sample: string[];
  /** A coupon step names its template and what is left of its stock (fewer than the entrants: some get none). */
  firstSteps: Array<{ step: number; type: JourneyStep['type']; upTo: number; coupon?: { name: string; remaining: number } | null }>;
  coupons: number;
  messages: number;
  tasks: number;
  tags: number;
}

export interface JourneyDraft {
  name: string;
  trigger: JourneyTrigger;
  steps: JourneyStep[];
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
  /** The journey version the run started on and keeps to. */
  version: number;
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
  /** Fen paid after entering, per run. */
  revenueAfterEntering: number;
}

export interface JourneyTemplate {
  key: string;
  description: string;
  journey: { name: string; trigger: JourneyTrigger; steps: JourneyStep[] };
}

export const journeysApi = (api: ApiClient) => ({
  list: () => api.get<{ items: (Journey & { runCounts: RunCounts; coupons: number; revenueAfterEntering: number })[] }>('/journeys'),
  get: (id: string) => api.get<Journey & { stats: JourneyStats; runs: JourneyRun[]; versions: JourneyVersion[] }>(`/journeys/${id}`),
  /** Switching on one that enrols customers at once needs the preview's figure (409 JOURNEY_PREVIEW_STALE otherwise). */
  setEnabled: (id: string, enabled: boolean, expectedEntrants?: number) =>
    api.patch<Journey>(`/journeys/${id}`, { enabled, ...(expectedEntrants !== undefined ? { expectedEntrants } : {}) }),
  preview: (id: string) => api.get<EntryPreview>(`/journeys/${id}/preview`),
  create: (draft: JourneyDraft) => api.post<Journey>('/journeys', { ...draft, enabled: false }),
  update: (id: string, draft: JourneyDraft, baseVersion: number) => api.put<Journey>(`/journeys/${id}`, { ...draft, baseVersion }),
  templates: () => api.get<{ items: JourneyTemplate[] }>('/journeys/templates'),
  /** Created off: the console shows the preview before it is switched on. */
  fromTemplate: (body: { key: string; couponTemplateId?: string }) => api.post<Journey>('/journeys/from-template', { ...body, enabled: false }),
  customerRuns: (customerId: string) => api.get<{ items: JourneyRun[] }>(`/journeys/customers/${customerId}/runs`),
});
