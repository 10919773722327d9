import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { WecomCrypto } from '../../server/src/wecom/wecom-crypto.js';
import { FakeCorp, id, nowSeconds } from './fake-corp.js';
import { checkToken, FakeError, handlers } from './fake-api.js';
import { adminRoutes } from './fake-admin.js';
import { completeTransfer, refuseTransfer } from './fake-transfer.js';
import { kfDriver } from './fake-kf.js';
import { readJsonRequest, sendJson } from '../lib/json-http.js';
import QRCode from 'qrcode';
import { serveMedia } from './fake-kf.js';

/**
 * The local WeCom: WeCom's server API on node:http for our client, and a WeCom that *sends* signed,
 * encrypted callbacks to our server ("a customer scanned code X"). Used by the tests and the demo.
 */
export interface FakeWecomOptions {
  corpId?: string;
  secret?: string;
  token?: string;
  encodingAesKey?: string;
  agentId?: string;
  /** Our server's callback URL (`.../wecom/callback`); can be set later with `setCallbackUrl`. */
  callbackUrl?: string;
  port?: number;
  host?: string;
}

export interface Delivery {
  url: string;
  body: string;
  status: number;
  response: string;
}

export type EventFields = Record<string, string | number | undefined>;

export class FakeWecom {
  readonly corp: FakeCorp;
  readonly crypto: WecomCrypto;
  readonly deliveries: Delivery[] = [];
  callbackUrl?: string;
  url = '';
  private server?: Server;
  /** API requests being worked on (a slow answer included), so a test can let WeCom finish first. */
  inFlight = 0;
  private wayCursor = new Map<string, number>();

  constructor(readonly options: Required<Omit<FakeWecomOptions, 'callbackUrl' | 'port' | 'host'>> & FakeWecomOptions) {
    this.corp = new FakeCorp(options.corpId, options.secret);
    this.crypto = new WecomCrypto(options.token, options.encodingAesKey, options.corpId);
    this.callbackUrl = options.callbackUrl;
  }

  /** What our server's WECOM_API_BASE should be. */
  get apiBase(): string {
    return `${this.url}/cgi-bin/`;
  }

  /** The WECOM_* settings our server needs to talk to this corp. */
  env(): Record<string, string> {
    const o = this.options;
    return {
      WECOM_API_BASE: this.apiBase,
      WECOM_CORP_ID: o.corpId,
      WECOM_SECRET: o.secret,
      WECOM_TOKEN: o.token,
      WECOM_ENCODING_AES_KEY: o.encodingAesKey,
      WECOM_AGENT_ID: o.agentId,
    };
  }

