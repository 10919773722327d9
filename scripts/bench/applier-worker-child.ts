import { loadConfig } from '../../server/src/config/env.js';
import { startRuntime } from '../../server/src/runtime.js';
import { createLogger } from '../../server/src/shared/logger.js';

/**
 * A worker process for the ingest benchmark, as production runs it: `ROLES=worker` on the scenario's
 * database and Redis (given in the environment), applying accepted events as they are woken. Prints one
 * line when listening; stops on SIGTERM.
 */
const config = loadConfig({ ...process.env, ROLES: 'worker', PORT: '0' });
const rt = await startRuntime(config, [], { log: createLogger(config.LOG_LEVEL) });
process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\n');
process.on('SIGTERM', () => {
  void rt.stop().finally(() => process.exit(0));
});
