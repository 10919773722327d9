import { createHash } from 'node:crypto';
import type { Redis } from '../shared/redis.js';
import type { Logger } from '../shared/logger.js';
import { RedisTokenCache } from '../wecom/wecom-token-cache.js';
import { WechatApiError, WechatErrcode, wechatNotConfigured, wechatUnreachable } from './wechat.exception.js';
import { fetchTencentJson } from '../shared/tencent-http.js';

export interface WechatClientOptions {
  apiBase: string;
  appId: string;
  secret: string;
  redis: Redis;
  log?: Logger;
  timeoutMs?: number;
}

interface Base {
  errcode?: number;
  errmsg?: string;
}

export interface Code2Session {
  openid: string;
  unionid?: string;
}

export interface PhoneInfo {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

export interface SubscribeMessage {
  touser: string;
  template_id: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogram_state?: 'developer' | 'trial' | 'formal';
  lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
}

type Query = Record<string, string | undefined>;

/**
 * The mini-program's side of WeChat's server API (api.weixin.qq.com): login code exchange, phone
 * number by code, subscribe messages. The access token is cached in Redis and refreshed once under
 * concurrency (shared with the WeCom client's cache), and a 40001/40014/42001 refreshes it and retries
 * once. `session_key` is never returned to callers: nothing here needs it, so nothing can leak it.
 */
export class WechatClient {
  private readonly base: string;
  private readonly token: RedisTokenCache;

  constructor(private readonly o: WechatClientOptions) {
    this.base = o.apiBase.endsWith('/') ? o.apiBase : `${o.apiBase}/`;
    const scope = `wechat:${o.appId}:${createHash('sha256').update(o.secret).digest('hex').slice(0, 12)}`;
    this.token = new RedisTokenCache(o.redis, `${scope}:access_token`, async () => {
      const r = await this.call<Base & { access_token: string; expires_in: number }>('GET', 'cgi-bin/token', {
        auth: false,
        query: { grant_type: 'client_credential', appid: o.appId, secret: o.secret },
      });
      return { value: r.access_token, expiresIn: r.expires_in };
    });
  }

  get appId(): string {
    return this.o.appId;
  }

  get configured(): boolean {
    return !!(this.o.appId && this.o.secret);
  }

  /** `wx.login` code → openid (and unionid when the app is bound to an open-platform account). */
  async code2Session(code: string): Promise<Code2Session> {
    const r = await this.call<Base & { openid: string; unionid?: string; session_key: string }>('GET', 'sns/jscode2session', {
      auth: false,
      query: { appid: this.o.appId, secret: this.o.secret, js_code: code, grant_type: 'authorization_code' },
    });
    return { openid: r.openid, unionid: r.unionid || undefined };
  }

  /** The `getPhoneNumber` button's code → the number the user chose to share. */
  async getUserPhoneNumber(code: string): Promise<PhoneInfo> {
    const r = await this.call<Base & { phone_info: PhoneInfo }>('POST', 'wxa/business/getuserphonenumber', { body: { code } });
    return r.phone_info;
  }

  async sendSubscribeMessage(msg: SubscribeMessage): Promise<{ msgid?: number | string }> {
    const r = await this.call<Base & { msgid?: number | string }>('POST', 'cgi-bin/message/subscribe/send', { body: msg });
    return { msgid: r.msgid };
  }

  private async call<R extends Base>(method: 'GET' | 'POST', path: string, opts: { query?: Query; body?: unknown; auth?: boolean } = {}): Promise<R> {
    if (!this.configured) throw wechatNotConfigured();
    const auth = opts.auth ?? true;
    for (let attempt = 0; ; attempt++) {
      const token = auth ? await this.token.get() : undefined;
      const json = await fetchTencentJson<R>(this.base, method, path, { query: opts.query, body: opts.body, token, timeoutMs: this.o.timeoutMs }, (err) =>
        wechatUnreachable(path, err),
      );
      const errcode = Number(json.errcode ?? 0);
      if (errcode === 0) return json;
      const stale = [WechatErrcode.INVALID_CREDENTIAL, WechatErrcode.INVALID_ACCESS_TOKEN, WechatErrcode.ACCESS_TOKEN_EXPIRED] as number[];
      if (token && attempt === 0 && stale.includes(errcode)) {
        this.o.log?.info({ path, errcode }, 'WeChat access token rejected; refreshing once');
        await this.token.invalidate(token);
        continue;
      }
      throw new WechatApiError(path, errcode, String(json.errmsg ?? ''));
    }
  }
}
