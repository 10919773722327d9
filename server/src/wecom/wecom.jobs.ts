import type { Deps } from '../shared/deps.js';
import type { JobDefinition } from '../shared/module.js';
import type { Wecom } from './wecom.adapter.js';

/** The WeCom adapter's jobs; each takes ids only and does nothing when the work is already done. */
export function wecomJobs(w: Wecom, deps: Deps): JobDefinition[] {
  if (!w.enabled) return [];
  return [
    { name: 'wecom.process-callback', concurrency: 5, run: (d) => w.callbacks.process(String(d.callbackId)) },
    { name: 'wecom.welcome', concurrency: 20, run: (d) => w.contacts.welcomeFor(String(d.callbackId)) },
    { name: 'wecom.push-tags', concurrency: 2, run: (d) => w.tagSync.pushOp(String(d.opId)) },
    // A run can take long; its own 60 s lease guards it. Agenda keeps a lockLifetime/2 timer alive
    // after each job, so a fixed 30 minutes here kept stopped processes (and jest) waiting 15 minutes.
    { name: 'wecom.full-sync', lockLifetimeMs: 3 * deps.config.JOBS_LOCK_LIFETIME_MS, run: (d) => w.fullSync.run(String(d.runId)) },
    {
      name: 'wecom.repair',
      every: '1 minute',
      run: async () => ({ callbacks: await w.callbacks.repair(), tags: await w.tagSync.retryPending(), syncs: await w.fullSync.resumeStalled() }),
    },
  ];
}
