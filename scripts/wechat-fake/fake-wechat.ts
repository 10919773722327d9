import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readJsonRequest, sendJson } from '../lib/json-http.js';

/**
 * The local WeChat for the mini-app: the same paths, JSON shapes and errcodes as
 * https://api.weixin.qq.com/ for what our server calls (cgi-bin/token, sns/jscode2session,
 * wxa/business/getuserphonenumber, cgi-bin/message/subscribe/send), plus what happens on the phone:
 * `wx.login` hands out a one-time code, the getPhoneNumber button a phone code, and each accept in
 * `wx.requestSubscribeMessage` one message of quota. Used by the tests; in the style of scripts/wecom-fake.
 */
export interface FakeWechatUser {
  openid: string;
  unionid?: string;
  phone?: string;
  countryCode?: string;
}

export interface SentMessage {
  touser: string;
  template_id: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogram_state?: string;
  msgid: number;
}

type Json = Record<string, unknown>;
const rid = () => `rid: ${randomBytes(6).toString('hex')}`;
const err = (errcode: number, errmsg: string) => ({ errcode, errmsg: `${errmsg} ${rid()}` });

export class FakeWechat {
  url = '';
  readonly users = new Map<string, FakeWechatUser>();
  readonly calls: Array<{ method: string; path: string; query: Record<string, string>; body: Json }> = [];
  readonly sent: SentMessage[] = [];
  private readonly loginCodes = new Map<string, { openid: string; used: boolean }>();
  private readonly phoneCodes = new Map<string, { openid: string; used: boolean }>();
  private readonly quota = new Map<string, number>();
  private readonly tokens = new Set<string>();
  private readonly faults = new Map<string, { errcode?: number; errmsg?: string; httpStatus?: number }>();
  private server?: Server;
  private msgid = 2_000_000;

  constructor(
    readonly appId = 'wxdemominiapp0001',
    readonly secret = 'demo-miniapp-secret',
  ) {}

  /** What our server's WECHAT_* settings should be. */
  env(): Record<string, string> {
    return { WECHAT_API_BASE: `${this.url}/`, WECHAT_MINIAPP_APPID: this.appId, WECHAT_MINIAPP_SECRET: this.secret };
  }

  // ── what happens on the shopper's phone ────────────────────────────────────────────────────
  /** A WeChat user who opens the mini-app; unionid set when the app is bound to the brand's open platform. */
  user(u: { unionid?: string; phone?: string; countryCode?: string } = {}): FakeWechatUser {
    const user = { openid: `o${randomBytes(13).toString('base64url')}`, ...u };
    this.users.set(user.openid, user);
    return user;
  }

  /** `wx.login()` → the code the mini-app sends to our server (valid once). */
  loginCode(openid: string): string {
    const code = randomBytes(16).toString('hex');
    this.loginCodes.set(code, { openid, used: false });
    return code;
  }

  /** The getPhoneNumber button, after the user picks their number → `e.detail.code` (valid once). */
  phoneCode(openid: string): string {
    const code = randomBytes(16).toString('hex');
    this.phoneCodes.set(code, { openid, used: false });
    return code;
  }

  /** The user taps 允许 for a template in `wx.requestSubscribeMessage`: one message may be sent. */
  acceptSubscription(openid: string, templateId: string): void {
    const k = `${openid}\u0000${templateId}`;
    this.quota.set(k, (this.quota.get(k) ?? 0) + 1);
  }

  /** The next call to `path` answers with this errcode (or HTTP status) instead. */
  failNext(path: string, fault: { errcode?: number; errmsg?: string; httpStatus?: number }): void {
    this.faults.set(path, fault);
  }

  callsTo(path: string) {
    return this.calls.filter((c) => c.path === path);
  }

