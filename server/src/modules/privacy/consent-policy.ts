/**
 * Whether a campaign or journey message may go to a person, from the profile's mirror of their choices
 * (`consents.<purpose>`, written by the consent service) and the broadcasts module's opt-out list.
 * Opt-in: only an explicit `true` counts (PIPL art. 14). The reason is what the campaign's results
 * show for a skipped recipient.
 *
 * Profiling consent gates the use of behaviour for picking who gets a message: a campaign whose
 * audience selects on RFM scores, churn state, purchase figures or browsing (personalised marketing)
 * reaches only people who also agreed to profiling. Scores are still computed for the brand's own
 * aggregate reports unless the person withdrew profiling (then they are deleted and not recomputed).
 */
export type ConsentSkipReason = 'opted_out' | 'no_marketing_consent' | 'no_profiling_consent';

export function marketingBlock(consents: unknown, optedOut: boolean, personalised = false): ConsentSkipReason | null {
  const c = (consents ?? {}) as { marketing?: unknown; profiling?: unknown };
  if (optedOut || c.marketing === false) return 'opted_out';
  if (c.marketing !== true) return 'no_marketing_consent';
  if (personalised && c.profiling !== true) return 'no_profiling_consent';
  return null;
}

/** Audience conditions that use behaviour-derived data (profiling), by their `type`. */
const PROFILING_CONDITIONS = new Set(['rfm', 'churn', 'orders', 'behaviour']);

/** Whether an audience tree (segments' audience language) selects on profiling data anywhere in it. */
export function audienceUsesProfiling(node: unknown, depth = 0): boolean {
  if (!node || typeof node !== 'object' || depth > 20) return false;
  const n = node as { type?: string; rules?: unknown[] };
  if (n.type && PROFILING_CONDITIONS.has(n.type)) return true;
  return Array.isArray(n.rules) && n.rules.some((r) => audienceUsesProfiling(r, depth + 1));
}

/** Journey triggers that come from behaviour (a churn prediction, dormancy, a cart): their messages are personalised marketing. */
export const PERSONALISED_TRIGGERS: ReadonlySet<string> = new Set(['churn.at_risk', 'dormant', 'cart.added']);
