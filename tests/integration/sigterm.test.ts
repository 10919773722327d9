import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePort } from '../../scripts/embedded/embedded-mongo.js';
import { testDatabaseUri } from '../support/harness.js';

/**
 * The production entry (server/src/main.ts) as a process manager runs it: on SIGTERM it stops taking
 * work, releases its job locks and exits 0 — so a rolling deploy leaves no job locked for its lock
 * lifetime and no process lingering.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

test('on SIGTERM the server stops, leaves no Agenda job locked, and exits 0', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    APP_SECRET: 'sigterm-test-secret-0123456789abcdef',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ROLES: 'server,worker',
    MONGODB_URI: testDatabaseUri(),
    REDIS_URL: process.env.REDIS_URL ?? '',
    JOBS_PROCESS_EVERY_MS: '200',
  };
  child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  expect(await until(async () => (await fetch(`${url}/readyz`)).status === 200, 40_000)).toBe(true);

  // Let the worker pick up its recurring jobs (they lock while they run).
  const db = new MongoClient(env.MONGODB_URI);
  await db.connect();
  const jobs = db.db().collection('agenda_jobs');
  expect(await until(async () => (await jobs.countDocuments({})) > 5, 20_000)).toBe(true);
  child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
  if (code !== 0) console.error(stderr);
  expect(code).toBe(0);
  // Nothing listens any more.
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  expect(await jobs.countDocuments({ lockedAt: { $ne: null } })).toBe(0);
  await db.close();
}, 60_000);
