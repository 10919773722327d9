import type { Services } from '../services.js';
import { wecomJobs } from '../wecom/wecom.jobs.js';

/**
 * Every Agenda job and schedule, as data. Jobs take ids only and do nothing when the state says the
 * work is already done, so a retried or duplicated run is harmless.
 */
export interface JobDefinition {
  name: string;
  /** Recurring interval (Agenda syntax, e.g. '1 minute'); omit for on-demand jobs. */
  every?: string;
  concurrency?: number;
  lockLifetimeMs?: number;
  run: (data: Record<string, any>) => Promise<unknown>;
}

export function jobDefinitions(s: Services): JobDefinition[] {
  return [
    { name: 'events.repair-unapplied', every: '1 minute', run: () => s.events.repairUnapplied() },
    { name: 'conversations.deliver-outbound', every: s.deps.config.DESK_SWEEP_EVERY, run: () => s.desk.outbound.sweep() },
    { name: 'conversations.sla-sweep', every: s.deps.config.DESK_SWEEP_EVERY, run: () => s.desk.sla.sweep() },
    { name: 'conversations.assign-queued', every: s.deps.config.DESK_SWEEP_EVERY, run: () => s.desk.handoff.sweep() },
    { name: 'segments.rfm-nightly', every: s.deps.config.RFM_NIGHTLY_CRON, lockLifetimeMs: 60 * 60 * 1000, run: () => s.rfm.nightly() },
    ...wecomJobs(s),
  ];
}
