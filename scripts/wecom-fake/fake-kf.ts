import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeCorp, id, nowSeconds } from './fake-corp.js';
import { badParam, fail, ok, FakeError, type Handler } from './fake-reply.js';
import type { FakeWecom } from './fake-wecom.js';
import type { KfSendBody, KfServiceStateBody, KfSyncBody } from './fake-requests.js';

/**
 * 微信客服 (WeChat Customer Service) in the local WeCom: kf accounts, WeChat customers who write to
 * them, WeCom's session states and its send window, as documented under
 * https://developer.work.weixin.qq.com/document/path/ (94638 overview, 94661 account/list, 94670
 * callback + sync_msg, 94677 send_msg, 94669 service_state, 95159 customer/batchget, 90313 errcodes).
 * A customer's message is stored in the corp's stream and announced by an encrypted
 * `kf_msg_or_event` callback carrying a fresh sync token, as WeCom does.
 */
export interface FakeKfMessage {
  msgid: string;
  open_kfid: string;
  external_userid: string;
  send_time: number;
  /** 3 the customer, 4 an event, 5 a servicer in the WeCom app */
  origin: 3 | 4 | 5;
  servicer_userid?: string;
  msgtype: string;
  text?: { content: string };
  image?: { media_id: string };
  file?: { media_id: string };
  /** doc 94670: voice in AMR (voice_format 0, the default); video as sent. */
  voice?: { media_id: string };
  video?: { media_id: string };
}

/** A 临时素材 (doc 90253): what media/upload stored, for send_msg and media/get. */
export interface FakeMedia {
  type: 'image' | 'voice' | 'video' | 'file';
  name: string;
  mime: string;
  bytes: Buffer;
  created_at: number;
}

export interface FakeKfSession {
  /** 0 未处理, 1 智能助手接待 (the API), 2 待接入池, 3 人工接待, 4 已结束/未开始 */
  state: 0 | 1 | 2 | 3 | 4;
  servicer_userid?: string;
  lastCustomerAt?: number;
  sentSinceCustomer: number;
}

export interface FakeKfCustomer {
  external_userid: string;
  nickname: string;
  avatar?: string;
  gender?: 0 | 1 | 2;
  unionid?: string;
}

export class FakeKf {
  readonly accounts = new Map<string, { open_kfid: string; name: string; avatar: string; manage_privilege: boolean }>();
  readonly customers = new Map<string, FakeKfCustomer>();
  readonly stream: FakeKfMessage[] = [];
  readonly tokens = new Map<string, { open_kfid: string; expires: number }>();
  readonly sessions = new Map<string, FakeKfSession>();
  /** What the corp sent through kf/send_msg (accepted sends only). */
  readonly sent: Array<{ msgid: string; open_kfid: string; touser: string; text: string; at: number; msgtype?: string; media_id?: string }> = [];
  /** 临时素材 by media_id (media/upload, and what customers send). */
  readonly media = new Map<string, FakeMedia>();
  /** Every successful service_state/trans. */
  readonly transitions: Array<{ open_kfid: string; external_userid: string; from: number; to: number; servicer_userid?: string }> = [];

  session(openKfId: string, externalUserId: string): FakeKfSession {
    const key = `${openKfId}\u0000${externalUserId}`;
    let s = this.sessions.get(key);
    if (!s) this.sessions.set(key, (s = { state: 4, sentSinceCustomer: 0 }));
    return s;
  }
}

const kfs = new WeakMap<FakeCorp, FakeKf>();
export function kfOf(corp: FakeCorp): FakeKf {
  let kf = kfs.get(corp);
  if (!kf) kfs.set(corp, (kf = new FakeKf()));
  return kf;
}

const WINDOW_SECONDS = 48 * 3600;
const WINDOW_SENDS = 5;
const TOKEN_SECONDS = 600;
/** A 临时素材's media_id lives 3 days (doc 90253). */
const MEDIA_SECONDS = 3 * 86400;
/** Upload limits (doc 90253): every file over 5 bytes; images JPG/PNG ≤ 10 MB, voice 2 MB, video 10 MB, files 20 MB. */
const MEDIA_LIMITS: Record<FakeMedia['type'], number> = { image: 10 << 20, voice: 2 << 20, video: 10 << 20, file: 20 << 20 };
/** Allowed service_state changes (doc 94669): 4 is final until the customer writes again. */
const NEXT: Record<number, number[]> = { 0: [1, 2, 3, 4], 1: [1, 2, 3, 4], 2: [2, 3, 4], 3: [3, 4], 4: [] };

