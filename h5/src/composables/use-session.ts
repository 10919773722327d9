import { computed, ref, type Ref } from 'vue';
import { beforeNextCall, createApi, type ApiClient } from '../api/http';

/**
 * A signed-in session per audience. Staff (sidebar, console) and shoppers (member center) keep
 * separate tokens so a sales member testing the member center on the same phone never mixes them.
 * Tokens live in localStorage: WeCom's and WeChat's webviews keep it across page reloads.
 */
export type Audience = 'staff' | 'shopper';

export interface StaffInfo {
  id: string;
  name: string;
  role: 'admin' | 'community_manager' | 'sales' | 'agent';
  username?: string;
  /** The brand the account belongs to (the console's top bar). */
  tenantId?: string;
}

interface Session {
  token: Ref<string | null>;
  staff: Ref<StaffInfo | null>;
  signedIn: Ref<boolean>;
  api: ApiClient;
  signIn(token: string, staff?: StaffInfo | null): void;
  signOut(): void;
}

const sessions = new Map<Audience, Session>();

function storageKey(audience: Audience) {
  return `scrm.${audience}.session`;
}

function read(audience: Audience): { token: string | null; staff: StaffInfo | null } {
  try {
    const raw = localStorage.getItem(storageKey(audience));
    if (!raw) return { token: null, staff: null };
    const parsed = JSON.parse(raw) as { token?: string; staff?: StaffInfo; exp?: number };
    if (parsed.exp && parsed.exp * 1000 < Date.now()) return { token: null, staff: null };
    return { token: parsed.token ?? null, staff: parsed.staff ?? null };
  } catch {
    return { token: null, staff: null };
  }
}

/** The token's own expiry, read without verifying (the server verifies); used to drop stale sessions. */
function tokenExpiry(token: string): number | undefined {
  try {
    const body = token.split('.')[1] ?? '';
    const json = JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return json.exp;
  } catch {
    return undefined;
  }
}

export function useSession(audience: Audience): Session {
  const existing = sessions.get(audience);
  if (existing) return existing;
  const saved = read(audience);
  const token = ref<string | null>(saved.token);
  const staff = ref<StaffInfo | null>(saved.staff);
  const session: Session = {
    token,
    staff,
    signedIn: computed(() => !!token.value),
    api: createApi(
      () => token.value,
      () => session.signOut(),
    ),
    signIn(t, s = null) {
      token.value = t;
      staff.value = s;
      localStorage.setItem(storageKey(audience), JSON.stringify({ token: t, staff: s, exp: tokenExpiry(t) }));
    },
    signOut() {
      const ended = token.value;
      token.value = null;
      staff.value = null;
      localStorage.removeItem(storageKey(audience));
      // End the session on the server too (every device of the account), so the token is worthless if
      // copied. The page does not wait; the next API call does (a sign-in must not be ended by it), and a
      // refusal (the token was already revoked or expired) changes nothing.
      const url = audience === 'staff' ? '/api/v1/auth/logout' : '/api/v1/auth/shopper/logout';
      if (ended) beforeNextCall(fetch(url, { method: 'POST', headers: { authorization: `Bearer ${ended}` } }));
    },
  };
  sessions.set(audience, session);
  return session;
}
