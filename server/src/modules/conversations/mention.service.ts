import { Types } from 'mongoose';
import { AppError } from '../../shared/app-error.js';
import type { StaffService } from '../staff/staff.service.js';
import { ConversationModel, MessageModel } from './conversation.model.js';
import type { ConversationService } from './conversation.service.js';
import type { DeskLive } from './desk-live.js';
import { ConversationErrorCode } from './conversations.exception.js';
import { messageView } from './conversation.view.js';

/**
 * Private notes that @mention colleagues: the note keeps the mentioned staff ids, and each of them
 * finds it in 提及我 (with a count, live through the desk stream) until they open that chat. Only
 * active staff of the same brand can be mentioned; anyone else is refused before anything is written.
 */
export class MentionService {
  constructor(
    private readonly conversations: ConversationService,
    private readonly staff: StaffService,
    private readonly live: DeskLive,
  ) {}

  async addNote(tenantId: string, conversationId: string, author: { id: string; name: string }, text: string, mentions: string[]) {
    const wanted = [...new Set(mentions)];
    if (wanted.length) {
      const colleagues = new Set((await this.staff.list(tenantId, { status: 'active' })).map((s) => s.id));
      const unknown = wanted.filter((id) => !colleagues.has(id));
      if (unknown.length) {
        throw new AppError(ConversationErrorCode.MENTION_NOT_COLLEAGUE, 'Mention only active colleagues of this brand; pick them from the @ list', {
          status: 422,
          details: { staffIds: unknown },
        });
      }
    }
    // Mentioning yourself tells nobody anything.
    const named = wanted.filter((id) => id !== author.id);
    const note = await this.conversations.addNote(tenantId, conversationId, author, text, named);
    if (named.length) await this.live.event({ type: 'mention.created', tenantId, conversationId, mentionedStaffIds: named, message: messageView(note) });
    return note;
  }

  /** 提及我: the notes naming this colleague in chats they have not opened since, newest first. */
  async unread(tenantId: string, staffId: string, limit: number) {
    const [notes, count] = await Promise.all([
      MessageModel.find({ tenantId, mentionsUnread: staffId }).sort({ at: -1 }).limit(limit).lean(),
      MessageModel.countDocuments({ tenantId, mentionsUnread: staffId }),
    ]);
    const ids = [...new Set(notes.map((n) => String(n.conversationId)))].map((id) => new Types.ObjectId(id));
    const chats = new Map(
      (
        await ConversationModel.find({ tenantId, _id: { $in: ids } })
          .select({ title: 1 })
          .lean()
      ).map((c) => [String(c._id), c.title]),
    );
    return { count, items: notes.map((n) => ({ ...messageView(n), conversationTitle: chats.get(String(n.conversationId)) })) };
  }
}
