import type { Services } from './services.js';
import type { ApiRouter } from './shared/http/route.js';
import { moduleRouters } from './shared/module.js';

/** Every API router, from the modules' manifests: the route table (OpenAPI, authorisation matrix) is built from these. */
export function apiRouters(s: Pick<Services, 'modules'>): ApiRouter[] {
  return moduleRouters(s.modules);
}
