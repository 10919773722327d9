import type { Services } from '../../server/src/services.js';

/**
 * Marketing (and profiling) consent is opt-in: a test that expects a campaign or journey message to
 * reach someone must say that the person agreed, as a member center or store form would record it.
 */
export async function grantMarketing(s: Services, tenantId: string, customerIds: string[], options: { profiling?: boolean } = {}): Promise<void> {
  const choices = customerIds.flatMap((customerId) => [
    { customerId, purpose: 'marketing' as const, granted: true },
    ...(options.profiling ? [{ customerId, purpose: 'profiling' as const, granted: true }] : []),
  ]);
  await s.privacy.consents.importMany(tenantId, choices, 'import:test');
}
