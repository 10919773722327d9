import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { hasWriteErrors, isDuplicateKeyError } from '../../shared/db.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import { Errcode, isWecomErrcode } from '../../wecom/wecom.exception.js';
import { GroupDeliveryModel, type CampaignDoc } from './broadcast.model.js';
import type { BroadcastContent } from './channels/channel.provider.js';
import { groupMsgPayload } from './channels/wecom-group-msg.provider.js';
import { apiMessagesWithText, messageSenders } from './channels/wecom-group-msg.recovery.js';

/** Reads the mirrored WeCom customer groups (the WeCom adapter's CustomerGroupService satisfies it). */
export interface CustomerGroupPort {
  get(tenantId: string, chatId: string): Promise<{ status?: string | null; ownerUserid?: string | null } | null>;
}

const MAX_ATTEMPTS = 3;

/**
 * Group campaigns (客户群群发): the named customer groups are frozen into group delivery rows, then
 * each owner gets one add_msg_template (chat_type group) for their pending groups. As for customer
 * campaigns, a row is "sending" while WeCom's answer is unknown; when its lease runs out, WeCom's
 * list of the owner's group messages says whether it went, before anything is sent again.
 */
export class GroupChatDispatcher {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly groups?: CustomerGroupPort,
  ) {}

  /** A group is sent to by its owner; a dismissed group, or one without a known owner, is skipped. */
  async judge(c: Pick<CampaignDoc, 'tenantId' | 'chatIds' | 'roomIds'>): Promise<Map<string, { ok: true; sender: string } | { ok: false; reason: string }>> {
    const port = this.groups;
    const out = new Map<string, { ok: true; sender: string } | { ok: false; reason: string }>();
    for (const chatId of [...new Set<string>(c.chatIds ?? [])]) {
      const g = port ? await port.get(c.tenantId, chatId) : null;
      out.set(chatId, g && g.status !== 'dismissed' && g.ownerUserid ? { ok: true, sender: g.ownerUserid } : { ok: false, reason: 'group_gone' });
    }
    return out;
  }

  async snapshot(c: CampaignDoc): Promise<void> {
    const rows = [];
    for (const [chatId, v] of await this.judge(c)) {
      rows.push({
        _id: new Types.ObjectId(),
        tenantId: c.tenantId,
        campaignId: c._id,
        occurrence: c.occurrence,
        chatId,
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

  /** Sends every pending group of the run; returns false while rows are still in flight. */
  async sendPending(c: CampaignDoc, content: BroadcastContent, batch: number): Promise<'done' | 'in_flight'> {
    await this.recoverStale(c, content);
    for (;;) {
      const now = this.deps.now();
      const token = randomUUID();
      const ids = (
        await GroupDeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'pending' }).sort({ _id: 1 }).limit(batch).select({ _id: 1 }).lean()
      ).map((r) => r._id);
      if (!ids.length) break;
      await GroupDeliveryModel.updateMany(
        { _id: { $in: ids }, state: 'pending' },
        {
          $set: { state: 'sending', claim: token, leaseUntil: new Date(now.getTime() + this.deps.config.BROADCAST_LEASE_MS), sendingSince: now },
          $inc: { attempts: 1 },
        },
      );
      const rows = await GroupDeliveryModel.find({ campaignId: c._id, claim: token, state: 'sending' }).lean();
      const bySender = new Map<string, typeof rows>();
      for (const r of rows) bySender.set(r.sender!, [...(bySender.get(r.sender!) ?? []), r]);
      let refused = false;
      for (const [sender, list] of bySender) {
        if (refused) {
          await GroupDeliveryModel.updateMany(
            { _id: { $in: list.map((r) => r._id) }, claim: token },
            { $set: { state: 'pending', claim: null, leaseUntil: null }, $inc: { attempts: -1 } },
          );
          continue;
        }
        let msgid: string;
        try {
          msgid = (await this.client.addMsgTemplate({ chat_type: 'group', sender, chat_id_list: list.map((r) => r.chatId), ...groupMsgPayload(content) }))
            .msgid;
        } catch (err) {
          const ids = list.map((r) => r._id);
          if (isWecomErrcode(err, Errcode.FREQ_OUT_OF_LIMIT, Errcode.INVALID_ACCESS_TOKEN, Errcode.ACCESS_TOKEN_EXPIRED)) {
            // WeCom did nothing: these groups and the rest of the batch go on the campaign's next look.
            await GroupDeliveryModel.updateMany(
              { _id: { $in: ids }, claim: token },
              { $set: { state: 'pending', claim: null, leaseUntil: null }, $inc: { attempts: -1 } },
            );
            refused = true;
            continue;
          }
          // Unknown whether WeCom took it: the rows stay "sending" and WeCom is asked once a late
          // request would have landed (BROADCAST_SETTLE_MS), not when the whole lease runs out.
          this.deps.log.warn({ campaignId: String(c._id), sender, err: (err as Error).message }, 'group campaign send failed; will reconcile');
          const settleAt = new Date(this.deps.now().getTime() + Math.min(this.deps.config.BROADCAST_SETTLE_MS, this.deps.config.BROADCAST_LEASE_MS));
          await GroupDeliveryModel.updateMany({ _id: { $in: ids }, claim: token, state: 'sending' }, { $set: { leaseUntil: settleAt } });
          continue;
        }
        await GroupDeliveryModel.updateMany(
          { _id: { $in: list.map((r) => r._id) }, claim: token },
          { $set: { state: 'sent', sentAt: this.deps.now(), providerRef: msgid, leaseUntil: null } },
        );
      }
      if (refused) return 'in_flight';
    }
    return (await GroupDeliveryModel.exists({ campaignId: c._id, occurrence: c.occurrence, state: 'sending' })) ? 'in_flight' : 'done';
  }

  /** The earliest lease among rows in flight, for the campaign's next look. */
  async nextLease(c: CampaignDoc): Promise<Date | undefined> {
    const r = await GroupDeliveryModel.findOne({ campaignId: c._id, occurrence: c.occurrence, state: 'sending' }).sort({ leaseUntil: 1 }).lean();
    return r?.leaseUntil ?? undefined;
  }

  /**
   * Rows whose send outcome is unknown, once their lease ran out. WeCom lists a message created
   * through the API without its creator, and lists a group in its send results only once the owner
   * sent to it (doc 93338): so each claim's batch (one add_msg_template per owner) is matched to a
   * message with our text, created in the batch's window, whose tasks include that owner.
   */
  private async recoverStale(c: CampaignDoc, content: BroadcastContent): Promise<void> {
    const now = this.deps.now();
    const stale = await GroupDeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'sending', leaseUntil: { $lt: now } }).lean();
    if (!stale.length) return;
    const found = new Map<string, string>();
    const since = new Date(Math.min(...stale.map((r) => +(r.sendingSince ?? now))));
    const batches = new Map<string, { sender: string; at: number; rows: typeof stale }>();
    for (const r of stale) {
      const k = `${r.claim}\u0000${r.sender}`;
      const b = batches.get(k) ?? { sender: r.sender!, at: Math.floor(+(r.sendingSince ?? now) / 1000), rows: [] };
      b.rows.push(r);
      batches.set(k, b);
    }
    const taken = new Set<string>();
    for (const msg of await apiMessagesWithText(this.client, 'group', since, now, content.text)) {
      const senders = await messageSenders(this.client, msg.msgid);
      // The earliest unmatched batch of one of its senders, sent no later than the message was created.
      const batch = [...batches.entries()]
        .filter(([k, b]) => !taken.has(k) && senders.has(b.sender) && (!msg.createTime || b.at <= msg.createTime + 60))
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!batch) continue;
      taken.add(batch[0]);
      // One add_msg_template carried the whole batch of this owner's groups.
      for (const r of batch[1].rows) found.set(String(r._id), msg.msgid);
    }
    await GroupDeliveryModel.bulkWrite(
      stale.map((r) => {
        const ref = found.get(String(r._id));
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
