import { createHash } from 'node:crypto';
import type { Redis } from '../shared/redis.js';
import type { Logger } from '../shared/logger.js';
import { AppError } from '../shared/app-error.js';
import { RedisTokenCache } from './wecom-token-cache.js';
import { RateLimitedError, WecomRateLimiter, type BucketOptions } from './wecom-rate-limit.js';
import { Errcode, WecomApiError, WecomErrorCode, wecomNotConfigured, wecomUnreachable } from './wecom.exception.js';
import type * as T from './wecom-api.types.js';
import { fetchTencentJson, type TencentQuery } from '../shared/tencent-http.js';

export interface WecomClientOptions {
  apiBase: string;
  corpId: string;
  secret: string;
  agentId?: string;
  redis: Redis;
  log?: Logger;
  timeoutMs?: number;
  rate?: Partial<BucketOptions>;
  /** Pauses before retrying a call WeCom answered with 45009 (too many calls). */
  busyRetryDelaysMs?: number[];
}

type Query = TencentQuery;

/**
 * A thin typed client over WeCom's server API (`cgi-bin/`). The access token lives in Redis and is
 * refreshed once under concurrency; a call that meets 40014/42001 refreshes and retries once; 45009 is
 * retried after pauses; any other non-zero errcode becomes a WecomApiError carrying errcode and
 * errmsg. Calls are paced by a shared Redis token bucket per API path.
 */
export class WecomClient {
  private readonly base: string;
  private readonly token: RedisTokenCache;
  private readonly jsapiTicket: RedisTokenCache;
  private readonly agentTicket: RedisTokenCache;
  private readonly limiter: WecomRateLimiter;

  constructor(private readonly o: WecomClientOptions) {
    this.base = o.apiBase.endsWith('/') ? o.apiBase : `${o.apiBase}/`;
    // The secret's hash is in the key so a rotated secret never reuses a token cached for the old one.
    const scope = `wecom:${o.corpId}:${createHash('sha256').update(o.secret).digest('hex').slice(0, 12)}`;
    this.token = new RedisTokenCache(o.redis, `${scope}:access_token`, async () => {
      const r = await this.call<T.WecomBase & { access_token: string; expires_in: number }>('GET', 'gettoken', {
        auth: false,
        query: { corpid: o.corpId, corpsecret: o.secret },
      });
      return { value: r.access_token, expiresIn: r.expires_in };
    });
    const ticket = (path: string, query: Query) => async () => {
      const r = await this.call<T.WecomBase & { ticket: string; expires_in: number }>('GET', path, { query });
      return { value: r.ticket, expiresIn: r.expires_in };
    };
    this.jsapiTicket = new RedisTokenCache(o.redis, `${scope}:jsapi_ticket`, ticket('get_jsapi_ticket', {}));
    this.agentTicket = new RedisTokenCache(o.redis, `${scope}:agent_ticket`, ticket('ticket/get', { type: 'agent_config' }));
    this.limiter = new WecomRateLimiter(o.redis, `${scope}:bucket`, { perMinute: 9_000, burst: 200, maxWaitMs: 10_000, ...o.rate });
  }

  get corpId(): string {
    return this.o.corpId;
  }

  get agentId(): string | undefined {
    return this.o.agentId;
  }

