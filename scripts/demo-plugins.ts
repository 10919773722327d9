import type { RuntimePlugin, Runtime } from '../server/src/runtime.js';
import { addWecomDemo } from './wecom-fake/demo-wecom.js';
import { addH5Demo } from './h5/demo-h5.js';
import { addBotDemo } from './desk-demo/demo-bot.js';

/**
 * The parts the demo adds beside the core, each with embedded stand-ins where production talks to
 * the outside: the local WeCom, the mock Wechaty puppet, the built H5 pages. Each module appends
 * itself here. `env` may be amended before the config is parsed (e.g. WECOM_API_BASE of the fake).
 */
export interface DemoParts {
  runtime: RuntimePlugin[];
  /** Run after the demo data is in place; `seeded` says whether it was seeded on this start. */
  afterSeed: Array<(rt: Runtime, seeded: boolean) => Promise<void>>;
  urls: Array<{ label: string; url: string }>;
}

export async function demoPlugins(env: Record<string, string | undefined>, cleanups: Array<() => Promise<void>>): Promise<DemoParts> {
  const parts: DemoParts = { runtime: [], afterSeed: [], urls: [] };
  await addWecomDemo(env, cleanups, parts);
  await addH5Demo(env, cleanups, parts);
  await addBotDemo(env, cleanups, parts);
  return parts;
}
