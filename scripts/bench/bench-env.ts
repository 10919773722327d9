import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import type { mock } from 'wechaty-puppet-mock';
import { loadConfig, type Config } from '../../server/src/config/env.js';
import { startRuntime, type Runtime, type RuntimePlugin } from '../../server/src/runtime.js';
import { createLogger } from '../../server/src/shared/logger.js';
import { startLocalRedis } from '../lib/redis-server.js';

/**
 * Where a benchmark runs: the embedded defaults (embedded MongoDB in a child process, Debian's
 * redis-server) unless MONGODB_URI / REDIS_URL are given. Each scenario gets a database of its own,
 * dropped before use, and a raw driver connection to the same server for its baseline.
 */
export interface Backends {
  backend: 'embedded' | 'mongodb';
  mongoBase: string;
  redisUrl: string;
  mongoChild?: ChildProcess;
  stop(): Promise<void>;
}

export const BENCH_TENANT = 'bench-brand';
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789';

export async function startBackends(): Promise<Backends> {
  const cleanups: Array<() => Promise<void>> = [];
  let mongoBase = process.env.MONGODB_URI;
  let mongoChild: ChildProcess | undefined;
  if (!mongoBase) {
    const child = spawn(process.execPath, [...mongoChildFlags(), '--import', 'tsx', fileURLToPath(new URL('./embedded-mongo-child.ts', import.meta.url))], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    mongoChild = child;
    mongoBase = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the embedded MongoDB did not start within 30 s')), 30_000);
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line).uri as string);
      });
      child.once('exit', (code) => reject(new Error(`the embedded MongoDB exited with code ${code}`)));
    });
    // The embedded server does not speak the driver's streaming heartbeat (exhaust "moreToCome"):
    // after ~10 s the monitor fails, the driver clears the pool and in-flight requests fail with 503.
    // Polling heartbeats avoid that; a real mongod keeps the default.
    mongoBase += (mongoBase.includes('?') ? '&' : '?') + 'serverMonitoringMode=poll';
    child.stdout!.resume();
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    );
  }
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const redis = await startLocalRedis();
    redisUrl = redis.url;
    cleanups.push(() => redis.stop());
  }
  return {
    backend: process.env.MONGODB_URI ? 'mongodb' : 'embedded',
    mongoBase,
    redisUrl,
    mongoChild,
    async stop() {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
    },
  };
}

/** `BENCH_PROFILE_DB=1` profiles the embedded MongoDB too (its .cpuprofile lands in scripts/bench/profiles/embedded-mongo). */
function mongoChildFlags(): string[] {
  return process.env.BENCH_PROFILE_DB === '1' ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('./profiles/embedded-mongo', import.meta.url))}`] : [];
}

/** The same server, another database. */
export function databaseUri(base: string, dbName: string): string {
  const m = base.match(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/);
  if (!m) throw new Error(`MONGODB_URI is not a MongoDB URI: ${base}`);
  return `${m[1]}/${dbName}${m[2] ?? ''}`;
}

export interface BenchApp {
  rt: Runtime;
  url: string;
  config: Config;
  /** A raw driver connection to the scenario's database (the baseline's path). */
  raw: mongoose.mongo.Db;
  rawClient: mongoose.mongo.MongoClient;
  stop(): Promise<void>;
}

/** Starts the product (server role only; scenarios drive jobs themselves) on a fresh database. */
export async function startBenchApp(b: Backends, dbName: string, options: { env?: Record<string, string>; plugins?: RuntimePlugin[] } = {}): Promise<BenchApp> {
  const uri = databaseUri(b.mongoBase, dbName);
  const rawClient = await new mongoose.mongo.MongoClient(uri, { maxPoolSize: 20 }).connect();
  const raw = rawClient.db();
  await raw.dropDatabase();
  const config = loadConfig({
    NODE_ENV: 'development',
    PORT: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    ROLES: 'server',
    MONGODB_URI: uri,
    REDIS_URL: b.redisUrl,
    APP_SECRET: BENCH_SECRET,
    DEFAULT_TENANT: BENCH_TENANT,
    ...options.env,
  });
  const rt = await startRuntime(config, options.plugins ?? [], { log: createLogger(config.LOG_LEVEL) });
  return {
    rt,
    url: rt.url!,
    config,
    raw,
    rawClient,
    async stop() {
      await rt.stop();
      await rawClient.close();
    },
  };
}

/** JSON over fetch with a keep-alive agent (Node's default), failing loudly on an unexpected status. */
export async function http<T = unknown>(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown; expect?: number[] } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  const parsed: T = text ? JSON.parse(text) : undefined;
  if (options.expect && !options.expect.includes(res.status)) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, body: parsed };
}

/**
 * A mock contact hearing what is said to it. wechaty-puppet-mock declares its `message` event through
 * typed-emitter, whose default export does not resolve under NodeNext, so `on` is missing from its type.
 */
export type HearingContact = mock.ContactMock & { on(event: 'message', listener: (message: mock.MessageMock) => void): unknown };
