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
    { name: 'loyalty.repair-pending', every: '1 minute', run: async () => ({ points: await s.loyalty.ledger.repairPending(), coupons: await s.loyalty.coupons.repairPending() }) },
    { name: 'loyalty.expire-points', every: '1 hour', run: () => s.loyalty.expireDue() },
    { name: 'loyalty.expire-coupons', every: '1 hour', run: () => s.loyalty.coupons.expireDue() },
    { name: 'loyalty.review-tiers', every: '1 day', run: () => s.loyalty.reviewAllTiers() },
    { name: 'loyalty.issue-batches', every: '10 seconds', run: () => s.loyalty.batches.runPending() },
    { name: 'loyalty.birthday-gifts', every: '1 hour', run: () => s.loyalty.birthdays.run(s.customers) },
    { name: 'loyalty.expiry-reminders', every: '1 hour', run: () => s.loyalty.reminders.run() },
    { name: 'conversations.deliver-outbound', every: s.deps.config.DESK_SWEEP_EVERY, run: () => s.desk.outbound.sweep() },
    { name: 'conversations.sla-sweep', every: s.deps.config.DESK_SWEEP_EVERY, run: () => s.desk.sla.sweep() },
    { name: 'conversations.assign-queued', every: s.deps.config.DESK_SWEEP_EVERY, run: () => s.desk.handoff.sweep() },
    { name: 'conversations.wake-snoozed', every: s.deps.config.DESK_SWEEP_EVERY, run: () => s.desk.triage.wakeDue() },
    { name: 'segments.rfm-nightly', every: s.deps.config.RFM_NIGHTLY_CRON, lockLifetimeMs: 60 * 60 * 1000, run: () => s.rfm.nightly() },
    { name: 'broadcasts.tick', every: s.deps.config.BROADCAST_TICK_EVERY, run: () => s.broadcasts.dispatcher.tick() },
    { name: 'broadcasts.sync-results', every: s.deps.config.BROADCAST_RESULTS_EVERY, run: () => s.broadcasts.deliveryResults.syncRecent() },
    { name: 'journeys.tick', every: s.deps.config.JOURNEY_TICK_EVERY, run: () => s.journeys.tick() },
    // Erasures whose WeCom part WeCom did not take (unreachable): tried again until done.
    { name: 'privacy.erasure-wecom', every: '10 minutes', run: () => s.privacy.wecomErasure.retryPending() },
    { name: 'privacy.retention', every: s.deps.config.PRIVACY_RETENTION_EVERY, lockLifetimeMs: 60 * 60 * 1000, run: () => s.privacy.retention.run() },
    ...wecomJobs(s),
    { name: 'miniapp.send-reminders', every: '1 hour', run: () => s.miniapp.reminders.sendDue() },
  ];
}
