import type { Deps } from '../../shared/deps.js';
import type { DomainHooks } from '../../shared/hooks.js';
import type { ModuleManifest } from '../../shared/module.js';
import { CustomerService } from './customer.service.js';
import { CustomerMergeService } from './customer-merge.service.js';
import { ChatBindingService } from './chat-binding.service.js';
import { FollowUpService } from './follow-up.service.js';
import { customerTransferRoutes, type CustomerTransferRouteApis } from './customer-transfer.routes.js';
import { customerRoutes, followUpRoutes, type CustomerRouteApis } from './customer.routes.js';
import { chatBindingRoutes } from './chat-binding.routes.js';

/** The profile: identities, attributes, notes, follow-ups, merges, chat bindings. */
export interface CustomersApi {
  customers: CustomerService;
  merges: CustomerMergeService;
  chatBindings: ChatBindingService;
  followUps: FollowUpService;
}

/** `hooks` to announce `customer.created`, `customer.merged`, `customer.tagged`. */
export function createCustomers(deps: Deps, ports: { hooks: DomainHooks }): CustomersApi {
  const merges = new CustomerMergeService(deps, ports.hooks);
  const customers = new CustomerService(deps, ports.hooks, merges);
  return { customers, merges, chatBindings: new ChatBindingService(deps, customers, merges), followUps: new FollowUpService(deps) };
}

export function customersManifest(api: CustomersApi, uses: Omit<CustomerRouteApis & CustomerTransferRouteApis, keyof CustomersApi>): ModuleManifest {
  const apis = { ...uses, ...api };
  // The import/export routes first: `/customers/export` must not be taken for a customer id.
  return { name: 'customers', routes: () => [customerTransferRoutes(apis), customerRoutes(apis), followUpRoutes(apis), chatBindingRoutes(apis)] };
}
