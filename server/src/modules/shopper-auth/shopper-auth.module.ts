import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { Miniapp } from '../../wechat/wechat.adapter.js';
import { MiniappAuthService } from './miniapp-auth.service.js';
import { authorizeUrl, exchangeCode, wechatOAuthEnabled } from './shopper-wechat-auth.js';
import { miniappAuthRoutes, shopperAuthRoutes, type ShopperAuthRouteApis } from './shopper-auth.routes.js';

/**
 * How a shopper signs in, in one place: the H5 member center's WeChat OAuth (snsapi_base), the
 * mini-app's wx.login code (code2Session) and phone binding, the demo sign-in, and sign-out. Each ends
 * in a shopper session from `customers.sessions` (issued, versioned and revoked there, where the
 * request's token is resolved). `miniapp` is the WeChat mini-app adapter, for its client.
 */
export function createShopperAuth(deps: Deps, ports: { customers: CustomerService; miniapp: Miniapp }) {
  const { config } = deps;
  return {
    miniapp: new MiniappAuthService(deps, ports.miniapp.client, ports.customers, ports.miniapp.consents),
    wechat: {
      enabled: () => wechatOAuthEnabled(config),
      authorizeUrl: (redirectUri: string, state: string) => authorizeUrl(config, redirectUri, state),
      exchangeCode: (code: string) => exchangeCode(config, code),
    },
  };
}

export type ShopperAuth = ReturnType<typeof createShopperAuth>;

export function shopperAuthManifest(shopperAuth: ShopperAuth, uses: Omit<ShopperAuthRouteApis, 'shopperAuth'>): ModuleManifest {
  const apis = { ...uses, shopperAuth };
  return { name: 'shopper-auth', routes: () => [shopperAuthRoutes(apis), miniappAuthRoutes(apis)] };
}