  async call<R extends T.WecomBase>(method: 'GET' | 'POST', path: string, opts: { query?: Query; body?: unknown; auth?: boolean } = {}): Promise<R> {
    if (!this.o.corpId || !this.o.secret) throw wecomNotConfigured();
    const auth = opts.auth ?? true;
    const busyDelays = this.o.busyRetryDelaysMs ?? [1000, 3000];
    let busy = 0;
    let refreshed = false;
    for (;;) {
      const token = auth ? await this.token.get() : undefined;
      try {
        await this.limiter.take(path);
      } catch (err) {
        if (err instanceof RateLimitedError) throw new AppError(WecomErrorCode.RATE_LIMITED, err.message, { status: 429 });
        throw err;
      }
      const json = await fetchTencentJson<R>(this.base, method, path, { query: opts.query, body: opts.body, token, timeoutMs: this.o.timeoutMs }, (err) =>
        wecomUnreachable(path, err),
      );
      const errcode = Number(json.errcode ?? 0);
      if (errcode === 0) return json;
      if (token && !refreshed && (errcode === Errcode.INVALID_ACCESS_TOKEN || errcode === Errcode.ACCESS_TOKEN_EXPIRED)) {
        refreshed = true;
        this.o.log?.info({ path, errcode }, 'WeCom access token rejected; refreshing once');
        await this.token.invalidate(token);
        continue;
      }
      // WeCom's own frequency limit: it counts the whole corp (other apps included), so our bucket
      // cannot rule it out. The call was refused before doing anything, so a paused retry is safe
      // even for sends; -1 (busy) is not retried here as the send may have happened.
      if (errcode === Errcode.FREQ_OUT_OF_LIMIT && busy < busyDelays.length) {
        this.o.log?.warn({ path, errcode }, 'WeCom asked us to slow down; retrying after a pause');
        await new Promise((r) => setTimeout(r, busyDelays[busy++]));
        continue;
      }
      throw new WecomApiError(path, errcode, String(json.errmsg ?? ''));
    }
  }

  /**
   * 上传临时素材 (https://developer.work.weixin.qq.com/document/path/90253): multipart/form-data with the
   * file under `media` (its filename is what the customer sees); the media_id lasts 3 days.
   */
  async uploadMedia(type: 'image' | 'file', file: { name: string; mime: string; bytes: Buffer }): Promise<string> {
    const form = new FormData();
    form.append('media', new Blob([new Uint8Array(file.bytes)], { type: file.mime }), file.name);
    const json = await this.raw('media/upload', { type }, { method: 'POST', body: form });
    return String(((await json.json()) as { media_id: string }).media_id);
  }

  /**
   * 获取临时素材 (https://developer.work.weixin.qq.com/document/path/90254): the bytes, named by the
   * Content-disposition header; an unknown or expired media_id answers errcode JSON instead.
   */
  async getMedia(mediaId: string): Promise<{ bytes: Buffer; mime: string; name?: string }> {
    const res = await this.raw('media/get', { media_id: mediaId }, { method: 'GET' });
    const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(res.headers.get('content-disposition') ?? '')?.[1];
    return {
      bytes: Buffer.from(await res.arrayBuffer()),
      mime: (res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0],
      name: name ? decodeURIComponent(name) : undefined,
    };
  }

