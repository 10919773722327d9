import { loadConfig } from './config/env.js';
import { startRuntime } from './runtime.js';
import { productionPlugins } from './plugins.js';

/** Production entry: every setting from the environment, real MongoDB and Redis required. */
const config = loadConfig(process.env);
const runtime = await startRuntime(config, await productionPlugins(config));

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    runtime.log.info({ signal }, 'shutting down: no new work, finishing in-flight jobs');
    await runtime.stop();
    process.exit(0);
  });
}