function requireAccount(kf: FakeKf, openKfId: unknown) {
  const a = kf.accounts.get(String(openKfId ?? ''));
  if (!a) fail(95000, 'invalid open_kfid');
  return a!;
}

const cursorOf = (n: number) => Buffer.from(`kf:${n}`).toString('base64url');
function positionOf(cursor: unknown): number {
  if (!cursor) return 0;
  const m = /^kf:(\d+)$/.exec(Buffer.from(String(cursor), 'base64url').toString());
  return m ? Number(m[1]) : badParam('cursor');
}

export const kfHandlers: Record<string, Handler> = {
  // https://developer.work.weixin.qq.com/document/path/94661 (获取客服账号列表): offset, limit 1..100
  'POST kf/account/list': (corp, { body }) => {
    const offset = Number(body.offset ?? 0);
    const limit = Number(body.limit ?? 100);
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > 100) badParam('offset/limit');
    return ok({ account_list: [...kfOf(corp).accounts.values()].slice(offset, offset + limit) });
  },

  // https://developer.work.weixin.qq.com/document/path/94670 (读取消息): token from the callback (10 min,
  // 95007 when unknown or expired), cursor paging (next_cursor also when has_more is 0), limit 1..1000
  'POST kf/sync_msg': (corp, { body: raw }) => {
    const body = raw as KfSyncBody;
    const kf = kfOf(corp);
    const limit = Number(body.limit ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) badParam('limit');
    if (body.token !== undefined && body.token !== '') {
      const t = kf.tokens.get(String(body.token));
      if (!t || t.expires <= nowSeconds()) fail(95007, 'invalid msg token');
    }
    if (body.open_kfid !== undefined) requireAccount(kf, body.open_kfid);
    const mine = kf.stream.filter((m) => !body.open_kfid || m.open_kfid === body.open_kfid);
    const start = positionOf(body.cursor);
    const slice = mine.slice(start, start + limit);
    return ok({ next_cursor: cursorOf(start + slice.length), has_more: start + slice.length < mine.length ? 1 : 0, msg_list: slice });
  },

  // https://developer.work.weixin.qq.com/document/path/94677 (发送消息): only in states 0/1 (95018 otherwise),
  // within 48 h of the customer's last message (95002) and at most 5 messages after it (95001)
  'POST kf/send_msg': (corp, { body: raw }) => {
    const body = raw as KfSendBody;
    const kf = kfOf(corp);
    requireAccount(kf, body.open_kfid);
    if (!body.touser || !kf.customers.has(String(body.touser))) badParam('touser');
    // text, or image/file with the media_id of a 临时素材 (40007 when unknown or older than 3 days)
    if (body.msgtype === 'image' || body.msgtype === 'file') {
      const m = kf.media.get(String(body[body.msgtype]?.media_id ?? ''));
      if (!m || nowSeconds() - m.created_at > MEDIA_SECONDS) fail(40007, 'invalid media_id');
    } else if (body.msgtype !== 'text' || typeof body.text?.content !== 'string' || !body.text.content) badParam('text.content');
    if (body.msgid !== undefined && !/^[0-9a-zA-Z_-]{1,32}$/.test(String(body.msgid))) badParam('msgid');
    const s = kf.session(body.open_kfid!, body.touser);
    const now = nowSeconds();
    if (s.lastCustomerAt === undefined || now - s.lastCustomerAt > WINDOW_SECONDS) fail(95002, 'send msg time limit exceeded');
    if (s.state !== 0 && s.state !== 1) fail(95018, 'send msg session status invalid');
    if (s.sentSinceCustomer >= WINDOW_SENDS) fail(95001, 'send msg count limit exceeded');
    s.sentSinceCustomer += 1;
    const msgid = body.msgid ? String(body.msgid) : id('', 16);
    const media = body.msgtype === 'text' ? {} : { msgtype: body.msgtype, media_id: String(body[body.msgtype]!.media_id) };
    kf.sent.push({ msgid, open_kfid: body.open_kfid!, touser: body.touser, text: body.text?.content ?? '', at: now, ...media });
    return ok({ msgid });
  },

  // https://developer.work.weixin.qq.com/document/path/94669 (获取会话状态)
  'POST kf/service_state/get': (corp, { body: raw }) => {
    const body = raw as KfServiceStateBody;
    const kf = kfOf(corp);
    requireAccount(kf, body.open_kfid);
    if (!kf.customers.has(String(body.external_userid ?? ''))) badParam('external_userid');
    const s = kf.session(body.open_kfid!, body.external_userid!);
    return ok({ service_state: s.state, ...(s.state === 3 ? { servicer_userid: s.servicer_userid } : {}) });
  },

  // https://developer.work.weixin.qq.com/document/path/94669 (变更会话状态): 3 needs a servicer (95014 when
  // the userid is not one), 95016 for a change the state table does not allow
  'POST kf/service_state/trans': (corp, { body: raw }) => {
    const body = raw as KfServiceStateBody;
    const kf = kfOf(corp);
    requireAccount(kf, body.open_kfid);
    if (!kf.customers.has(String(body.external_userid ?? ''))) badParam('external_userid');
    const to = Number(body.service_state);
    if (![0, 1, 2, 3, 4].includes(to)) badParam('service_state');
    const s = kf.session(body.open_kfid!, body.external_userid!);
    if (!NEXT[s.state].includes(to)) fail(95016, 'invalid service state change');
    if (to === 3 && (!body.servicer_userid || !corp.staff.has(String(body.servicer_userid)))) fail(95014, 'user is not servicer');
    kf.transitions.push({
      open_kfid: body.open_kfid!,
      external_userid: body.external_userid!,
      from: s.state,
      to,
      servicer_userid: to === 3 ? body.servicer_userid : undefined,
    });
    s.state = to as FakeKfSession['state'];
    s.servicer_userid = to === 3 ? String(body.servicer_userid) : undefined;
    return ok({ msg_code: id('MSGCODE', 8) });
  },

  // https://developer.work.weixin.qq.com/document/path/95159 (获取客户基础信息): 1..100 ids; unknown ones
  // come back in invalid_external_userid
  'POST kf/customer/batchget': (corp, { body }) => {
    const kf = kfOf(corp);
    const ids: string[] = Array.isArray(body.external_userid_list) ? body.external_userid_list.map(String) : [];
    if (!ids.length || ids.length > 100) badParam('external_userid_list must list 1 to 100 customers');
    return ok({
      customer_list: ids.filter((x) => kf.customers.has(x)).map((x) => kf.customers.get(x)),
      invalid_external_userid: ids.filter((x) => !kf.customers.has(x)),
    });
  },
};