  /** A media call: not JSON both ways, so not through `call`; an errcode answer still throws WecomApiError. */
  private async raw(path: string, query: Record<string, string>, init: RequestInit): Promise<Response> {
    if (!this.o.corpId || !this.o.secret) throw wecomNotConfigured();
    await this.limiter.take(path).catch((err) => {
      throw err instanceof RateLimitedError ? new AppError(WecomErrorCode.RATE_LIMITED, err.message, { status: 429 }) : err;
    });
    // A rejected token is refreshed once, as `call` does (the form body can be sent again).
    for (let refreshed = false; ; refreshed = true) {
      const token = await this.token.get();
      const url = new URL(path, this.base);
      for (const [k, v] of Object.entries({ access_token: token, ...query })) url.searchParams.set(k, v);
      let res: Response;
      try {
        res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000) });
      } catch (err) {
        throw wecomUnreachable(path, err);
      }
      if (!res.ok) throw wecomUnreachable(path, new Error(`HTTP ${res.status}`));
      const type = res.headers.get('content-type') ?? '';
      if (path === 'media/get' && !type.includes('json') && !type.startsWith('text/plain')) return res;
      const json = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { errcode?: number; errmsg?: string };
      const errcode = Number(json.errcode ?? 0);
      if (errcode === 0) return res;
      if (!refreshed && (errcode === Errcode.INVALID_ACCESS_TOKEN || errcode === Errcode.ACCESS_TOKEN_EXPIRED)) {
        await this.token.invalidate(token);
        continue;
      }
      throw new WecomApiError(path, errcode, String(json.errmsg ?? ''));
    }
  }

  private post<R extends T.WecomBase>(path: string, body: unknown) {
    return this.call<R>('POST', path, { body });
  }

  accessToken(): Promise<string> {
    return this.token.get();
  }

  // ── external contacts ──────────────────────────────────────────────────────────────────────
  async getFollowUserList(): Promise<string[]> {
    return (await this.call<T.WecomBase & { follow_user: string[] }>('GET', 'externalcontact/get_follow_user_list')).follow_user ?? [];
  }

  async listExternalContacts(userid: string): Promise<string[]> {
    return (await this.call<T.WecomBase & { external_userid: string[] }>('GET', 'externalcontact/list', { query: { userid } })).external_userid ?? [];
  }

  getExternalContact(externalUserId: string, cursor?: string) {
    return this.call<T.GetExternalContactResponse>('GET', 'externalcontact/get', { query: { external_userid: externalUserId, cursor } });
  }

  /** One page of the follow users' contacts; pass next_cursor back until it is empty. limit ≤ 100. */
  batchGetByUser(userids: string[], cursor = '', limit = 100) {
    return this.post<T.BatchGetByUserResponse>('externalcontact/batch/get_by_user', { userid_list: userids, cursor, limit });
  }

  remark(input: { userid: string; external_userid: string; remark?: string; description?: string; remark_mobiles?: string[] }) {
    return this.post<T.WecomBase>('externalcontact/remark', input);
  }

  // ── corp tags ──────────────────────────────────────────────────────────────────────────────
  async getCorpTagList(filter: { tag_id?: string[]; group_id?: string[] } = {}): Promise<T.CorpTagGroup[]> {
    return (await this.post<T.WecomBase & { tag_group: T.CorpTagGroup[] }>('externalcontact/get_corp_tag_list', filter)).tag_group ?? [];
  }

  async addCorpTag(input: { group_id?: string; group_name?: string; order?: number; tag: Array<{ name: string; order?: number }> }): Promise<T.CorpTagGroup> {
    return (await this.post<T.WecomBase & { tag_group: T.CorpTagGroup }>('externalcontact/add_corp_tag', input)).tag_group;
  }

  editCorpTag(input: { id: string; name?: string; order?: number }) {
    return this.post<T.WecomBase>('externalcontact/edit_corp_tag', input);
  }

  delCorpTag(input: { tag_id?: string[]; group_id?: string[] }) {
    return this.post<T.WecomBase>('externalcontact/del_corp_tag', input);
  }

  markTag(input: { userid: string; external_userid: string; add_tag?: string[]; remove_tag?: string[] }) {
    return this.post<T.WecomBase>('externalcontact/mark_tag', input);
  }

  // ── contact ways (活码) ────────────────────────────────────────────────────────────────────
  addContactWay(input: T.ContactWayInput) {
    if (input.state && input.state.length > 30)
      throw new AppError('VALIDATION_FAILED', 'WeCom allows a contact way state of at most 30 characters', { status: 400 });
    return this.post<T.WecomBase & { config_id: string; qr_code: string }>('externalcontact/add_contact_way', input);
  }

  async getContactWay(configId: string): Promise<T.ContactWay> {
    return (await this.post<T.WecomBase & { contact_way: T.ContactWay }>('externalcontact/get_contact_way', { config_id: configId })).contact_way;
  }

  updateContactWay(input: Partial<T.ContactWayInput> & { config_id: string }) {
    return this.post<T.WecomBase>('externalcontact/update_contact_way', input);
  }

  delContactWay(configId: string) {
    return this.post<T.WecomBase>('externalcontact/del_contact_way', { config_id: configId });
  }

  /** Valid for 20 s after the add callback and usable once; errcode 41051 means it was already used. */
  sendWelcomeMsg(input: T.WelcomeMsgInput) {
    return this.post<T.WecomBase>('externalcontact/send_welcome_msg', input);
  }

  // ── group messaging (群发) ──────────────────────────────────────────────────────────────────
  addMsgTemplate(input: T.MsgTemplateInput) {
    return this.post<T.AddMsgTemplateResponse>('externalcontact/add_msg_template', input);
  }

  getGroupmsgListV2(input: {
    chat_type: 'single' | 'group';
    start_time: number;
    end_time: number;
    creator?: string;
    filter_type?: number;
    limit?: number;
    cursor?: string;
  }) {
    return this.post<T.WecomBase & { group_msg_list: T.GroupMsg[]; next_cursor?: string }>('externalcontact/get_groupmsg_list_v2', input);
  }

  getGroupmsgTask(input: { msgid: string; limit?: number; cursor?: string }) {
    return this.post<T.WecomBase & { task_list: T.GroupMsgTask[]; next_cursor?: string }>('externalcontact/get_groupmsg_task', input);
  }

  getGroupmsgSendResult(input: { msgid: string; userid: string; limit?: number; cursor?: string }) {
    return this.post<T.WecomBase & { send_list: T.GroupMsgSendResult[]; next_cursor?: string }>('externalcontact/get_groupmsg_send_result', input);
  }

  /** Asks the members who have not yet sent a group message to send it (at most three times a day per message, doc 97610). */
  remindGroupmsgSend(input: { msgid: string }) {
    return this.post<T.WecomBase>('externalcontact/remind_groupmsg_send', input);
  }

  // ── customer groups ────────────────────────────────────────────────────────────────────────
  groupChatList(input: { status_filter?: number; owner_filter?: { userid_list: string[] }; cursor?: string; limit: number }) {
    return this.post<T.WecomBase & { group_chat_list: Array<{ chat_id: string; status: number }>; next_cursor?: string }>(
      'externalcontact/groupchat/list',
      input,
    );
  }

  async groupChatGet(chatId: string): Promise<T.GroupChat> {
    return (await this.post<T.WecomBase & { group_chat: T.GroupChat }>('externalcontact/groupchat/get', { chat_id: chatId, need_name: 1 })).group_chat;
  }

  // ── customer transfer (在职继承 / 离职继承) ─────────────────────────────────────────────────
  /** In-service: each customer's errcode comes back in `customer`; 0 only means the 24-hour takeover started. */
  transferCustomer(input: T.TransferCustomerInput) {
    return this.post<T.TransferCustomerResponse>('externalcontact/transfer_customer', input);
  }

  /** In-service takeover status for one handover → takeover pair; pass next_cursor back until empty. */
  transferResult(input: { handover_userid: string; takeover_userid: string; cursor?: string }) {
    return this.post<T.TransferResultResponse>('externalcontact/transfer_result', input);
  }

  /** Customers of members who left the company and are not assigned yet; page_size ≤ 1000. */
  getUnassignedList(input: { cursor?: string; page_size?: number }) {
    return this.post<T.UnassignedListResponse>('externalcontact/get_unassigned_list', input);
  }

  resignedTransferCustomer(input: Omit<T.TransferCustomerInput, 'transfer_success_msg'>) {
    return this.post<T.TransferCustomerResponse>('externalcontact/resigned/transfer_customer', input);
  }

  resignedTransferResult(input: { handover_userid: string; takeover_userid: string; cursor?: string }) {
    return this.post<T.TransferResultResponse>('externalcontact/resigned/transfer_result', input);
  }

  /** Groups of a member who left: ≤ 100 chats per call; chats that failed are listed with their errcode. */
  groupChatTransfer(input: { chat_id_list: string[]; new_owner: string }) {
    return this.post<T.GroupChatTransferResponse>('externalcontact/groupchat/transfer', input);
  }

  /** Groups of a member still in service; same shape as groupchat/transfer. */
  groupChatOnjobTransfer(input: { chat_id_list: string[]; new_owner: string }) {
    return this.post<T.GroupChatTransferResponse>('externalcontact/groupchat/onjob_transfer', input);
  }

  // ── JS-SDK and OAuth ───────────────────────────────────────────────────────────────────────
  jsapiTicketValue(): Promise<string> {
    return this.jsapiTicket.get();
  }

  agentTicketValue(): Promise<string> {
    return this.agentTicket.get();
  }

  /** OAuth code from the sidebar's redirect → the member's userid (absent for non-members). */
  async getUserInfoByCode(code: string): Promise<{ userid?: string }> {
    const r = await this.call<T.WecomBase & { userid?: string; UserId?: string }>('GET', 'auth/getuserinfo', { query: { code } });
    return { userid: r.userid ?? r.UserId };
  }
}
