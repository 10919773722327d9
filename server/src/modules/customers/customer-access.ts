import type { Context, Middleware } from 'koa';
import { notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { RouteInput } from '../../shared/http/route.js';
import type { CustomerService } from './customer.service.js';

/**
 * Who may see which customer, in one place: routes use it as named middleware
 * (`use: [requireVisibleCustomer(customers, 'id')]`), adapters (the WeCom sidebar) call the policy.
 * It depends on the customers service only, so any module can import it without reaching the
 * service container.
 */

/** The fields the policy reads. */
export interface CustomerOwnership {
  _id: unknown;
  ownerStaffId?: string | null;
  followerStaffIds?: string[];
}

/**
 * Sales work their own book: customers they own or follow. Other staff roles see every customer of
 * their tenant (masked by role). A shopper sees only themselves; an integration key sees no profile
 * through these routes. A customer outside what the caller may see answers 404, as if absent.
 */
export function canSeeCustomer(principal: Principal, doc: CustomerOwnership): boolean {
  if (principal.kind === 'shopper') return String(doc._id) === principal.customerId;
  if (principal.kind !== 'staff') return false;
  if (principal.role !== 'sales') return true;
  return doc.ownerStaffId === principal.id || (doc.followerStaffIds ?? []).includes(principal.id);
}

export type CustomerReader = Pick<CustomerService, 'get'>;
export type VisibleCustomer = Awaited<ReturnType<CustomerService['get']>>;

/** The live profile if the caller may see it; otherwise the same 404 as a customer that does not exist. */
export async function loadVisibleCustomer(customers: CustomerReader, principal: Principal, tenantId: string, id: string): Promise<VisibleCustomer> {
  const doc = await customers.get(tenantId, id);
  if (!canSeeCustomer(principal, doc)) throw notFound('Customer');
  return doc;
}

/**
 * Route middleware: loads the customer named by the parsed path parameter `field` (or body field, with
 * `where: 'body'`), refuses with 404 when the caller may not see them, and leaves the profile for the
 * handler (`visibleCustomer(ctx)`).
 */
export function requireVisibleCustomer(customers: CustomerReader, field = 'id', where: 'params' | 'body' = 'params'): Middleware {
  return async function requireVisibleCustomer(ctx, next) {
    const input = ctx.state.input as RouteInput<Record<string, unknown>, unknown, Record<string, unknown>>;
    const id = String(input[where]?.[field] ?? '');
    ctx.state.customer = await loadVisibleCustomer(customers, input.principal, input.tenantId, id);
    await next();
  };
}

/** The profile `requireVisibleCustomer` loaded for this request. */
export function visibleCustomer(ctx: Context): VisibleCustomer {
  const doc = ctx.state.customer as VisibleCustomer | undefined;
  if (!doc) throw new Error('visibleCustomer: the route does not use requireVisibleCustomer');
  return doc;
}
