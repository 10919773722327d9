import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../server/src/config/env.js';
import { startRuntime, type Runtime, type RuntimePlugin } from '../../server/src/runtime.js';
import { createLogger } from '../../server/src/shared/logger.js';
import type { StaffRole } from '../../server/src/shared/http/principal.js';
import { embeddedMongo } from './embedded-server.js';
import { hashPassword } from '../../server/src/shared/passwords.js';
import { StaffModel } from '../../server/src/modules/staff/staff.model.js';

/** Every test account's password. */
export const TEST_PASSWORD = 'harbor-kettle-2026';
/** Its scrypt hash, computed once per file: the accounts a test sets up need no hashing of their own. */
let testPasswordHash: Promise<string> | undefined;

/** True when the run uses a real MongoDB (MONGODB_URI given) rather than the embedded server. */
export const realMongo = !embeddedMongo;

/** A database of its own for each test file, on the run's MongoDB server. */
export function testDatabaseUri(): string {
  const base = process.env.MONGODB_URI!;
  const m = base.match(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/);
  if (!m) throw new Error(`MONGODB_URI is not a MongoDB URI: ${base}`);
  return `${m[1]}/t_${randomBytes(5).toString('hex')}${m[2] ?? ''}`;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ROLES: 'server',
    MONGODB_URI: testDatabaseUri(),
    REDIS_URL: process.env.REDIS_URL,
    APP_SECRET: 'test-secret-0123456789abcdef0123456789',
    DEFAULT_TENANT: 'test-brand',
    JOBS_PROCESS_EVERY_MS: '100',
    JOBS_LOCK_LIFETIME_MS: '5000',
    // Every test signs in from 127.0.0.1, so per-address limits would carry one test's failed sign-ins
    // into the next; tests of those limits set their own values and addresses (TRUST_PROXY with
    // X-Forwarded-For).
    LOGIN_IP_FAILS_PER_HOUR: '100000',
    LOGIN_IP_FAILS_PER_DAY: '100000',
    SHOPPER_SIGN_IN_PER_MINUTE: '100000',
    // Redis commands fail after this (500 ms in production, so a frozen Redis fails fast). A test worker
    // on a loaded 2-core machine can pause longer than that between a reply's arrival and its handling,
    // failing a command Redis did answer; redis-frozen.test.ts runs with the product's bound.
    REDIS_COMMAND_TIMEOUT_MS: '5000',
    // Every answer of a route with a documented response schema is checked against it (the OpenAPI
    // document cannot drift from what the server sends): a difference answers 500 with the reason.
    API_RESPONSE_CHECK: 'true',
    ...overrides,
  });
}

export interface TestApp {
  rt: Runtime;
  url: string;
  config: Config;
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  staff(role: StaffRole, name?: string): Promise<{ id: string; token: string; username: string }>;
  /**
   * Applies every accepted event (points, aggregates, RFM, journeys), as the worker would, and returns
   * once none is left unapplied: `POST /api/v1/events` only stores and answers.
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestApp(options: { env?: Record<string, string>; plugins?: RuntimePlugin[]; now?: () => Date } = {}): Promise<TestApp> {
  // A test that drives its own clock moves it across days and months: its sessions last as long as it
  // needs (a test of expiry sets the TTLs itself), since tokens expire on the app's clock too.
  const longSessions: Record<string, string> = options.now
    ? { STAFF_TOKEN_TTL_SECONDS: String(3 * 365 * 86_400), SHOPPER_TOKEN_TTL_SECONDS: String(3 * 365 * 86_400) }
    : {};
  const config = testConfig({ ...longSessions, ...options.env });
  const rt = await startRuntime(config, options.plugins ?? [], { now: options.now, log: createLogger(config.LOG_LEVEL) });
  const url = rt.url!;
  let n = 0;
  const request: TestApp['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
  return {
    rt,
    url,
    config,
    request,
    /**
     * A staff account and a session token, set up as a fixture: stored with the test password's hash and
     * given a token as a sign-in would (the password policy, the hashing and the sign-in itself have
     * tests of their own; skipping them here saves two scrypts per account).
     */
    async staff(role, name) {
      const username = `${role}_${++n}_${randomBytes(3).toString('hex')}`;
      testPasswordHash ??= hashPassword(TEST_PASSWORD);
      const doc = await StaffModel.create({
        tenantId: config.DEFAULT_TENANT,
        username,
        name: name ?? `${role} ${n}`,
        role,
        passwordHash: await testPasswordHash,
      });
      const { token } = await rt.services.staff.issueToken(doc.toObject());
      return { id: String(doc._id), token, username };
    },
    settle: async () => {
      await rt.services.events.settle();
    },
    stop: () => rt.stop(),
  };
}

/**
 * Polls `check` every `everyMs` until it answers true or `ms` have passed; says which. A check that
 * throws fails the wait (pass `() => check().catch(() => false)` where failing to answer is expected,
 * e.g. a process still starting).
 */
export async function until(check: () => Promise<boolean>, ms: number, everyMs = 200): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}
