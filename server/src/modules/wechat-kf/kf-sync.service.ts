import type { Deps } from '../../shared/deps.js';
import type { DeskService, MessageType } from '../conversations/desk.service.js';
import type { CaptureInput } from '../conversations/conversation.service.js';
import type { KfClient, KfCustomer, KfMessage } from './kf.client.js';
import { KfCursorModel } from './kf.model.js';
import { mimeOf } from '../conversations/attachment.service.js';
import type { KfWindow } from './kf-window.js';
import type { KfTurn } from './kf-turn.js';
import type { KfDelivery } from './kf-delivery.service.js';

export const kfAccountId = (openKfId: string) => `kf:${openKfId}`;

/** The kf msgtypes whose media (doc 94670: image, voice, video, file) the desk keeps. */
const KEPT_MEDIA = ['image', 'file', 'voice', 'video'] as const;
const TYPES: Record<string, MessageType> = {
  text: 'text',
  image: 'image',
  voice: 'audio',
  video: 'video',
  file: 'file',
  location: 'location',
  link: 'url',
  miniprogram: 'mini-program',
  business_card: 'contact',
};

/**
 * 微信客服's inbound path. WeCom's `kf_msg_or_event` callback only says "there is something new for
 * account X" and carries a token; we read the messages with kf/sync_msg from our stored cursor. Each
 * message is captured under its msgid (`kf:<msgid>`, the desk's unique externalId), so a callback
 * delivered twice, two syncs racing or a cursor lost in a crash never store a message twice, and the
 * bot answers only a message stored for the first time.
 */
export class KfSync {
  constructor(
    private readonly deps: Deps,
    private readonly client: KfClient,
    private readonly desk: DeskService,
    private readonly window: KfWindow,
    private readonly turn: KfTurn,
    private readonly delivery: KfDelivery,
  ) {}

  /** The callback's fields (decrypted by the WeCom adapter): `OpenKfId` and `Token`. */
  async onCallback(tenantId: string, fields: Record<string, string>): Promise<void> {
    if (!fields.OpenKfId) {
      this.deps.log.warn({ fields: Object.keys(fields) }, 'kf_msg_or_event without OpenKfId ignored');
      return;
    }
    await this.sync(tenantId, fields.OpenKfId, fields.Token || undefined);
  }

  private readonly running = new Map<string, { again: boolean; token?: string; done: Promise<number> }>();

  /**
   * One sync at a time per account in this process: a callback arriving while one runs asks it to go
   * round once more (with the newer token) instead of starting a second sync over the same messages.
   * At 500 messages a second every callback started its own, and each message was applied several
   * times over (each a duplicate the unique index refused, after the profile and session work).
   */
  sync(tenantId: string, openKfId: string, token?: string): Promise<number> {
    const key = `${tenantId}\u0000${openKfId}`;
    const busy = this.running.get(key);
    if (busy) {
      busy.again = true;
      busy.token = token ?? busy.token;
      return busy.done;
    }
    const state: { again: boolean; token?: string; done: Promise<number> } = { again: false, token, done: Promise.resolve(0) };
    this.running.set(key, state);
    state.done = (async () => {
      let seen = 0;
      try {
        do {
          state.again = false;
          seen += await this.syncOnce(tenantId, openKfId, state.token);
        } while (state.again);
      } finally {
        this.running.delete(key);
      }
      return seen;
    })();
    return state.done;
  }

