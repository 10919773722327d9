import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DemoProcess {
  url: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, as Ctrl-C or a process manager stops it; its exit code, or 'hung' if it did not exit in 30 s. */
  stop(): Promise<number | null | 'hung'>;
  /** SIGKILL, for clean-up after a failure. */
  kill(): void;
}

/**
 * Runs the demo (`npm start`'s scripts/demo.ts) in a child process on a free port and a data folder of
 * its own (so it changes nothing in the working copy), and resolves once it prints its banner. Used by
 * `npm run screenshots` and the demo's restart test.
 */
export async function startDemoProcess(options: { dataDir: string; args?: string[]; env?: Record<string, string>; startMs?: number }): Promise<DemoProcess> {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', DEMO_DATA_DIR: options.dataDir, ...options.env };
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...(options.args ?? [])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = performance.now();
  while (!/SCRM demo is running/.test(output)) {
    if (child.exitCode !== null || performance.now() - started > (options.startMs ?? 180_000)) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`the demo did not start; output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      return Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000).unref())]);
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