/**
 * The media endpoints, which are not JSON both ways, served before the JSON handlers:
 * - https://developer.work.weixin.qq.com/document/path/90253 (上传临时素材): POST media/upload?type=,
 *   multipart/form-data with the file under `media`; answers { type, media_id, created_at }; 40004 for
 *   an unknown type, 40005 a file type the type does not take, 40006 a size out of bounds.
 * - https://developer.work.weixin.qq.com/document/path/90254 (获取临时素材): GET media/get?media_id=,
 *   answers the bytes with Content-Type and Content-disposition (filename), or 40007 as JSON.
 * Returns false for any other path. `checkToken` is fake-api's (passed in: fake-api imports this file).
 */
export async function serveMedia(
  corp: FakeCorp,
  req: IncomingMessage,
  res: ServerResponse,
  checkToken: (corp: FakeCorp, token: string | undefined) => void,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname.replace(/^\/cgi-bin\//, '');
  if (path !== 'media/upload' && path !== 'media/get') return false;
  const json = (body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const kf = kfOf(corp);
  const query = Object.fromEntries(url.searchParams);
  corp.calls.push({ method: req.method ?? 'GET', path, query, body: {}, at: Date.now() });
  try {
    checkToken(corp, query.access_token);
    if (path === 'media/get' && req.method === 'GET') {
      const m = kf.media.get(query.media_id ?? '');
      if (!m || nowSeconds() - m.created_at > MEDIA_SECONDS) fail(40007, 'invalid media_id');
      res.writeHead(200, {
        'content-type': m!.mime,
        'content-disposition': `attachment; filename="${encodeURIComponent(m!.name)}"`,
        'content-length': m!.bytes.length,
      });
      res.end(m!.bytes);
      return true;
    }
    if (req.method !== 'POST') fail(60020, `api not found: ${req.method} ${path}`);
    const type = query.type as FakeMedia['type'];
    if (!(type in MEDIA_LIMITS)) fail(40004, 'invalid media type');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    // The multipart body read as the platform's own fetch Request reads it.
    const form = await new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type'] ?? '') },
      body: Buffer.concat(chunks),
    })
      .formData()
      .catch(() => null);
    const file = form?.get('media');
    if (!file || typeof file === 'string') return (badParam('media'), true);
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length <= 5 || bytes.length > MEDIA_LIMITS[type]) fail(40006, 'invalid file size');
    const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
    const isPng = bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    if (type === 'image' && !isJpeg && !isPng) fail(40005, 'invalid file type');
    const media_id = id('3', 24);
    kf.media.set(media_id, { type, name: file.name, mime: file.type || 'application/octet-stream', bytes, created_at: nowSeconds() });
    json(ok({ type, media_id, created_at: String(nowSeconds()) }));
  } catch (err) {
    if (err instanceof FakeError) json({ errcode: err.errcode, errmsg: err.errmsg });
    else json({ errcode: -1, errmsg: `system error: ${(err as Error).message}` });
  }
  return true;
}

