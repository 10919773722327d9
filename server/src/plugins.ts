import type { Config } from './config/env.js';
import type { RuntimePlugin } from './runtime.js';

/** The parts beside the core: WeCom adapter, bot, static H5. Each module adds itself here. */
export async function productionPlugins(_config: Config): Promise<RuntimePlugin[]> {
  return [];
}
