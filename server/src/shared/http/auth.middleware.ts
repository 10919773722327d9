import type { Context, Next } from 'koa';
import { tokenVerifier } from '../tokens.js';
import { STAFF_ROLES, type Principal, type StaffRole } from './principal.js';

export type IntegrationKeyResolver = (key: string) => Promise<Principal | null>;

/**
 * Reads `Authorization: Bearer <token>` (staff or shopper) or `X-Api-Key` (shop platforms) and sets
 * ctx.state.principal. Refusing is the route's job: routes declare who may call them.
 */
export function authMiddleware(secret: string, defaultTenant: string, resolveApiKey: IntegrationKeyResolver, now: () => Date) {
  const verify = tokenVerifier(secret);
  return async (ctx: Context, next: Next) => {
    ctx.state.tenantId = defaultTenant;
    const header = ctx.get('authorization');
    if (header.startsWith('Bearer ')) {
      const payload = verify(header.slice(7).trim(), now().getTime());
      if (payload?.k === 'staff' && (STAFF_ROLES as readonly string[]).includes(String(payload.role))) {
        ctx.state.principal = {
          kind: 'staff',
          id: payload.sub,
          tenantId: payload.t,
          role: payload.role as StaffRole,
          name: String(payload.name ?? ''),
        } satisfies Principal;
      } else if (payload?.k === 'shopper') {
        ctx.state.principal = { kind: 'shopper', customerId: payload.sub, tenantId: payload.t } satisfies Principal;
      }
    } else {
      const key = ctx.get('x-api-key');
      if (key) ctx.state.principal = (await resolveApiKey(key)) ?? undefined;
    }
    await next();
  };
}