/** What happens on the WeChat side and in the WeCom app, for tests and the demo. */
export function kfDriver(fake: FakeWecom) {
  const kf = kfOf(fake.corp);
  const announce = (openKfId: string) => {
    const token = id('ENC', 16);
    kf.tokens.set(token, { open_kfid: openKfId, expires: nowSeconds() + TOKEN_SECONDS });
    // https://developer.work.weixin.qq.com/document/path/94670 (回调通知): only the token and the account
    return fake.sendEvent({ Event: 'kf_msg_or_event', Token: token, OpenKfId: openKfId });
  };
  return {
    state: kf,
    addAccount(name: string): string {
      const open_kfid = id('wk', 12);
      kf.accounts.set(open_kfid, { open_kfid, name, avatar: `${fake.url}/__fake/kf/${open_kfid}.png`, manage_privilege: true });
      return open_kfid;
    },
    /** A WeChat user writes to a kf account (from a mini-app button, an OA menu, a QR code or a link). */
    async customerSends(openKfId: string, customer: Partial<FakeKfCustomer> & { nickname: string }, text: string) {
      requireAccount(kf, openKfId);
      const external_userid = customer.external_userid ?? id('wm', 14);
      kf.customers.set(external_userid, { gender: 0, ...kf.customers.get(external_userid), ...customer, external_userid });
      const msg: FakeKfMessage = {
        msgid: id('', 16),
        open_kfid: openKfId,
        external_userid,
        send_time: nowSeconds(),
        origin: 3,
        msgtype: 'text',
        text: { content: text },
      };
      kf.stream.push(msg);
      const s = kf.session(openKfId, external_userid);
      if (s.state === 4) s.state = 0;
      s.lastCustomerAt = msg.send_time;
      s.sentSinceCustomer = 0;
      const delivery = await announce(openKfId);
      return { externalUserId: external_userid, msgid: msg.msgid, delivery };
    },
    /**
     * A WeChat user sends an image, file, voice message or video: stored as a 临时素材 and synced as
     * msgtype image/file/voice/video with its media_id (https://developer.work.weixin.qq.com/document/path/94670),
     * fetched through media/get (doc 90254).
     */
    async customerSendsMedia(
      openKfId: string,
      externalUserId: string,
      kind: 'image' | 'file' | 'voice' | 'video',
      file: { name: string; mime: string; bytes: Buffer },
    ) {
      requireAccount(kf, openKfId);
      if (!kf.customers.has(externalUserId)) throw new Error(`fake WeCom: no customer ${externalUserId}`);
      const media_id = id('3', 24);
      kf.media.set(media_id, { type: kind, ...file, created_at: nowSeconds() });
      const msg: FakeKfMessage = {
        msgid: id('', 16),
        open_kfid: openKfId,
        external_userid: externalUserId,
        send_time: nowSeconds(),
        origin: 3,
        msgtype: kind,
        [kind]: { media_id },
      };
      kf.stream.push(msg);
      const s = kf.session(openKfId, externalUserId);
      if (s.state === 4) s.state = 0;
      s.lastCustomerAt = msg.send_time;
      s.sentSinceCustomer = 0;
      return { msgid: msg.msgid, mediaId: media_id, delivery: await announce(openKfId) };
    },
    /** The bytes behind a media_id the corp sent (what the customer's WeChat shows). */
    mediaOf(mediaId: string) {
      return kf.media.get(mediaId);
    },
    /** A servicer answers from the WeCom app (origin 5); only while the session is theirs (state 3). */
    async servicerSends(openKfId: string, externalUserId: string, userid: string, text: string) {
      const s = kf.session(openKfId, externalUserId);
      if (s.state !== 3 || s.servicer_userid !== userid) throw new Error(`fake WeCom: ${userid} does not serve ${externalUserId}`);
      const msg: FakeKfMessage = {
        msgid: id('', 16),
        open_kfid: openKfId,
        external_userid: externalUserId,
        send_time: nowSeconds(),
        origin: 5,
        servicer_userid: userid,
        msgtype: 'text',
        text: { content: text },
      };
      kf.stream.push(msg);
      return { msgid: msg.msgid, delivery: await announce(openKfId) };
    },
    sentTo(externalUserId: string) {
      return kf.sent.filter((m) => m.touser === externalUserId);
    },
  };
}
