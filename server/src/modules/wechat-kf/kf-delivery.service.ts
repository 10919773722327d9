import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Deps } from '../../shared/deps.js';
import type { DeskService, InboundResult } from '../conversations/desk.service.js';
import type { StaffService } from '../staff/staff.service.js';
import { outboundChannel } from '../conversations/desk-live.js';
import { WecomApiError } from '../../wecom/wecom.exception.js';
import { KfErrcode, type KfClient, type KfServiceState } from './kf.client.js';
import { KfCursorModel, KfSessionModel } from './kf.model.js';
import type { KfWindow } from './kf-window.js';
import { answerInWecom, WechatKfErrorCode } from './wechat-kf.exception.js';
import { AppError } from '../../shared/app-error.js';
import type { ChatRef } from '../conversations/desk.service.js';

const ACCOUNT = /^kf:(.+)$/;
const keyOf = (tenantId: string, conversation: { botAccountId: string; peerId: string }) => ({
  tenantId,
  openKfId: ACCOUNT.exec(conversation.botAccountId)![1],
  externalUserId: conversation.peerId,
});

/**
 * 微信客服's outbound path and WeCom's session state.
 * - The bot's answers are sent at once (kf/send_msg), each taking one of the window's 5 sends.
 * - Agent replies and desk notices are the desk's durable outbound rows (as for the Wechaty bot):
 *   this relay claims rows of `kf:` accounts with a lease, sends and confirms; a Redis notice or the
 *   poll wakes it. Agent replies took their send when queued (DeskService's channel gate).
 * - kf/service_state/trans mirrors the handoff: an agent taking over (when agents answer in the WeCom
 *   app) makes the session 人工接待 with them as servicer; resolving ends it (4), after the goodbye.
 */
export class KfDelivery {
  private readonly owner = `${hostname()}:${process.pid}:kf:${randomBytes(4).toString('hex')}`;
  private readonly watched = new Map<string, () => Promise<void>>();
  private relayOn = false;
  private running = false;
  private again = false;

  constructor(
    private readonly deps: Deps,
    private readonly client: KfClient,
    private readonly desk: DeskService,
    private readonly staff: StaffService,
    private readonly window: KfWindow,
  ) {}

  private get answerInWecom() {
    return this.deps.config.WECOM_KF_AGENTS_ANSWER_IN === 'wecom';
  }

  /** The bot's answer: stored, then sent; refused by the window, it stays in the chat marked failed. */
  async say(tenantId: string, conversation: ChatRef, text: string, r: InboundResult): Promise<void> {
    const messageId = await this.desk.conversations.recordBotReply(tenantId, conversation, text, r.customer);
    if (!messageId) return;
    let release: (() => Promise<void>) | undefined;
    try {
      release = await this.window.reserve(keyOf(tenantId, conversation));
      await this.client.sendText({ ...this.target(conversation), content: text, msgid: messageId });
      await this.desk.conversations.setDelivery(tenantId, messageId, 'sent');
    } catch (err) {
      if (release && !(err instanceof WecomApiError)) await release();
      this.deps.log.warn({ err: (err as Error).message, conversationId: String(conversation._id) }, 'kf bot answer not sent');
      await this.desk.conversations.setDelivery(tenantId, messageId, 'failed', (err as Error).message);
    }
  }

  /** The desk's gate for agent replies: the window's send, or why there is none. */
  async reserveForAgent(tenantId: string, conversation: ChatRef): Promise<() => Promise<void>> {
    const key = keyOf(tenantId, conversation);
    if (this.answerInWecom && (await KfSessionModel.findOne(key).lean())?.serviceState === 3) throw answerInWecom();
    return this.window.reserve(key);
  }

  /**
   * The customer wrote: WeCom reopens an ended session as 0 (未处理). A chat an agent holds while
   * agents answer in WeCom is (again) handed to them there: this repairs a takeover whose
   * service_state change was lost (WeCom unreachable at the time).
   */
  async customerWrote(tenantId: string, openKfId: string, externalUserId: string, conversation?: { _id: unknown; state: string }): Promise<void> {
    await KfSessionModel.updateOne({ tenantId, openKfId, externalUserId, serviceState: 4 }, { $set: { serviceState: 0 }, $unset: { servicerUserid: 1 } });
    if (this.answerInWecom && conversation?.state === 'assigned') {
      // Never at the cost of the sync: the message is stored, the next one tries again.
      await this.toServicer(tenantId, String(conversation._id)).catch((err) =>
        this.deps.log.warn({ err: (err as Error).message }, 'kf service state not changed; the next message retries'),
      );
    }
  }

