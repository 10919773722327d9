import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { hasWriteErrors, isDuplicateKeyError } from '../../shared/db.js';
import { GroupDeliveryModel, type CampaignDoc } from './broadcast.model.js';
import type { BroadcastContent, DeliveryStatus, GroupChannel } from './channels/channel.provider.js';
import { botText, outboundKey, outboundStatus, type BotChatPort } from './channels/bot-chat.port.js';

const MAX_ATTEMPTS = 3;

/**
 * bot_room campaigns: the named bot rooms are frozen into group delivery rows (chatId = room id,
 * sender = the bot account in the room), then each pending row queues one desk outbound row keyed by
 * the delivery id. The bot posts it in the room and retries it across restarts; a row left "sending"
 * by a dead worker is settled by whether its outbound row exists, so nothing is queued twice.
 */
export class BotRoomDispatcher implements GroupChannel {
  constructor(
    private readonly deps: Deps,
    private readonly chats: () => BotChatPort | undefined,
  ) {}

  /** A room is sent to by the bot account in it; a room the bot is not in is skipped. */
  async judge(c: Pick<CampaignDoc, 'tenantId' | 'chatIds' | 'roomIds'>): Promise<Map<string, { ok: true; sender: string } | { ok: false; reason: string }>> {
    const port = this.chats();
    const out = new Map<string, { ok: true; sender: string } | { ok: false; reason: string }>();
    for (const roomId of [...new Set<string>(c.roomIds ?? [])]) {
      const chat = port ? await port.room(c.tenantId, roomId) : null;
      out.set(roomId, chat ? { ok: true, sender: chat.botAccountId } : { ok: false, reason: 'room_unknown' });
    }
    return out;
  }

  async snapshot(c: CampaignDoc): Promise<void> {
    const rows = [];
    for (const [roomId, v] of await this.judge(c)) {
      rows.push({
        _id: new Types.ObjectId(),
        tenantId: c.tenantId,
        campaignId: c._id,
        occurrence: c.occurrence,
        chatId: roomId,
        sender: v.ok ? v.sender : undefined,
        state: v.ok ? 'pending' : 'skipped',
        reason: v.ok ? undefined : v.reason,
        attempts: 0,
      });
    }
    try {
      if (rows.length) await GroupDeliveryModel.collection.insertMany(rows, { ordered: false });
    } catch (err) {
      if (!isDuplicateKeyError(err) && !hasWriteErrors(err)) throw err;
    }
  }

  async sendPending(c: CampaignDoc, content: BroadcastContent, batch: number): Promise<'done' | 'in_flight'> {
    const port = this.chats();
    if (!port) throw new Error('the service desk (bot chats) is not available');
    await this.recoverStale(c, port);
    const body = botText(content);
    for (;;) {
      const now = this.deps.now();
      const token = randomUUID();
      const ids = (
        await GroupDeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'pending' }).sort({ _id: 1 }).limit(batch).select({ _id: 1 }).lean()
      ).map((r) => r._id);
      if (!ids.length) break;
      if ('reason' in body) {
        await GroupDeliveryModel.updateMany({ _id: { $in: ids }, state: 'pending' }, { $set: { state: 'failed', reason: body.reason } });
        continue;
      }
      await GroupDeliveryModel.updateMany(
        { _id: { $in: ids }, state: 'pending' },
        {
          $set: { state: 'sending', claim: token, leaseUntil: new Date(now.getTime() + this.deps.config.BROADCAST_LEASE_MS), sendingSince: now },
          $inc: { attempts: 1 },
        },
      );
      for (const r of await GroupDeliveryModel.find({ campaignId: c._id, claim: token, state: 'sending' }).lean()) {
        const chat = await port.chat(c.tenantId, r.sender!, r.chatId);
        if (!chat) {
          await GroupDeliveryModel.updateOne({ _id: r._id, claim: token }, { $set: { state: 'failed', reason: 'room_unknown', leaseUntil: null } });
          continue;
        }
        const ref = await port.queue(c.tenantId, chat, body.text, outboundKey(String(r._id)));
        await GroupDeliveryModel.updateOne(
          { _id: r._id, claim: token },
          { $set: { state: 'sent', sentAt: this.deps.now(), providerRef: ref, providerStatus: 'awaiting_confirmation', leaseUntil: null } },
        );
      }
    }
    return (await GroupDeliveryModel.exists({ campaignId: c._id, occurrence: c.occurrence, state: 'sending' })) ? 'in_flight' : 'done';
  }

  async nextLease(c: CampaignDoc): Promise<Date | undefined> {
    const r = await GroupDeliveryModel.findOne({ campaignId: c._id, occurrence: c.occurrence, state: 'sending' }).sort({ leaseUntil: 1 }).lean();
    return r?.leaseUntil ?? undefined;
  }

  /** What the bot made of the queued room messages, per outbound row id. */
  async results(tenantId: string, refs: string[]): Promise<Map<string, DeliveryStatus>> {
    const rows = (await this.chats()?.rows(tenantId, { ids: refs })) ?? [];
    return new Map(rows.map((r) => [r.id, outboundStatus(r.state)]));
  }

  private async recoverStale(c: CampaignDoc, port: BotChatPort): Promise<void> {
    const now = this.deps.now();
    const stale = await GroupDeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'sending', leaseUntil: { $lt: now } }).lean();
    if (!stale.length) return;
    const found = new Map((await port.rows(c.tenantId, { keys: stale.map((r) => outboundKey(String(r._id))) })).map((f) => [f.key, f.id]));
    await GroupDeliveryModel.bulkWrite(
      stale.map((r) => {
        const ref = found.get(outboundKey(String(r._id)));
        const filter = { _id: r._id, state: 'sending' as const, claim: r.claim };
        if (ref)
          return {
            updateOne: {
              filter,
              update: {
                $set: { state: 'sent' as const, sentAt: r.sendingSince ?? now, providerRef: ref, reason: 'confirmed_after_restart', leaseUntil: null },
              },
            },
          };
        if ((r.attempts ?? 0) >= MAX_ATTEMPTS)
          return { updateOne: { filter, update: { $set: { state: 'failed' as const, reason: 'gave_up_after_retries', leaseUntil: null } } } };
        return { updateOne: { filter, update: { $set: { state: 'pending' as const, claim: null, leaseUntil: null } } } };
      }),
      { ordered: false },
    );
  }
}
