import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../shared/db.js';
import { ChatGroupModel } from './conversation.model.js';
import type { ChatContact } from './conversation.service.js';

/** Rooms the bot is in and their members; the profile of each member is found or created on join. */
export class ChatGroupService {
  constructor(private readonly identify: (tenantId: string, contact: ChatContact) => Promise<string>) {}

  async ensure(tenantId: string, botAccountId: string, roomId: string, topic?: string) {
    const filter = { tenantId, roomId };
    const update = { $setOnInsert: { tenantId, roomId, botAccountId }, ...(topic ? { $set: { topic } } : {}) };
    try {
      return (await ChatGroupModel.findOneAndUpdate(filter, update, { upsert: true, returnDocument: 'after' }).lean())!._id;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return (await ChatGroupModel.findOne(filter).lean())!._id;
    }
  }

  /** Room joins: each member added once, linked to their profile. */
  async roomJoined(tenantId: string, botAccountId: string, room: { id: string; topic?: string }, members: ChatContact[], at: Date): Promise<void> {
    await this.ensure(tenantId, botAccountId, room.id, room.topic);
    for (const m of members) {
      const customerId = m.id === botAccountId ? undefined : await this.identify(tenantId, m);
      await ChatGroupModel.updateOne(
        { tenantId, roomId: room.id, 'members.contactId': { $ne: m.id } },
        { $push: { members: { contactId: m.id, name: m.name, customerId: customerId ? new Types.ObjectId(customerId) : undefined, joinedAt: at } } },
      );
    }
  }

  async roomLeft(tenantId: string, roomId: string, contactIds: string[]): Promise<void> {
    if (contactIds.length) await ChatGroupModel.updateOne({ tenantId, roomId }, { $pull: { members: { contactId: { $in: contactIds } } } });
  }

  group(tenantId: string, roomId: string) {
    return ChatGroupModel.findOne({ tenantId, roomId }).lean();
  }

  /** The rooms the bot is in, most recently active first (campaign forms pick rooms from here). */
  list(tenantId: string, limit: number) {
    return ChatGroupModel.find({ tenantId }).sort({ updatedAt: -1 }).limit(limit).select({ roomId: 1, topic: 1, botAccountId: 1, members: 1 }).lean();
  }
}
