import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError, type LeanDoc } from '../../shared/db.js';
import { OutboundModel } from './outbound.model.js';
import type { ConversationService } from './conversation.service.js';
import { outboundChannel, type DeskLive } from './desk-live.js';
import type { AttachmentRef } from './attachment.service.js';
import type { ChatRef } from './conversation.model.js';

export interface EnqueueInput {
  author: 'agent' | 'system';
  text: string;
  staffId?: string;
  staffName?: string;
  /** The caller's idempotency key; a retried request with the same key queues nothing new. */
  key?: string;
  /** An image or file sent instead of text (the text is then empty). */
  attachment?: AttachmentRef;
}

/**
 * Durable outbound delivery. A row goes pending → queued (message row written) → sending (claimed by
 * a bot with a lease) → sent, or back to queued with a backoff when a send fails, or failed after
 * too many attempts. Bots find work by a Redis wake-up or by polling; the database decides who sends.
 */
export class OutboundService {
  constructor(
    private readonly deps: Deps,
    private readonly conversations: ConversationService,
    private readonly live: DeskLive,
  ) {}

  async enqueue(tenantId: string, conversation: ChatRef, input: EnqueueInput): Promise<{ id: string; duplicate: boolean }> {
    const _id = new Types.ObjectId();
    const key = input.key ?? `auto:${_id}`;
    let row: LeanDoc<typeof OutboundModel>;
    let duplicate = false;
    try {
      row = (
        await OutboundModel.create({
          _id,
          tenantId,
          key,
          botAccountId: conversation.botAccountId,
          conversationId: conversation._id,
          peerId: conversation.peerId,
          messageId: new Types.ObjectId(),
          author: input.author,
          text: input.text,
          ...(input.attachment ? { attachment: input.attachment } : {}),
          state: 'pending',
          nextAttemptAt: this.deps.now(),
          staffId: input.staffId,
          staffName: input.staffName,
        })
      ).toObject<LeanDoc<typeof OutboundModel>>();
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // The unique key was taken: the row is there.
      row = (await OutboundModel.findOne({ tenantId, key }).lean())!;
      duplicate = true;
    }
    if (row.state === 'pending') await this.complete(tenantId, row, conversation);
    return { id: String(row._id), duplicate };
  }

  /** Writes the reply's message row, then makes the outbound row claimable and wakes the bot. */
  private async complete(tenantId: string, row: LeanDoc<typeof OutboundModel>, conversation: ChatRef): Promise<void> {
    await this.conversations.recordQueuedReply(tenantId, conversation, {
      messageId: row.messageId,
      author: row.author,
      text: row.text,
      // Written from an AttachmentRef by enqueue; mongoose infers the subdocument's fields as optional.
      attachment: (row.attachment as AttachmentRef | null | undefined) ?? undefined,
      staffId: row.staffId,
      staffName: row.staffName,
      outboundId: row._id,
      at: row.createdAt ?? this.deps.now(),
    });
    await OutboundModel.updateOne({ tenantId, _id: row._id, state: 'pending' }, { $set: { state: 'queued' } });
    await this.live.publish(outboundChannel(row.botAccountId), { tenantId, id: String(row._id) });
  }

