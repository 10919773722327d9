import { startTestApp, type TestApp } from '../../support/harness.js';
import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';
import { wecomPlugin } from '../../../server/src/wecom/wecom.plugin.js';
import type { StaffRole } from '../../../server/src/shared/http/principal.js';

/** Our server (with its worker) wired to a fresh local WeCom, as in production but on loopback. */
export interface WecomTestbed {
  app: TestApp;
  fake: FakeWecom;
  tenantId: string;
  /** A staff account linked to a WeCom userid (which the fake corp also knows). */
  staff(wecomUserId: string, role?: StaffRole, name?: string): Promise<{ id: string; token: string }>;
  stop(): Promise<void>;
}

export async function startWecomTestbed(options: { env?: Record<string, string>; now?: () => Date } = {}): Promise<WecomTestbed> {
  const fake = await startFakeWecom();
  const app = await startTestApp({ env: { ...fake.env(), ROLES: 'server,worker', ...options.env }, plugins: [wecomPlugin()], now: options.now });
  fake.setCallbackUrl(`${app.url}/wecom/callback`);
  const tenantId = app.config.DEFAULT_TENANT;
  let n = 0;
  return {
    app,
    fake,
    tenantId,
    async staff(wecomUserId, role = 'sales', name) {
      fake.corp.addStaff(wecomUserId, name ?? wecomUserId);
      const username = `${wecomUserId}_${++n}`;
      const s = app.rt.services.staff;
      const created = await s.create(tenantId, { username, name: name ?? wecomUserId, role, password: 'harbor-kettle-2026', wecomUserId });
      const { token } = await s.login(tenantId, username, 'harbor-kettle-2026');
      return { id: created.id, token };
    },
    async stop() {
      await app.stop();
      await fake.stop();
    },
  };
}

/** Polls until `fn` stops throwing (the worker processes callbacks asynchronously). */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
