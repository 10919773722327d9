import type { Config } from './config/env.js';
import type { RuntimePlugin } from './runtime.js';
import { wecomPlugin } from './wecom/wecom.plugin.js';

/** The parts beside the core: WeCom adapter, bot, static H5. Each module adds itself here. */
export async function productionPlugins(config: Config): Promise<RuntimePlugin[]> {
  const plugins: RuntimePlugin[] = [];
  if (config.WECOM_CORP_ID) plugins.push(wecomPlugin());
  return plugins;
}