  /** A handoff change made in this process (ConversationService.onUpdated). */
  onConversationUpdated(tenantId: string, conversation: ChatRef): void {
    if (conversation.channel !== 'wechat_kf' || conversation.state !== 'assigned' || !this.answerInWecom) return;
    void this.toServicer(tenantId, String(conversation._id)).catch((err) =>
      this.deps.log.warn({ err: (err as Error).message }, 'kf service state not changed; the next change retries'),
    );
  }

  /** The assignee becomes WeCom's servicer (state 3); WeCom then routes the chat to their WeCom app. */
  async toServicer(tenantId: string, conversationId: string): Promise<void> {
    const c = await this.desk.conversations.get(tenantId, conversationId);
    if (c.state !== 'assigned' || !c.assigneeId) return;
    const agent = await this.staff.get(tenantId, c.assigneeId).catch(() => null);
    if (!agent?.wecomUserId) {
      this.deps.log.warn({ conversationId, staffId: c.assigneeId }, 'the agent has no WeCom userid; the kf session stays with the API');
      return;
    }
    await this.trans(tenantId, c, 3, agent.wecomUserId);
  }

  /** Ends WeCom's session (4); the customer's next message starts a new one, answered by the bot. */
  async end(tenantId: string, conversation: ChatRef): Promise<void> {
    await this.trans(tenantId, conversation, 4);
  }

  private async trans(tenantId: string, conversation: ChatRef, state: KfServiceState, servicer?: string): Promise<void> {
    const key = keyOf(tenantId, conversation);
    const session = await KfSessionModel.findOne(key).lean();
    if (session?.serviceState === state && (session.servicerUserid ?? undefined) === servicer) return;
    if (session?.serviceState === 4 && state === 4) return;
    try {
      await this.client.transServiceState({
        ...this.target(conversation, 'external_userid'),
        service_state: state,
        ...(servicer ? { servicer_userid: servicer } : {}),
      });
    } catch (err) {
      // Already ended at WeCom (by the customer or a timeout): nothing left to change.
      if (!(err instanceof WecomApiError && [KfErrcode.SESSION_ENDED, KfErrcode.BAD_STATE_CHANGE].includes(err.errcode as 95013))) throw err;
      this.deps.log.info({ errcode: err.errcode, state }, 'kf session state not changed by WeCom');
      if (state !== 4) return;
    }
    await KfSessionModel.updateOne(
      key,
      { $set: { serviceState: state, ...(servicer ? { servicerUserid: servicer } : {}) }, ...(servicer ? {} : { $unset: { servicerUserid: 1 } }) },
      { upsert: true },
    );
  }

  /** An agent's image or file: uploaded as a 临时素材 (doc 90253), then sent as msgtype image/file (doc 94677). */
  private async sendAttachment(tenantId: string, conversation: ChatRef, a: { attachmentId: string; kind: 'image' | 'file' }, msgid: string): Promise<void> {
    const file = await this.desk.attachments.get(tenantId, a.attachmentId);
    if (!file) throw new Error('the attachment is no longer stored; upload it again');
    const mediaId = await this.client.uploadMedia(a.kind, file);
    await this.client.sendMedia({ ...this.target(conversation), msgtype: a.kind, media_id: mediaId, msgid });
  }

  private target(conversation: ChatRef, to: 'touser' | 'external_userid' = 'touser') {
    const { openKfId, externalUserId } = keyOf('', conversation);
    return { open_kfid: openKfId, [to]: externalUserId } as { open_kfid: string; touser: string; external_userid: string };
  }

