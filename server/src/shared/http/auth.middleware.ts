import type { Context, Next } from 'koa';
import { tokenVerifier, type TokenKeys } from '../tokens.js';
import { STAFF_ROLES, type Principal, type StaffRole } from './principal.js';

export type IntegrationKeyResolver = (key: string) => Promise<Principal | null>;

/**
 * Whether the sessions tokens name are still live: the staff member (present, active, same session
 * version) or the shopper (not erased, same session version). Read from MongoDB, cached briefly.
 */
export interface SessionChecks {
  staff(tenantId: string, id: string): Promise<{ active: boolean; role: StaffRole; name: string; sessionVersion: number } | null>;
  /** A boolean when known without waiting (the member center's hot path). */
  shopperIsLive(tenantId: string, customerId: string, sv: unknown): boolean | Promise<boolean>;
}

const sv = (claim: unknown) => (typeof claim === 'number' ? claim : 0);

/**
 * Reads `Authorization: Bearer <token>` (staff or shopper) or `X-Api-Key` (shop platforms) and sets
 * ctx.state.principal. A token is a principal only while its session is live: signed by one of our
 * secrets, unexpired by `now`, and its staff member or shopper still holding the session version it
 * carries (sign-out, deactivation, a password or role change, erasure end it). Refusing is the route's
 * job: routes declare who may call them, and a caller without a principal gets 401.
 */
export function authMiddleware(keys: TokenKeys, defaultTenant: string, resolveApiKey: IntegrationKeyResolver, now: () => Date, sessions: SessionChecks) {
  const verify = tokenVerifier(keys);
  return async (ctx: Context, next: Next) => {
    ctx.state.tenantId = defaultTenant;
    const header = ctx.get('authorization');
    if (header.startsWith('Bearer ')) {
      const token = header.slice(7).trim();
      const at = now().getTime();
      // Remembered tokens and cached sessions are answered without an await: this runs on every request.
      const payload = verify.peek(token, at) ?? (await verify(token, at));
      if (payload?.k === 'staff' && (STAFF_ROLES as readonly string[]).includes(String(payload.role))) {
        const staff = await sessions.staff(payload.t, payload.sub);
        if (staff?.active && staff.sessionVersion === sv(payload.sv)) {
          ctx.state.principal = { kind: 'staff', id: payload.sub, tenantId: payload.t, role: staff.role, name: staff.name } satisfies Principal;
        }
      } else if (payload?.k === 'shopper') {
        const live = sessions.shopperIsLive(payload.t, payload.sub, payload.sv);
        if (live === true || (live !== false && (await live)))
          ctx.state.principal = { kind: 'shopper', customerId: payload.sub, tenantId: payload.t } satisfies Principal;
      }
    } else {
      const key = ctx.get('x-api-key');
      if (key) ctx.state.principal = (await resolveApiKey(key)) ?? undefined;
    }
    await next();
  };
}
