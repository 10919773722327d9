import type { Config } from './config/env.js';
import type { RuntimePlugin } from './runtime.js';
import { wecomPlugin } from './wecom/wecom.plugin.js';
import { deskRuntimePlugin } from './modules/conversations/desk.plugin.js';
import { botRuntimePlugin } from '../../bot/src/main.js';
import { staticH5Plugin } from './h5/static-h5.plugin.js';
import { wechatKfPlugin } from './modules/wechat-kf/wechat-kf.plugin.js';

/** The parts beside the core: WeCom adapter, bot, static H5. Each module adds itself here. */
export async function productionPlugins(config: Config): Promise<RuntimePlugin[]> {
  const plugins: RuntimePlugin[] = [];
  if (config.WECOM_CORP_ID) plugins.push(wecomPlugin());
  if (config.WECOM_CORP_ID && config.WECOM_KF_ENABLED) plugins.push(wechatKfPlugin());
  // The desk first, so a process stops its bot before closing the desk's Redis subscriber.
  plugins.push(deskRuntimePlugin());
  if (config.ROLES.includes('bot')) plugins.push(botRuntimePlugin());
  plugins.push(staticH5Plugin());
  return plugins;
}