  /** Takes the next due row for this bot account, or one whose previous sender's lease ran out. */
  async claim(tenantId: string, botAccountId: string, owner: string) {
    const now = this.deps.now();
    return OutboundModel.findOneAndUpdate(
      {
        tenantId,
        botAccountId,
        $or: [
          { state: 'queued', nextAttemptAt: { $lte: now } },
          { state: 'sending', leaseUntil: { $lte: now } },
        ],
      },
      { $set: { state: 'sending', leaseOwner: owner, leaseUntil: new Date(now.getTime() + this.deps.config.DESK_OUTBOUND_LEASE_MS) }, $inc: { attempts: 1 } },
      { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
    ).lean();
  }

  /** Only the lease holder can confirm; returns false when the lease was lost meanwhile. */
  async markSent(tenantId: string, id: string, owner: string, externalId?: string): Promise<boolean> {
    const res = await OutboundModel.updateOne(
      { tenantId, _id: id, state: 'sending', leaseOwner: owner },
      { $set: { state: 'sent', sentAt: this.deps.now() }, $unset: { leaseUntil: 1, lastError: 1 } },
    );
    if (res.modifiedCount) await this.conversations.markDelivery(tenantId, id, 'sent', externalId);
    return res.modifiedCount > 0;
  }

  /**
   * A failed send goes back to the queue with a growing delay, or fails for good after the last attempt
   * — or at once when `final` (the channel will not take it later either, and said later it would be
   * out of place: e.g. a 微信客服 notice while the chat is with a servicer in the WeCom app).
   */
  async markFailed(tenantId: string, id: string, owner: string, error: string, options: { final?: boolean } = {}): Promise<void> {
    const row = await OutboundModel.findOne({ tenantId, _id: id, state: 'sending', leaseOwner: owner }).lean();
    if (!row) return;
    const { DESK_OUTBOUND_MAX_ATTEMPTS: max } = this.deps.config;
    if (options.final || row.attempts >= max) {
      const res = await OutboundModel.updateOne(
        { tenantId, _id: id, state: 'sending', leaseOwner: owner },
        { $set: { state: 'failed', lastError: error }, $unset: { leaseUntil: 1 } },
      );
      if (res.modifiedCount) await this.conversations.markDelivery(tenantId, id, 'failed', undefined, error);
      return;
    }
    const delay = Math.min(60_000, 1000 * 2 ** (row.attempts - 1));
    await OutboundModel.updateOne(
      { tenantId, _id: id, state: 'sending', leaseOwner: owner },
      { $set: { state: 'queued', lastError: error, nextAttemptAt: new Date(this.deps.now().getTime() + delay) }, $unset: { leaseUntil: 1, leaseOwner: 1 } },
    );
  }

  /**
   * 重试: a failed row goes back to the queue with fresh attempts, its message shows queued again, and
   * the sender is woken. Only a failed row moves (a conditional update), so two clicks queue it once.
   */
  async retry(tenantId: string, id: string): Promise<boolean> {
    const row = await OutboundModel.findOneAndUpdate(
      { tenantId, _id: id, state: 'failed' },
      { $set: { state: 'queued', attempts: 0, nextAttemptAt: this.deps.now() }, $unset: { lastError: 1, leaseOwner: 1, leaseUntil: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (!row) return false;
    await this.conversations.markDelivery(tenantId, id, 'queued');
    await this.live.publish(outboundChannel(row.botAccountId), { tenantId, id });
    return true;
  }

  get(tenantId: string, id: string) {
    return OutboundModel.findOne({ tenantId, _id: id }).lean();
  }

  /** Rows queued by other modules under their own keys (broadcasts ask what became of theirs). */
  findMany(tenantId: string, by: { keys?: string[]; ids?: string[] }) {
    const q = by.keys
      ? { tenantId, key: { $in: by.keys } }
      : { tenantId, _id: { $in: (by.ids ?? []).filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id)) } };
    return OutboundModel.find(q).select({ key: 1, state: 1 }).lean();
  }

  /**
   * The 'conversations.deliver-outbound' job: finishes rows a crash left pending, fails rows whose
   * last lease ran out, and wakes the bots that have due rows (a lost pub/sub notice delays, never loses).
   */
  async sweep(): Promise<{ completed: number; failed: number; woken: number }> {
    const now = this.deps.now();
    const { DESK_OUTBOUND_MAX_ATTEMPTS: max } = this.deps.config;
    let completed = 0;
    const stale = await OutboundModel.find({ state: 'pending', createdAt: { $lte: new Date(now.getTime() - 30_000) } })
      .limit(100)
      .lean();
    for (const row of stale) {
      const conversation = await this.conversations.get(row.tenantId, String(row.conversationId)).catch(() => null);
      if (!conversation) continue;
      await this.complete(row.tenantId, row, conversation);
      completed++;
    }
    const dead = await OutboundModel.find({ state: 'sending', leaseUntil: { $lte: now }, attempts: { $gte: max } })
      .limit(100)
      .lean();
    let failed = 0;
    for (const row of dead) {
      const res = await OutboundModel.updateOne(
        { tenantId: row.tenantId, _id: row._id, state: 'sending', leaseUntil: row.leaseUntil },
        { $set: { state: 'failed', lastError: 'no bot confirmed delivery' } },
      );
      if (res.modifiedCount) {
        failed++;
        await this.conversations.markDelivery(row.tenantId, String(row._id), 'failed', undefined, 'no bot confirmed delivery');
      }
    }
    const due = await OutboundModel.find({
      $or: [
        { state: 'queued', nextAttemptAt: { $lte: now } },
        { state: 'sending', leaseUntil: { $lte: now } },
      ],
    })
      .select({ tenantId: 1, botAccountId: 1 })
      .limit(1000)
      .lean();
    const bots = new Map(due.map((r) => [r.botAccountId, r.tenantId]));
    for (const [botAccountId, tenantId] of bots) await this.live.publish(outboundChannel(botAccountId), { tenantId });
    return { completed, failed, woken: bots.size };
  }
}
