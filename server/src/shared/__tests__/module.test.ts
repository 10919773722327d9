import { DomainHooks } from '../hooks.js';
import { moduleJobs, subscribeHooks, type ModuleManifest } from '../module.js';

/**
 * Hook order is data (HOOK_ORDER in services.ts), not the order modules happen to be built in: a
 * merge must move event rows before anything reads them, an order must earn points before journeys
 * look at the tier.
 */
const merged = { tenantId: 't1', fromId: 'a', toId: 'b' };

function manifests(ran: string[]): ModuleManifest[] {
  const react = (name: string) => ({ on: 'customer.merged' as const, name, run: () => void ran.push(name) });
  return [
    { name: 'broadcasts', hooks: [react('broadcasts.move-opt-out')] },
    { name: 'loyalty', hooks: [react('loyalty.move-member')], jobs: [{ name: 'loyalty.expire-points', every: '1 hour', run: async () => 0 }] },
    { name: 'events', hooks: [react('events.move-customer')] },
  ];
}

describe('module manifests', () => {
  it('runs hook reactions in the declared order, whatever order the modules were built in', async () => {
    const ran: string[] = [];
    const hooks = new DomainHooks();
    subscribeHooks(hooks, manifests(ran), { 'customer.merged': ['events.move-customer', 'loyalty.move-member', 'broadcasts.move-opt-out'] });
    await hooks.emit('customer.merged', merged);
    expect(ran).toEqual(['events.move-customer', 'loyalty.move-member', 'broadcasts.move-opt-out']);
  });

  it('refuses to boot with a reaction the order does not place', () => {
    expect(() => subscribeHooks(new DomainHooks(), manifests([]), { 'customer.merged': ['events.move-customer', 'loyalty.move-member'] })).toThrow(
      /broadcasts\.move-opt-out on customer\.merged has no place/,
    );
  });

  it("collects every module's jobs for the worker", () => {
    expect(moduleJobs(manifests([])).map((j) => j.name)).toEqual(['loyalty.expire-points']);
  });
});
