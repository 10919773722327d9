import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import { StaffService } from './staff.service.js';
import { AuditService } from './audit.service.js';
import { staffRoutes } from './staff.routes.js';

/** Staff accounts, roles, sessions, API keys and the audit log. */
export interface StaffApi {
  staff: StaffService;
  audit: AuditService;
}

export function createStaff(deps: Deps): StaffApi {
  return { staff: new StaffService(deps), audit: new AuditService(deps) };
}

export function staffManifest(api: StaffApi): ModuleManifest {
  return { name: 'staff', routes: () => [staffRoutes(api)] };
}
