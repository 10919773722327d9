import type { Deps } from '../shared/deps.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { LoyaltyService } from '../modules/loyalty/loyalty.service.js';
import { WechatClient } from './wechat.client.js';
import { MiniappConsentService } from './miniapp-consent.service.js';
import { MiniappReminderService } from './miniapp-reminder.service.js';

/** The WeChat mini-app adapter, built once in the service container: client, reminders (sign-in: modules/shopper-auth). */
export function createMiniapp(deps: Deps, m: { customers: CustomerService; loyalty: LoyaltyService }) {
  const { config } = deps;
  const client = new WechatClient({
    apiBase: config.WECHAT_API_BASE,
    appId: config.WECHAT_MINIAPP_APPID,
    secret: config.WECHAT_MINIAPP_SECRET,
    redis: deps.redis,
    log: deps.log,
  });
  return { client, reminders: new MiniappReminderService(deps, client, m), consents: new MiniappConsentService() };
}
export type Miniapp = ReturnType<typeof createMiniapp>;
