import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { ConversationModel } from './conversation.model.js';
import { DeskAgentModel } from './desk-config.model.js';

/**
 * Each agent's taken seats (chats held against their capacity), counted by conditional updates so
 * capacity holds under races, and when each was last given a chat (for round-robin).
 */
export class DeskSeats {
  constructor(private readonly deps: Deps) {}

  /** Takes one seat if the agent has a free one (or unconditionally for an explicit take-over). */
  async take(tenantId: string, staffId: string, capacity: number, force = false): Promise<boolean> {
    if (!force && capacity <= 0) return false;
    try {
      const row = await DeskAgentModel.findOneAndUpdate(
        { tenantId, staffId, ...(force ? {} : { active: { $lt: capacity } }) },
        { $inc: { active: 1 }, $set: { lastAssignedAt: this.deps.now() } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      return !!row;
    } catch (err) {
      // The agent's row exists and is full: the upsert's insert hit the unique index.
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async release(tenantId: string, staffId: string): Promise<void> {
    await DeskAgentModel.updateOne({ tenantId, staffId, active: { $gt: 0 } }, { $inc: { active: -1 } });
  }

  /** How many seats the agent holds now (chats assigned to them). */
  async held(tenantId: string, staffId: string): Promise<number> {
    return (await DeskAgentModel.findOne({ tenantId, staffId }).lean())?.active ?? 0;
  }

  /** When each of these agents was last given a chat (ms; 0 = never). */
  async lastAssigned(tenantId: string, staffIds: string[]): Promise<Map<string, number>> {
    const rows = await DeskAgentModel.find({ tenantId, staffId: { $in: staffIds } }).lean();
    return new Map(rows.map((r) => [r.staffId, r.lastAssignedAt ? new Date(r.lastAssignedAt).getTime() : 0]));
  }

  /**
   * Seat counts move in separate writes from assignments, so a process dying in between leaves a
   * seat taken with no chat behind it, and a full-looking agent would sit idle for good. The sweep
   * recounts; a difference seen in two sweeps in a row with nothing changed meanwhile is real (the
   * window between the two writes is milliseconds) and is set right.
   */
  async reconcile(tenantId: string): Promise<number> {
    const held = new Map<string, number>();
    for (const c of await ConversationModel.find({ tenantId, state: 'assigned' }).select({ assigneeId: 1 }).lean())
      held.set(c.assigneeId!, (held.get(c.assigneeId!) ?? 0) + 1);
    let fixed = 0;
    for (const row of await DeskAgentModel.find({ tenantId }).lean()) {
      const assigned = held.get(row.staffId) ?? 0;
      const same = { _id: row._id, active: row.active };
      if (row.active === assigned) {
        if (row.drift) await DeskAgentModel.updateOne(same, { $unset: { drift: 1 } });
      } else if (row.drift?.active === row.active && row.drift?.assigned === assigned) {
        const res = await DeskAgentModel.updateOne(same, { $set: { active: assigned }, $unset: { drift: 1 } });
        if (res.modifiedCount) {
          fixed++;
          this.deps.log.warn({ tenantId, staffId: row.staffId, was: row.active, now: assigned }, 'desk seat count corrected');
        }
      } else {
        await DeskAgentModel.updateOne(same, { $set: { drift: { active: row.active, assigned } } });
      }
    }
    return fixed;
  }
}
