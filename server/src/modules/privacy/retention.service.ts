import mongoose from 'mongoose';
import type { Deps } from '../../shared/deps.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Retention (PIPL art. 19: keep personal data no longer than needed). Chats, processed WeCom callbacks
 * and behaviour events older than the configured periods are deleted; open chats (queued or with an agent) are left
 * alone until they close, and events still waiting to be applied to the profile are kept until they are.
 * Runs per tenant, like every other query.
 */
export class RetentionService {
  constructor(
    private readonly deps: Deps,
    /** The desk's attachment store: the files of the deleted messages go with them. */
    private readonly attachments?: { remove(tenantId: string, ids: string[]): Promise<number> },
  ) {}

  private col(name: string) {
    return mongoose.connection.collection(name);
  }

  async run(): Promise<{ tenants: number; conversations: number; messages: number; outbound: number; events: number; callbacks: number; attachments: number }> {
    const { PRIVACY_RETENTION_CONVERSATION_DAYS: convDays, PRIVACY_RETENTION_EVENT_DAYS: eventDays } = this.deps.config;
    const now = this.deps.now().getTime();
    const chatCutoff = new Date(now - convDays * DAY_MS);
    const eventCutoff = new Date(now - eventDays * DAY_MS);
    const tenants = new Set<string>([
      ...((await this.col('conversations').distinct('tenantId')) as string[]),
      ...((await this.col('conversation_messages').distinct('tenantId')) as string[]),
      ...((await this.col('events').distinct('tenantId')) as string[]),
      ...((await this.col('wecom_callbacks').distinct('tenantId')) as string[]),
    ]);
    const out = { tenants: tenants.size, conversations: 0, messages: 0, outbound: 0, events: 0, callbacks: 0, attachments: 0 };
    for (const tenantId of tenants) {
      const stale = await this.col('conversations')
        .find({ tenantId, lastMessageAt: { $lt: chatCutoff }, state: { $in: ['bot', 'resolved'] } })
        .project({ _id: 1 })
        .toArray();
      const ids = stale.map((c) => c._id);
      // The pictures, files, voice and video those messages carried, before the rows naming them go.
      const carrying = { tenantId, 'media.attachmentId': { $type: 'string' }, $or: [{ conversationId: { $in: ids } }, { at: { $lt: chatCutoff } }] };
      const files = (await this.col('conversation_messages').find(carrying).project({ 'media.attachmentId': 1 }).toArray()).map((m) =>
        String(m.media.attachmentId),
      );
      if (files.length && this.attachments) out.attachments += await this.attachments.remove(tenantId, files);
      if (ids.length) {
        out.messages += (await this.col('conversation_messages').deleteMany({ tenantId, conversationId: { $in: ids } })).deletedCount ?? 0;
        out.outbound += (await this.col('outbound_messages').deleteMany({ tenantId, conversationId: { $in: ids } })).deletedCount ?? 0;
        out.conversations += (await this.col('conversations').deleteMany({ tenantId, _id: { $in: ids } })).deletedCount ?? 0;
      }
      // Old messages of chats still in use go too; a long-lived chat keeps only its recent part.
      out.messages += (await this.col('conversation_messages').deleteMany({ tenantId, at: { $lt: chatCutoff } })).deletedCount ?? 0;
      out.outbound +=
        (await this.col('outbound_messages').deleteMany({ tenantId, state: { $in: ['sent', 'failed'] }, updatedAt: { $lt: chatCutoff } })).deletedCount ?? 0;
      out.events += (await this.col('events').deleteMany({ tenantId, occurredAt: { $lt: eventCutoff }, applied: true })).deletedCount ?? 0;
      // Raw WeCom callbacks name the contact; once processed they are only a debugging aid.
      out.callbacks += (await this.col('wecom_callbacks').deleteMany({ tenantId, status: 'done', receivedAt: { $lt: chatCutoff } })).deletedCount ?? 0;
    }
    this.deps.log.info(out, 'retention run');
    return out;
  }
}
