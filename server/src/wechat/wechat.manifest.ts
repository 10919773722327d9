import type { ModuleManifest } from '../shared/module.js';
import type { Miniapp } from './wechat.adapter.js';
import { miniappRoutes, type MiniappRouteApis } from './miniapp.routes.js';

export function miniappManifest(miniapp: Miniapp, uses: Omit<MiniappRouteApis, 'miniapp'>): ModuleManifest {
  const apis = { ...uses, miniapp };
  return {
    name: 'miniapp',
    routes: () => [miniappRoutes(apis)],
    jobs: [{ name: 'miniapp.send-reminders', every: '1 hour', run: () => miniapp.reminders.sendDue() }],
  };
}
