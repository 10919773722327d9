import type { Services } from '../services.js';
import type { JobDefinition } from '../jobs/index.js';

/** The WeCom adapter's jobs; each takes ids only and does nothing when the work is already done. */
export function wecomJobs(s: Services): JobDefinition[] {
  const w = s.wecom;
  if (!w.enabled) return [];
  return [
    { name: 'wecom.process-callback', concurrency: 5, run: (d) => w.callbacks.process(String(d.callbackId)) },
    { name: 'wecom.push-tags', concurrency: 2, run: (d) => w.tagSync.pushOp(String(d.opId)) },
    { name: 'wecom.full-sync', lockLifetimeMs: 30 * 60_000, run: (d) => w.fullSync.run(String(d.runId)) },
    { name: 'wecom.repair', every: '1 minute', run: async () => ({ callbacks: await w.callbacks.repair(), tags: await w.tagSync.retryPending(), syncs: await w.fullSync.resumeStalled() }) },
    { name: 'wecom.contact-ways.restore', every: '1 hour', run: () => w.contactWays.restorePrimaries() },
  ];
}
