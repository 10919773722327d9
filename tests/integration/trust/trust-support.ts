import { randomBytes } from 'node:crypto';
import { signToken } from '../../../server/src/shared/tokens.js';
import { realMongo, testDatabaseUri, type TestApp } from '../../support/harness.js';
import type { Who } from './access-policy.js';

/**
 * The embedded MongoDB answers the driver's streaming heartbeat in a way the driver reads as a dead
 * server, and it then clears the pool mid-test ("Server ended moreToCome unexpectedly"); polling
 * heartbeats avoid that. Real MongoDB is left on the driver's default.
 */
export function trustEnv(extra: Record<string, string> = {}): Record<string, string> {
  return realMongo ? extra : { MONGODB_URI: `${testDatabaseUri()}?serverMonitoringMode=poll`, ...extra };
}

/** How each kind of caller authenticates: a bearer token, an integration key, or nothing. */
export type Caller = { headers: Record<string, string>; id?: string };

export function shopperToken(app: TestApp, customerId: string, tenantId = app.config.DEFAULT_TENANT): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return signToken(app.config.APP_SECRET, { k: 'shopper', sub: customerId, t: tenantId, exp });
}

export async function newShopper(app: TestApp, attrs: { phone?: string; name?: string; openId?: string; tenantId?: string } = {}) {
  const tenantId = attrs.tenantId ?? app.config.DEFAULT_TENANT;
  const phone = attrs.phone ?? `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const customerId = await app.rt.services.customers.identify(tenantId, { phone }, { name: attrs.name ?? `顾客${randomBytes(2).toString('hex')}` }, 'test');
  return { customerId, phone, token: await shopperToken(app, customerId, tenantId) };
}

/** Staff of any tenant (the harness's `app.staff` only makes staff of the default tenant). */
export async function staffOf(app: TestApp, tenantId: string, role: 'admin' | 'community_manager' | 'sales' | 'agent') {
  const username = `${role}_${randomBytes(4).toString('hex')}`;
  const created = await app.rt.services.staff.create(tenantId, { username, name: `${role} of ${tenantId}`, role, password: 'harbor-kettle-2026' });
  const { token } = await app.rt.services.staff.login(tenantId, username, 'harbor-kettle-2026');
  return { id: created.id as string, token };
}

/** One caller per role of the access policy, all in the default tenant. */
export async function callersByRole(app: TestApp): Promise<Record<Who, Caller>> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const [admin, cm, sales, agent] = await Promise.all([app.staff('admin'), app.staff('community_manager'), app.staff('sales'), app.staff('agent')]);
  const shopper = await newShopper(app);
  const key = await app.rt.services.staff.createApiKey(app.config.DEFAULT_TENANT, `matrix-${randomBytes(3).toString('hex')}`);
  return {
    admin: { headers: bearer(admin.token), id: admin.id },
    community_manager: { headers: bearer(cm.token), id: cm.id },
    sales: { headers: bearer(sales.token), id: sales.id },
    agent: { headers: bearer(agent.token), id: agent.id },
    shopper: { headers: bearer(shopper.token), id: shopper.customerId },
    integration: { headers: { 'x-api-key': key.key }, id: key.id },
    anonymous: { headers: {} },
  };
}

/**
 * A request that gives up after `timeoutMs` and never waits for a streaming body (server-sent
 * events): the status line is what the authorisation and fuzz tests judge.
 */
export async function rawRequest(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Uint8Array; contentType?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: any; text: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000);
  try {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const res = await fetch(url + path, { method: method.toUpperCase(), headers, body: options.body, signal: controller.signal });
    if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      controller.abort();
      return { status: res.status, body: undefined, text: '' };
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text };
  } finally {
    clearTimeout(timer);
  }
}

/** A concrete path for a route pattern: every `:param` replaced by a well-formed id that exists nowhere. */
export function concretePath(pattern: string, values: Record<string, string> = {}): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => values[name] ?? (name === 'code' ? 'NO-SUCH-CODE' : 'aaaaaaaaaaaaaaaaaaaaaaaa'));
}
