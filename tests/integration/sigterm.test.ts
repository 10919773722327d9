import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePort } from '../../scripts/lib/free-port.js';
import { testDatabaseUri, until } from '../support/harness.js';

/**
 * The production entry (server/src/main.ts) as a process manager runs it: on SIGTERM it stops taking
 * work, releases its job locks and exits 0 — so a rolling deploy leaves no job locked for its lock
 * lifetime and no process lingering.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts server/src/main.ts with a production environment; resolves once /readyz answers 200. */
async function startProduction() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const mongoUri = testDatabaseUri();
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    APP_SECRET: 'sigterm-test-secret-0123456789abcdef',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ROLES: 'server,worker',
    MONGODB_URI: mongoUri,
    REDIS_URL: process.env.REDIS_URL ?? '',
    JOBS_PROCESS_EVERY_MS: '200',
  };
  const { terminate } = spawnEntry('server/src/main.ts', env);
  expect(
    await until(
      () =>
        fetch(`${url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      40_000,
      100,
    ),
  ).toBe(true);
  return { url, mongoUri, terminate };
}

/** Runs an entry script as `node --import tsx <script>`, collecting its output. */
function spawnEntry(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  /** Sends SIGTERM; the exit code, or 'hung' after 30 s. The process's own output is printed when it is not 0. */
  const terminate = async () => {
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 30_000)));
    // The 30 s wait ends with the process: left running, it held Jest 30 s past the file's end.
    const code = await Promise.race([exited, hung]).finally(() => clearTimeout(timer));
    if (code !== 0) console.error(`exit ${code}; output:\n${output}`);
    return code;
  };
  return { output: () => output, terminate };
}

test('on SIGTERM the server stops, leaves no Agenda job locked, and exits 0', async () => {
  const { url, mongoUri, terminate } = await startProduction();
  // Let the worker pick up its recurring jobs (they lock while they run).
  const db = new MongoClient(mongoUri);
  await db.connect();
  const jobs = db.db().collection('agenda_jobs');
  expect(
    await until(
      () =>
        jobs.countDocuments({}).then(
          (n) => n > 5,
          () => false,
        ),
      20_000,
      100,
    ),
  ).toBe(true);
  expect(await terminate()).toBe(0);
  // Nothing listens any more.
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  expect(await jobs.countDocuments({ lockedAt: { $ne: null } })).toBe(0);
  await db.close();
}, 90_000);

test('a SIGTERM that arrives while the worker is still starting waits for the start, then exits 0', async () => {
  // /readyz answers as soon as the server listens, before the worker has scheduled its jobs: a
  // process manager may stop the process right then.
  const { mongoUri, terminate } = await startProduction();
  expect(await terminate()).toBe(0);
  const db = new MongoClient(mongoUri);
  await db.connect();
  expect(
    await db
      .db()
      .collection('agenda_jobs')
      .countDocuments({ lockedAt: { $ne: null } }),
  ).toBe(0);
  await db.close();
}, 90_000);

test('npm start stopped while it is still seeding the demo exits 0 and leaves no redis-server behind', async () => {
  // Ctrl-C (or a stop) during the first start, while ~2,000 demo customers are being written: the
  // redis-server the demo started for itself must go with it.
  const port = await freePort();
  // A data folder of its own: the working copy's `.data/demo/mongo` may hold an earlier demo's data,
  // which would be restored instead of seeded.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrm-sigterm-demo-'));
  const env = { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'info', DEMO_DATA_DIR: dataDir };
  const demo = spawnEntry('scripts/demo.ts', env);
  expect(await until(async () => /"msg":"worker started"/.test(demo.output()), 60_000, 100)).toBe(true);
  const redisPort = Number(demo.output().match(/redis-server at redis:\/\/127\.0\.0\.1:(\d+)/)![1]);
  const redisUp = () =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection(redisPort, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
  expect(await redisUp()).toBe(true);
  // No published secret: one of this machine's own, kept with the demo's data; demo sign-in is on, and says why.
  expect(demo.output()).toContain(`APP_SECRET generated and saved to ${path.join(dataDir, 'app-secret')} (mode 0600)`);
  expect(demo.output()).toMatch(/demo sign-in is ON: DEMO_MODE is on and the server listens on loopback \(127\.0\.0\.1\)/);
  expect(demo.output()).not.toMatch(/SCRM demo is running/); // still seeding
  expect(await demo.terminate()).toBe(0);
  expect(await redisUp()).toBe(false);
  // Stopped before its seed was complete, the demo kept no data: the next start seeds from scratch.
  expect(existsSync(path.join(dataDir, 'mongo'))).toBe(false);
  rmSync(dataDir, { recursive: true, force: true });
}, 90_000);