  // ── WeChat's server API ────────────────────────────────────────────────────────────────────
  private handle(method: string, path: string, q: Record<string, string>, body: Json): Json {
    if (method === 'GET' && path === 'cgi-bin/token') {
      if (q.grant_type !== 'client_credential') return err(40002, 'invalid grant_type');
      if (q.appid !== this.appId) return err(40013, 'invalid appid');
      if (q.secret !== this.secret) return err(40125, 'invalid appsecret');
      const token = `ACCESS_${randomBytes(12).toString('hex')}`;
      this.tokens.add(token);
      return { access_token: token, expires_in: 7200 };
    }
    if (method === 'GET' && path === 'sns/jscode2session') {
      if (q.appid !== this.appId) return err(40013, 'invalid appid');
      if (q.secret !== this.secret) return err(40125, 'invalid appsecret');
      if (q.grant_type !== 'authorization_code') return err(40002, 'invalid grant_type');
      const c = this.loginCodes.get(q.js_code ?? '');
      if (!c) return err(40029, 'invalid code');
      if (c.used) return err(40163, 'code been used');
      c.used = true;
      const u = this.users.get(c.openid)!;
      return { session_key: randomBytes(16).toString('base64'), openid: u.openid, ...(u.unionid ? { unionid: u.unionid } : {}) };
    }
    if (!this.tokens.has(q.access_token ?? '')) return err(40001, 'invalid credential, access_token is invalid or not latest');
    if (method === 'POST' && path === 'wxa/business/getuserphonenumber') {
      const c = this.phoneCodes.get(String(body.code ?? ''));
      if (!c || c.used) return err(40029, 'invalid code');
      c.used = true;
      const u = this.users.get(c.openid)!;
      if (!u.phone) return err(40029, 'invalid code');
      const cc = u.countryCode ?? '86';
      return {
        errcode: 0,
        errmsg: 'ok',
        phone_info: {
          phoneNumber: cc === '86' ? u.phone : `+${cc}${u.phone}`,
          purePhoneNumber: u.phone,
          countryCode: cc,
          watermark: { timestamp: Math.floor(Date.now() / 1000), appid: this.appId },
        },
      };
    }
    if (method === 'POST' && path === 'cgi-bin/message/subscribe/send') {
      if (!this.users.has(String(body.touser ?? ''))) return err(40003, 'invalid openid');
      if (!body.template_id) return err(40037, 'invalid template_id');
      if (!body.data || typeof body.data !== 'object') return err(47003, 'argument invalid! data.thing1.value invalid');
      const k = `${body.touser}\u0000${body.template_id}`;
      const left = this.quota.get(k) ?? 0;
      if (left <= 0) return err(43101, 'user refuse to accept the msg');
      this.quota.set(k, left - 1);
      const msgid = ++this.msgid;
      // The fields as the doc describes them (subscribeMessage.send); the checks above refused what WeChat refuses.
      const message = body as Omit<SentMessage, 'msgid'>;
      this.sent.push({
        touser: message.touser,
        template_id: message.template_id,
        page: message.page,
        data: message.data,
        miniprogram_state: message.miniprogram_state,
        msgid,
      });
      return { errcode: 0, errmsg: 'ok', msgid };
    }
    return err(-1, `fake WeChat: no such API ${method} ${path}`);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = createServer(async (req, res) => {
      const { url: u, body } = await readJsonRequest(req);
      const send = (status: number, json: unknown) => sendJson(res, status, json);
      const path = u.pathname.replace(/^\//, '');
      const query = Object.fromEntries(u.searchParams);
      this.calls.push({ method: req.method ?? 'GET', path, query, body });
      const fault = this.faults.get(path);
      if (fault) {
        this.faults.delete(path);
        return fault.httpStatus ? send(fault.httpStatus, { error: 'injected' }) : send(200, err(fault.errcode ?? -1, fault.errmsg ?? 'system error'));
      }
      send(200, this.handle(req.method ?? 'GET', path, query, body));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.url = `http://${host}:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

export async function startFakeWechat(appId?: string, secret?: string): Promise<FakeWechat> {
  return new FakeWechat(appId, secret).listen();
}