  private async syncOnce(tenantId: string, openKfId: string, token?: string): Promise<number> {
    const row = await KfCursorModel.findOneAndUpdate(
      { tenantId, openKfId },
      { $setOnInsert: { tenantId, openKfId, cursor: '' } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    await this.delivery.watch(openKfId);
    let cursor = row?.cursor ?? '';
    let seen = 0;
    for (let page = 0; page < 100; page++) {
      const r = await this.client.syncMsg({ open_kfid: openKfId, token, ...(cursor ? { cursor } : {}) });
      const messages = r.msg_list ?? [];
      seen += messages.length;
      await this.apply(tenantId, openKfId, messages);
      if (r.next_cursor) cursor = r.next_cursor;
      await KfCursorModel.updateOne({ tenantId, openKfId }, { $set: { cursor, syncedAt: this.deps.now() } });
      if (!r.has_more) break;
    }
    return seen;
  }

  private async apply(tenantId: string, openKfId: string, messages: KfMessage[]): Promise<void> {
    const customers = await this.customers(messages.filter((m) => m.origin === 3 && m.external_userid).map((m) => m.external_userid!));
    // One customer's messages in their order, different customers side by side: a page of many chats
    // does not wait message by message for each store (chat messages are written in batches).
    const chats = new Map<string, KfMessage[]>();
    for (const m of messages) {
      if (!m.external_userid || m.origin === 4) {
        this.deps.log.debug({ msgid: m.msgid, event: m.event?.event_type }, 'kf event stored nowhere');
        continue;
      }
      chats.set(m.external_userid, [...(chats.get(m.external_userid) ?? []), m]);
    }
    const results = await Promise.allSettled([...chats.values()].map((list) => this.applyChat(tenantId, openKfId, list, customers)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async applyChat(tenantId: string, openKfId: string, messages: KfMessage[], customers: Map<string, KfCustomer>): Promise<void> {
    for (const m of messages) {
      if (!m.external_userid) continue;
      const at = new Date(m.send_time * 1000);
      const c = customers.get(m.external_userid);
      const contact = {
        id: m.external_userid,
        idType: 'externalUserId' as const,
        name: c?.nickname || undefined,
        avatar: c?.avatar || undefined,
        unionId: c?.unionid || undefined,
      };
      const input: CaptureInput = {
        botAccountId: kfAccountId(m.open_kfid || openKfId),
        channel: 'wechat_kf',
        peer: { kind: 'private', contact },
        talker: m.origin === 3 ? contact : 'self',
        // A servicer's message from the WeCom app (origin 5) is the agent speaking.
        author: m.origin === 5 ? 'agent' : undefined,
        externalId: `kf:${m.msgid}`,
        type: TYPES[m.msgtype] ?? 'other',
        text: m.text?.content ?? (m.link?.title || m.miniprogram?.title || m.location?.name || ''),
        at,
      };
      if (m.origin === 3 && (KEPT_MEDIA as readonly string[]).includes(m.msgtype)) input.media = await this.keepMedia(tenantId, m);
      if (m.origin !== 3) {
        // The servicer answered in the WeCom app: that is the agent's reply, for the SLA clock too.
        const r = await this.desk.conversations.capture(tenantId, input);
        if (!r.duplicate) await this.desk.sla.agentReplied(tenantId, String(r.conversation._id), at);
        continue;
      }
      // The window opens before the message shows in the inbox, so an agent answering at once is not refused.
      await this.window.customerWrote({ tenantId, openKfId, externalUserId: m.external_userid }, at, m.msgid);
      const r = await this.desk.handleInbound(tenantId, input);
      if (r.duplicate) continue;
      await this.delivery.customerWrote(tenantId, openKfId, m.external_userid, r.conversation);
      if (r.botMayReply && input.type === 'text' && input.text) await this.turn.answer(tenantId, r, input.text);
    }
  }

  /**
   * A customer's image, file, voice message or video, fetched with 获取临时素材 (doc 90254) while its
   * media_id lives (3 days) and kept in the desk's store. Voice comes as AMR (sync_msg's default
   * voice_format 0, doc 94670), which browsers do not play: the inbox offers it as a download. A
   * redelivered message keeps a second copy, never a second message; a fetch that fails leaves the
   * message shown as [image]/[file]/[audio]/[video] rather than holding up the sync.
   */
  private async keepMedia(tenantId: string, m: KfMessage): Promise<CaptureInput['media']> {
    const msgtype = m.msgtype as (typeof KEPT_MEDIA)[number];
    const mediaId = m[msgtype]?.media_id;
    if (!mediaId) return undefined;
    const kind = msgtype === 'voice' ? 'audio' : msgtype;
    try {
      const got = await this.client.getMedia(mediaId);
      const name = got.name ?? `${mediaId}${{ image: '.jpg', file: '', voice: '.amr', video: '.mp4' }[msgtype]}`;
      const kept = await this.desk.attachments.keepIncoming(tenantId, kind, {
        name,
        mime: got.mime === 'application/octet-stream' ? mimeOf(name) : got.mime,
        bytes: got.bytes,
      });
      return kept ? { attachmentId: kept.attachmentId, name: kept.name, mime: kept.mime, size: kept.size } : undefined;
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, msgid: m.msgid }, 'kf media not fetched; the message is kept without it');
      return undefined;
    }
  }

  /** The customers' WeChat profiles (nickname, avatar, unionid), 100 a call as kf/customer/batchget allows. */
  private async customers(ids: string[]): Promise<Map<string, KfCustomer>> {
    const out = new Map<string, KfCustomer>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) {
      const r = await this.client.batchGetCustomers(unique.slice(i, i + 100)).catch((err) => {
        // The chat matters more than the name: capture by external_userid alone.
        this.deps.log.warn({ err: (err as Error).message }, 'kf/customer/batchget failed; customers stay unnamed this time');
        return null;
      });
      for (const c of r?.customer_list ?? []) out.set(c.external_userid, c);
    }
    return out;
  }
}