  // ── the relay for agent replies and desk notices ────────────────────────────────────────────
  /** Starts delivering in this process (the worker): wake-ups per account and a poll. */
  async startRelay(): Promise<() => Promise<void>> {
    this.relayOn = true;
    for (const row of await KfCursorModel.find({}).select({ openKfId: 1 }).lean()) await this.watch(row.openKfId);
    const poll = setInterval(() => this.wake(), this.deps.config.BOT_OUTBOUND_POLL_MS);
    this.wake();
    return async () => {
      this.relayOn = false;
      clearInterval(poll);
      for (const stop of this.watched.values()) await stop();
      this.watched.clear();
      while (this.running) await new Promise((r) => setTimeout(r, 20));
    };
  }

  /** Listens for this account's outbound notices (once per process). */
  async watch(openKfId: string): Promise<void> {
    if (!this.relayOn || this.watched.has(openKfId)) return;
    this.watched.set(openKfId, async () => undefined);
    const unsubscribe = await this.desk.live.subscribe(outboundChannel(`kf:${openKfId}`), () => this.wake());
    // The relay stopped while the subscription was on its way: it is dropped, not left behind.
    if (!this.relayOn) return void (await unsubscribe());
    this.watched.set(openKfId, unsubscribe);
  }

  private wake(): void {
    if (!this.relayOn) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain()
      .catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'kf outbound drain failed; the poll retries'))
      .finally(() => {
        this.running = false;
      });
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      const accounts = await KfCursorModel.find({}).select({ tenantId: 1, openKfId: 1 }).lean();
      for (const a of accounts) while (this.relayOn && (await this.deliverOne(a.tenantId, `kf:${a.openKfId}`)));
    } while (this.again && this.relayOn);
  }

  async deliverOne(tenantId: string, botAccountId: string): Promise<boolean> {
    const row = await this.desk.outbound.claim(tenantId, botAccountId, this.owner);
    if (!row) return false;
    const id = String(row._id);
    // The desk's resolve notice (HandoffService.resolve's key): WeCom's session ends after it is said.
    const ending = row.key.startsWith('resolved:');
    let conversation: ChatRef | undefined;
    try {
      conversation = await this.desk.conversations.get(tenantId, String(row.conversationId));
      const session = await KfSessionModel.findOne(keyOf(tenantId, conversation)).lean();
      // WeCom takes API messages only in states 0 and 1 (doc 94677): not from a servicer's chat (3), not after the end (4).
      // Such a message is not kept for later: said after the servicer's chat or the session's end, a
      // 转接 notice or a greeting would be out of place. It fails for good, with the reason.
      if (session?.serviceState === 3 || session?.serviceState === 4) {
        // (The goodbye still ends the session; if WeCom does not answer, the row is tried again for that.)
        if (ending) await this.end(tenantId, conversation);
        const why = `the WeCom session is ${session.serviceState === 3 ? 'with a servicer in the WeCom app (人工接待)' : 'ended'}; WeCom takes no API messages then`;
        this.deps.log.info({ outboundId: id }, why);
        await this.desk.outbound.markFailed(tenantId, id, this.owner, why, { final: true });
        return true;
      }
      const release = row.author === 'agent' ? undefined : await this.window.reserve(keyOf(tenantId, conversation));
      try {
        if (row.attachment?.attachmentId)
          await this.sendAttachment(tenantId, conversation, row.attachment as { attachmentId: string; kind: 'image' | 'file' }, String(row.messageId));
        else await this.client.sendText({ ...this.target(conversation), content: row.text, msgid: String(row.messageId) });
      } catch (err) {
        if (release && !(err instanceof WecomApiError)) await release();
        throw err;
      }
      await this.desk.outbound.markSent(tenantId, id, this.owner);
      // Said is said: a failure to end the session must not send the goodbye again.
      if (ending) await this.end(tenantId, conversation).catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'kf session not ended at WeCom'));
    } catch (err) {
      // A goodbye the window no longer allows: the session ends all the same.
      const refused = err instanceof AppError && Object.values(WechatKfErrorCode).includes(err.code as 'WECHAT_KF_SEND_LIMIT');
      if (ending && refused && conversation) await this.end(tenantId, conversation).catch(() => undefined);
      this.deps.log.warn({ err: (err as Error).message, outboundId: id }, 'kf outbound send failed; will retry');
      await this.desk.outbound.markFailed(tenantId, id, this.owner, (err as Error).message);
    }
    return true;
  }
}
