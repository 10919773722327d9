import type { Services } from '../services.js';
import { moduleJobs, type JobDefinition } from '../shared/module.js';

export type { JobDefinition };

/**
 * Every Agenda job and schedule, as data, from the modules' manifests. Jobs take ids only and do
 * nothing when the state says the work is already done, so a retried or duplicated run is harmless.
 */
export function jobDefinitions(s: Pick<Services, 'modules'>): JobDefinition[] {
  return moduleJobs(s.modules);
}
