/** Who is calling. Staff roles, a shopper (own data only), or a shop-platform integration key. */
export const STAFF_ROLES = ['admin', 'community_manager', 'sales', 'agent'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type Principal =
  | { kind: 'staff'; id: string; tenantId: string; role: StaffRole; name: string }
  | { kind: 'shopper'; customerId: string; tenantId: string }
  | { kind: 'integration'; id: string; tenantId: string };

/** Who may call a route: 'public', or any mix of staff roles, 'shopper' and 'integration'. */
export type Audience = StaffRole | 'shopper' | 'integration';
export type Allow = 'public' | readonly Audience[];

export function principalAudience(p: Principal): Audience {
  return p.kind === 'staff' ? p.role : p.kind;
}

/** Admins may do everything staff may do; other roles only what the route names. */
export function isAllowed(allow: Allow, p: Principal | undefined): boolean {
  if (allow === 'public') return true;
  if (!p) return false;
  if (p.kind === 'staff' && p.role === 'admin') return allow.some((a) => (STAFF_ROLES as readonly string[]).includes(a));
  return allow.includes(principalAudience(p));
}
