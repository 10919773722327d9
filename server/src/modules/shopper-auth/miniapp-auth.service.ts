import type { Deps } from '../../shared/deps.js';
import { AppError } from '../../shared/app-error.js';
import { hitRateLimit } from '../../shared/rate-limit.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { MiniappConsentService } from '../../wechat/miniapp-consent.service.js';
import type { WechatClient } from '../../wechat/wechat.client.js';
import { WechatErrcode, WechatErrorCode, isWechatErrcode } from '../../wechat/wechat.exception.js';

/** Bumped when the phone-binding consent text shown in the mini-app changes. */
export const PHONE_POLICY_VERSION = 'phone-2026-11';
export const LOGIN_PER_MINUTE = 120;

export interface ShopperSession {
  token: string;
  expiresAt: Date;
  customerId: string;
}

/**
 * Mini-app sign-in: a `wx.login` code becomes the same shopper profile the H5 member center uses. The
 * openid is scoped to the mini-app's appId; the unionid (present when the app is bound to the brand's
 * open-platform account) is what links it to the profile the official account, WeCom or the H5 made,
 * and customers.identify merges them.
 */
export class MiniappAuthService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WechatClient,
    private readonly customers: CustomerService,
    private readonly consents: MiniappConsentService,
  ) {}

  async login(tenantId: string, code: string, ip: string): Promise<ShopperSession & { phoneBound: boolean }> {
    // Every attempt costs a jscode2session call against the app's quota; phones share carrier NAT
    // addresses, so the limit per address is generous. A shopper signing in is cheap: fail open.
    await hitRateLimit(this.deps.redis, `miniapp-login:${tenantId}:${ip}`, LOGIN_PER_MINUTE, 60, {
      failOpen: true,
      message: 'Too many sign-ins from this network; wait a minute and try again',
    });
    let session;
    try {
      session = await this.client.code2Session(code);
    } catch (err) {
      if (isWechatErrcode(err, WechatErrcode.INVALID_CODE, WechatErrcode.CODE_BEEN_USED)) {
        throw new AppError(
          WechatErrorCode.CODE_REJECTED,
          'WeChat rejected the login code (expired or already used): call wx.login again and send the new code',
          { status: 401 },
        );
      }
      throw err;
    }
    const customerId = await this.customers.identify(
      tenantId,
      { openId: session.openid, appId: this.client.appId, unionId: session.unionid },
      { sourceChannel: 'miniapp' },
      'miniapp',
    );
    const customer = await this.customers.get(tenantId, customerId);
    return { ...(await this.customers.sessions.issue(tenantId, String(customer._id))), phoneBound: !!customer.phone };
  }

  /**
   * Binds the number the shopper chose in WeChat's phone sheet. The consent flag is the shopper's tick
   * next to our policy text; WeChat's own sheet is their choice of number. A number already on another
   * profile (a shop member, an H5 sign-up) proves they are one person, so identify merges them.
   */
  async bindPhone(tenantId: string, customerId: string, code: string): Promise<ShopperSession & { phone: string }> {
    await hitRateLimit(this.deps.redis, `miniapp-phone:${tenantId}:${customerId}`, 10, 600, {
      failOpen: true,
      message: 'Too many phone binding attempts; wait ten minutes and try again',
    });
    const customer = await this.customers.get(tenantId, customerId);
    const own = customer.identities?.find((i) => i.type === 'openId' && i.appId === this.client.appId);
    if (!own?.value)
      throw new AppError('MINIAPP_SIGN_IN_REQUIRED', 'Sign in through the mini-app first: a phone number from WeChat can only be bound to a mini-app sign-in', {
        status: 409,
      });
    let info;
    try {
      info = await this.client.getUserPhoneNumber(code);
    } catch (err) {
      if (isWechatErrcode(err, WechatErrcode.INVALID_CODE, WechatErrcode.CODE_BEEN_USED)) {
        throw new AppError(WechatErrorCode.CODE_REJECTED, 'WeChat rejected the phone number code (expired or already used): tap the button again', {
          status: 400,
        });
      }
      throw err;
    }
    const phone = info.countryCode === '86' || !info.countryCode ? info.purePhoneNumber : `+${info.countryCode}${info.purePhoneNumber}`;
    const id = await this.customers.identify(tenantId, { openId: own.value, appId: this.client.appId, phone }, {}, 'miniapp');
    await this.recordConsent(tenantId, id);
    return { ...(await this.customers.sessions.issue(tenantId, id)), phone };
  }

  private async recordConsent(tenantId: string, customerId: string): Promise<void> {
    await this.consents.recordPhoneConsent(tenantId, customerId, PHONE_POLICY_VERSION, this.deps.now());
  }
}
