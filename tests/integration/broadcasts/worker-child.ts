/**
 * A worker process on its own (ROLES=worker), configured entirely from the environment, as in
 * production. The crash test starts it, kills it with SIGKILL midway through a campaign, and
 * starts another.
 */
import { loadConfig } from '../../../server/src/config/env.js';
import { startRuntime } from '../../../server/src/runtime.js';

// The test holds our stdin open; when it ends (the test finished, crashed or was killed) we go too,
// so no worker outlives its test run.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();

const config = loadConfig(process.env);
await startRuntime(config, []);
process.stdout.write('worker ready\n');
