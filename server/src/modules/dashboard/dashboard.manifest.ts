import type { ModuleManifest } from '../../shared/module.js';
import { dashboardRoutes, type DashboardRouteApis } from './dashboard.routes.js';

/** The console's overview: reads other modules' APIs only, owns no collection. */
export function dashboardManifest(uses: DashboardRouteApis): ModuleManifest {
  return { name: 'dashboard', routes: () => [dashboardRoutes(uses)] };
}
