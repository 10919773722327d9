import type { Deps } from '../shared/deps.js';
import type { HookSubscription, ModuleManifest } from '../shared/module.js';
import type { Wecom } from './wecom.adapter.js';
import { wecomJobs } from './wecom.jobs.js';
import { wecomRoutes, type WecomRouteApis } from './wecom.routes.js';

/** The WeCom adapter's routes, jobs and reactions; tag sync only when WeCom is configured. */
export function wecomManifest(wecom: Wecom, uses: { deps: Deps } & Omit<WecomRouteApis, 'wecom'>): ModuleManifest {
  const apis = { ...uses, wecom };
  const tagSync: HookSubscription[] = [
    { on: 'customer.tagged', name: 'wecom.push-customer-tags', run: (p) => wecom.tagSync.onCustomerTagged(p) },
    { on: 'tag.changed', name: 'wecom.push-tag-change', run: (p) => wecom.tagSync.onTagChanged(p) },
  ];
  return {
    name: 'wecom',
    routes: () => [wecomRoutes(apis)],
    jobs: wecomJobs(wecom, uses.deps),
    hooks: [...(wecom.enabled ? tagSync : []), { on: 'customer.merged', name: 'wecom.move-contacts', run: (p) => wecom.contacts.onMerged(p) }],
  };
}
