import { loadConfig } from './config/env.js';
import { startRuntime } from './runtime.js';
import { productionPlugins } from './plugins.js';

/** A stop that takes longer than this (a job that will not finish) ends the process anyway, with code 1. */
const SHUTDOWN_GRACE_MS = 25_000;

/** Production entry: every setting from the environment, real MongoDB and Redis required. */
const config = loadConfig(process.env);
const starting = startRuntime(config, await productionPlugins(config));

// The handlers are in place before anything starts: a SIGTERM that arrives while the worker is still
// starting (the server already answers /readyz) waits for the start, then stops what was started,
// instead of killing the process with jobs locked.
let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    process.stderr.write(`shutdown: still stopping after ${SHUTDOWN_GRACE_MS} ms, exiting\n`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
  try {
    const runtime = await starting;
    runtime.log.info({ signal }, 'shutting down: no new work, finishing in-flight jobs');
    await runtime.stop();
    process.exit(0);
  } catch (err) {
    process.stderr.write(`shutdown failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  }
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));

await starting.catch((err: unknown) => {
  process.stderr.write(`start failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