  async listen(port = this.options.port ?? 0, host = this.options.host ?? '127.0.0.1'): Promise<this> {
    const admin = adminRoutes(this);
    this.server = createServer(async (req, res) => {
      // media/upload and media/get carry files, not JSON (fake-kf.ts).
      if (await serveMedia(this.corp, req, res, checkToken)) return;
      const { url: u, body } = await readJsonRequest(req);
      const send = (status: number, json: unknown) => sendJson(res, status, json);
      // The image behind a contact way's qr_code, as WeCom hosts one: a QR of the code's join link.
      const qr = /^\/__fake\/qr\/([^/]+)\.png$/.exec(u.pathname);
      if (qr) {
        if (!this.corp.contactWays.has(qr[1])) return send(404, { error: 'no such contact way' });
        res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'max-age=86400' });
        const png = await QRCode.toDataURL(`https://work.weixin.qq.com/ca/${qr[1]}`, { margin: 1, width: 240 });
        return res.end(Buffer.from(png.slice(png.indexOf(',') + 1), 'base64'));
      }
      if (u.pathname.startsWith('/__fake/')) {
        try {
          const out = await admin(req.method ?? 'GET', u.pathname.slice('/__fake/'.length), body, Object.fromEntries(u.searchParams));
          if (out === undefined) return send(404, { error: 'no such fake admin route' });
          return send(200, out);
        } catch (err) {
          return send(400, { error: (err as Error).message });
        }
      }
      const path = u.pathname.replace(/^\/cgi-bin\//, '');
      const query = Object.fromEntries(u.searchParams);
      this.inFlight += 1;
      res.once('close', () => (this.inFlight -= 1));
      this.corp.calls.push({ method: req.method ?? 'GET', path, query, body, at: Date.now() });
      const fault = this.corp.takeFault(path);
      // unref: a slow answer still pending must not keep a stopping test process alive.
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs).unref());
      if (fault?.httpStatus) return send(fault.httpStatus, { error: 'injected' });
      if (fault && (fault.errcode !== undefined || !fault.delayMs)) return send(200, { errcode: fault.errcode ?? -1, errmsg: fault.errmsg ?? 'system busy' });
      const handler = handlers[`${req.method} ${path}`];
      if (!handler) return send(200, { errcode: 60020, errmsg: `api not found: ${req.method} ${path}` });
      try {
        if (path !== 'gettoken') checkToken(this.corp, query.access_token);
        send(200, handler(this.corp, { query, body, base: `${this.url}/` }));
        if (this.corp.outbox.length) void this.flushOutbox();
      } catch (err) {
        if (err instanceof FakeError) return send(200, { errcode: err.errcode, errmsg: err.errmsg });
        send(200, { errcode: -1, errmsg: `system error: ${(err as Error).message}` });
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const addr = this.server.address() as { port: number };
    this.url = `http://${host}:${addr.port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  setCallbackUrl(url: string): void {
    this.callbackUrl = url;
  }

  // ── callbacks ──────────────────────────────────────────────────────────────────────────────
  /** Signs, encrypts and POSTs an event to our server, as WeCom does. `timestamp` lets tests go stale. */
  async sendEvent(fields: EventFields, opts: { timestamp?: number; receiveId?: string; token?: string } = {}): Promise<Delivery> {
    const xml = eventXml({ ToUserName: this.options.corpId, FromUserName: 'sys', CreateTime: nowSeconds(), MsgType: 'event', ...fields });
    const crypto =
      opts.receiveId || opts.token
        ? new WecomCrypto(opts.token ?? this.options.token, this.options.encodingAesKey, opts.receiveId ?? this.options.corpId)
        : this.crypto;
    const sealed = crypto.seal(xml, String(opts.timestamp ?? nowSeconds()), randomBytes(5).toString('hex'), {
      toUserName: this.options.corpId,
      agentId: this.options.agentId,
    });
    return this.deliver(`?${new URLSearchParams(sealed.query)}`, sealed.xml);
  }

  /** Callbacks caused by API calls (a group's new owner), sent after the call was answered, as WeCom does. */
  private async flushOutbox(): Promise<void> {
    for (const fields of this.corp.outbox.splice(0)) {
      if (!this.callbackUrl) continue;
      await this.sendEvent(fields).catch(() => undefined);
    }
  }

  /** Sends the exact same bytes again (WeCom's retry, or an attacker's replay). */
  redeliver(d: Delivery): Promise<Delivery> {
    return this.deliver(new URL(d.url).search, d.body);
  }

  /** The URL check WeCom makes when an admin saves the callback URL: returns what our server echoed. */
  async verifyUrl(): Promise<{ status: number; body: string; expected: string }> {
    const expected = String(Math.floor(Math.random() * 1e18));
    const ts = String(nowSeconds());
    const nonce = randomBytes(5).toString('hex');
    const echostr = this.crypto.encrypt(expected);
    const q = new URLSearchParams({ msg_signature: this.crypto.signature(ts, nonce, echostr), timestamp: ts, nonce, echostr });
    const res = await fetch(`${this.requireCallbackUrl()}?${q}`);
    return { status: res.status, body: await res.text(), expected };
  }

  private async deliver(search: string, body: string): Promise<Delivery> {
    const url = `${this.requireCallbackUrl()}${search}`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    const d = { url, body, status: res.status, response: await res.text() };
    this.deliveries.push(d);
    return d;
  }

  private requireCallbackUrl(): string {
    if (!this.callbackUrl) throw new Error('fake WeCom: no callback URL set (setCallbackUrl)');
    return this.callbackUrl;
  }

  // ── what happens in the WeCom apps ─────────────────────────────────────────────────────────
  /** A WeChat user becomes a contact of `userid` (through a contact way when `state` is set). */
  async addFriend(userid: string, customer: { name: string; unionid?: string; gender?: 0 | 1 | 2; external_userid?: string; avatar?: string }, state?: string) {
    const contact = this.corp.upsertContact({ ...customer, avatar: customer.avatar ?? `${this.url}/__fake/avatar/${encodeURIComponent(customer.name)}.png` });
    this.corp.follow(userid, contact.external_userid, { state, add_way: state ? 1 : 3, oper_userid: contact.external_userid });
    const welcomeCode = this.corp.issueWelcomeCode(userid, contact.external_userid);
    const delivery = await this.sendEvent({
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: userid,
      ExternalUserID: contact.external_userid,
      State: state,
      WelcomeCode: welcomeCode,
    });
    return { externalUserId: contact.external_userid, userid, welcomeCode, delivery };
  }

  /** A customer scans contact way `configId`: served by its staff in turn, as WeCom's multi-staff codes do. */
  async scan(configId: string, customer: { name: string; unionid?: string; gender?: 0 | 1 | 2; external_userid?: string }) {
    const way = this.corp.contactWays.get(configId);
    if (!way) throw new Error(`fake WeCom: no contact way ${configId}`);
    const users = way.user ?? [];
    const n = this.wayCursor.get(configId) ?? 0;
    this.wayCursor.set(configId, n + 1);
    return this.addFriend(users[n % users.length], customer, way.state);
  }

  async editContact(userid: string, externalUserId: string, patch: { remark?: string; description?: string; tagIds?: string[]; remark_mobiles?: string[] }) {
    this.corp.follow(userid, externalUserId, patch);
    return this.sendEvent({ Event: 'change_external_contact', ChangeType: 'edit_external_contact', UserID: userid, ExternalUserID: externalUserId });
  }

  /** The staff member deletes the customer (`del_external_contact`). */
  async staffDeletesCustomer(userid: string, externalUserId: string) {
    this.corp.contacts.get(externalUserId)?.follows.delete(userid);
    return this.sendEvent({ Event: 'change_external_contact', ChangeType: 'del_external_contact', UserID: userid, ExternalUserID: externalUserId });
  }

  /** The customer deletes the staff member (`del_follow_user`). */
  async customerDeletesStaff(userid: string, externalUserId: string) {
    this.corp.contacts.get(externalUserId)?.follows.delete(userid);
    return this.sendEvent({ Event: 'change_external_contact', ChangeType: 'del_follow_user', UserID: userid, ExternalUserID: externalUserId });
  }

  async createGroup(owner: string, name: string, externalMembers: string[] = []) {
    const chat_id = id('wr', 12);
    const at = nowSeconds();
    this.corp.groups.set(chat_id, {
      chat_id,
      name,
      owner,
      create_time: at,
      status: 0,
      admin_list: [],
      member_list: [
        { userid: owner, type: 1, join_time: at, join_scene: 1, name: this.corp.staff.get(owner)?.name },
        ...externalMembers.map((m) => ({
          userid: m,
          type: 2 as const,
          join_time: at,
          join_scene: 3,
          invitor: { userid: owner },
          name: this.corp.contacts.get(m)?.contact.name,
        })),
      ],
    });
    const delivery = await this.sendEvent({ Event: 'change_external_chat', ChangeType: 'create', ChatId: chat_id });
    return { chatId: chat_id, delivery };
  }

  async joinGroup(chatId: string, externalUserId: string) {
    const g = this.corp.groups.get(chatId);
    if (!g) throw new Error(`fake WeCom: no group ${chatId}`);
    g.member_list.push({
      userid: externalUserId,
      type: 2,
      join_time: nowSeconds(),
      join_scene: 3,
      invitor: { userid: g.owner },
      name: this.corp.contacts.get(externalUserId)?.contact.name,
    });
    return this.sendEvent({ Event: 'change_external_chat', ChangeType: 'update', ChatId: chatId, UpdateDetail: 'add_member', JoinScene: 3, MemChangeCnt: 1 });
  }

  async leaveGroup(chatId: string, memberId: string) {
    const g = this.corp.groups.get(chatId);
    if (!g) throw new Error(`fake WeCom: no group ${chatId}`);
    g.member_list = g.member_list.filter((m) => m.userid !== memberId);
    return this.sendEvent({ Event: 'change_external_chat', ChangeType: 'update', ChatId: chatId, UpdateDetail: 'del_member', QuitScene: 0, MemChangeCnt: 1 });
  }

  async dismissGroup(chatId: string) {
    this.corp.groups.delete(chatId);
    return this.sendEvent({ Event: 'change_external_chat', ChangeType: 'dismiss', ChatId: chatId });
  }

  /** An admin adds a corp tag in the WeCom admin console. */
  async adminCreatesTag(groupName: string, name: string) {
    let group = this.corp.tagGroups.find((g) => g.group_name === groupName);
    if (!group) this.corp.tagGroups.push((group = { group_id: id('et', 10), group_name: groupName, create_time: nowSeconds(), order: 0, tag: [] }));
    const tag = { id: id('et', 12), name, create_time: nowSeconds(), order: 0 };
    group.tag.push(tag);
    const delivery = await this.sendEvent({ Event: 'change_external_tag', ChangeType: 'create', Id: tag.id, TagType: 'tag' });
    return { tagId: tag.id, groupId: group.group_id, delivery };
  }

  async adminRenamesTag(tagId: string, name: string) {
    const hit = this.corp.tagById(tagId)!;
    hit.tag.name = name;
    return this.sendEvent({ Event: 'change_external_tag', ChangeType: 'update', Id: tagId, TagType: 'tag' });
  }

  async adminDeletesTag(tagId: string) {
    this.corp.deleteCorpTags([tagId]);
    return this.sendEvent({ Event: 'change_external_tag', ChangeType: 'delete', Id: tagId, TagType: 'tag' });
  }

  /**
   * A member sends a group message from their own app (个人发表: creator set, create_type 1), and it
   * is delivered at once: it counts against each customer's daily receiving limit like ours do.
   */
  memberSendsGroupMsg(userid: string, externalUserIds: string[], text: string): string {
    const t = {
      msgid: id('msg', 10),
      input: { chat_type: 'single' as const, sender: userid, external_userid: externalUserIds, text: { content: text } },
      creator: userid,
      create_type: 1 as const,
      create_time: nowSeconds(),
      tasks: new Map([[userid, { status: 0 as const }]]),
      results: externalUserIds.map((e) => ({ external_userid: e, userid, status: 0 as const })),
    };
    this.corp.msgTemplates.set(t.msgid, t);
    this.corp.confirmGroupMsg(t.msgid);
    return t.msgid;
  }

  /** A member leaves the company: their customers appear on the unassigned list (离职继承). */
  resign(userid: string, at = nowSeconds()): void {
    if (!this.corp.staff.has(userid)) throw new Error(`fake WeCom: no staff ${userid}`);
    this.corp.resigned.set(userid, at);
  }

  /** The waiting transfer of this customer completes (24 h passed): callbacks as WeCom sends them. */
  completeTransfer(externalUserId: string) {
    return completeTransfer(this, externalUserId);
  }

  /** The customer refuses the new member (or the taker is at their limit): transfer_fail. */
  refuseTransfer(externalUserId: string, reason?: 'customer_refused' | 'customer_limit_exceed') {
    return refuseTransfer(this, externalUserId, reason);
  }

  /** 微信客服: accounts, customers writing to them, servicers answering (fake-kf.ts). */
  get kf() {
    return kfDriver(this);
  }

  /** For the sidebar's OAuth: the code WeCom puts on the redirect for `userid`. */
  oauthCode(userid: string): string {
    const code = id('code_', 8);
    this.corp.oauthCodes.set(code, userid);
    return code;
  }

  /** The API calls our server made to a path, for tests. */
  callsTo(path: string) {
    return this.corp.calls.filter((c) => c.path === path);
  }
}

export function eventXml(fields: EventFields): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`));
  return `<xml>${parts.join('')}</xml>`;
}

export const DEMO_WECOM = {
  corpId: 'wwdemo0000000001',
  secret: 'demo-wecom-secret',
  token: 'demoToken123',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  agentId: '1000002',
};

export async function startFakeWecom(options: FakeWecomOptions = {}): Promise<FakeWecom> {
  const fake = new FakeWecom({ ...DEMO_WECOM, ...options });
  return fake.listen();
}
