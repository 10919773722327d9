import { AppError } from '../../shared/app-error.js';
import type { Deps } from '../../shared/deps.js';
import { ConversationModel } from './conversation.model.js';
import type { ConversationService } from './conversation.service.js';
import { ConversationErrorCode, notYours, wrongState } from './conversations.exception.js';
import type { Actor } from './handoff.service.js';

/** How far ahead a chat may be snoozed: further than that is a forgotten chat, not a snoozed one. */
export const MAX_SNOOZE_DAYS = 30;

/**
 * How agents sort their chats without changing who holds them: labels (a set on the chat, so adding
 * one twice or removing one that is gone changes nothing) and snooze (the assignee puts a chat aside
 * until a time; 我的 leaves it out until the clock passes that time or the customer writes).
 */
export class TriageService {
  constructor(
    private readonly deps: Deps,
    private readonly conversations: ConversationService,
  ) {}

  /** Adds and removes labels in one update; a label both added and removed ends up removed. */
  async setLabels(tenantId: string, conversationId: string, add: string[], remove: string[]) {
    const c = await this.conversations.get(tenantId, conversationId);
    const keep = add.filter((l) => !remove.includes(l));
    // Each step is a set operation, so a retried request (or two agents at once) ends the same.
    if (keep.length) await ConversationModel.updateOne({ tenantId, _id: c._id }, { $addToSet: { labels: { $each: keep } } });
    if (remove.length) await ConversationModel.updateOne({ tenantId, _id: c._id }, { $pull: { labels: { $in: remove } } });
    const after = await ConversationModel.findOne({ tenantId, _id: c._id }).lean();
    await this.conversations.announce(tenantId, after ?? c, 'conversation.updated');
    return after ?? c;
  }

  /** The labels in use in the tenant, for the inbox's filter. */
  async labelsInUse(tenantId: string): Promise<string[]> {
    return ((await ConversationModel.distinct('labels', { tenantId })) as string[]).filter(Boolean).sort();
  }

  /** The assignee puts their chat aside until `until` (ahead of now, within MAX_SNOOZE_DAYS); snoozing again moves the time. */
  async snooze(tenantId: string, conversationId: string, actor: Actor, until: Date) {
    const c = await this.conversations.get(tenantId, conversationId);
    const now = this.deps.now();
    const ms = until.getTime() - now.getTime();
    if (ms <= 0 || ms > MAX_SNOOZE_DAYS * 86_400_000) {
      throw new AppError(ConversationErrorCode.BAD_SNOOZE, `Pick a time after now and at most ${MAX_SNOOZE_DAYS} days ahead`, {
        status: 400,
        details: { max: MAX_SNOOZE_DAYS },
      });
    }
    if (c.state !== 'assigned') throw wrongState(c.state, 'only a conversation you hold can be snoozed');
    if (c.assigneeId !== actor.id) throw notYours();
    const after = await ConversationModel.findOneAndUpdate(
      { tenantId, _id: c._id, state: 'assigned', assigneeId: actor.id },
      { $set: { snoozedUntil: until } },
      { returnDocument: 'after' },
    ).lean();
    if (!after) throw wrongState('changed meanwhile', 'reload it and try again');
    await this.conversations.announce(tenantId, after, 'conversation.updated');
    return after;
  }

  /** Back in the list now, before the time; waking an awake chat changes nothing. */
  async wake(tenantId: string, conversationId: string, actor: Actor) {
    const c = await this.conversations.get(tenantId, conversationId);
    if (c.state === 'assigned' && c.assigneeId !== actor.id && actor.role !== 'admin') throw notYours();
    const after = await ConversationModel.findOneAndUpdate(
      { tenantId, _id: c._id, snoozedUntil: { $exists: true } },
      { $unset: { snoozedUntil: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (after) await this.conversations.announce(tenantId, after, 'conversation.updated');
    return after ?? c;
  }

  /**
   * Part of the desk sweep: snoozes whose time came are cleared, each by one conditional update, and
   * announced, so an open inbox shows the chat again without a reload.
   */
  async wakeDue(): Promise<number> {
    const now = this.deps.now();
    let n = 0;
    for (const c of await ConversationModel.find({ snoozedUntil: { $lte: now } })
      .limit(500)
      .lean()) {
      const after = await ConversationModel.findOneAndUpdate(
        { _id: c._id, snoozedUntil: c.snoozedUntil },
        { $unset: { snoozedUntil: 1 } },
        { returnDocument: 'after' },
      ).lean();
      if (!after) continue;
      n++;
      await this.conversations.announce(after.tenantId, after, 'conversation.updated');
    }
    return n;
  }
}
