import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { Privacy } from './privacy.module.js';
import { myPrivacyRoutes, privacyAdminRoutes, type PrivacyRouteApis } from './privacy.routes.js';

export function privacyManifest(privacy: Privacy, uses: { deps: Deps } & Omit<PrivacyRouteApis, 'privacy'>): ModuleManifest {
  const apis = { ...uses, privacy };
  return {
    name: 'privacy',
    routes: () => [myPrivacyRoutes(apis), privacyAdminRoutes(apis)],
    jobs: [
      // Erasures whose WeCom part WeCom did not take (unreachable): tried again until done.
      { name: 'privacy.erasure-wecom', every: '10 minutes', run: () => privacy.wecomErasure.retryPending() },
      { name: 'privacy.retention', every: uses.deps.config.PRIVACY_RETENTION_EVERY, lockLifetimeMs: 60 * 60 * 1000, run: () => privacy.retention.run() },
    ],
  };
}
