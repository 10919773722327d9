import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import { TagService } from './tag.service.js';
import { tagRoutes, type TagRouteApis } from './tag.routes.js';

/** Tag groups and tags, manual and rule tags. */
export type TagsApi = TagService;

/** `hooks` to announce `tag.changed`. */
export function createTags(deps: Deps, ports: { hooks: DomainHooks; customers: CustomerService }): TagsApi {
  return new TagService(deps, ports.hooks, ports.customers);
}

export function tagsManifest(tags: TagsApi, uses: Omit<TagRouteApis, 'tags'>): ModuleManifest {
  return { name: 'tags', routes: () => [tagRoutes({ ...uses, tags })] };
}
