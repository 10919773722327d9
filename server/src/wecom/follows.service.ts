import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../shared/db.js';
import { WecomFollowModel } from './external-contact.model.js';

/**
 * The contact relations (`wecom_follows`) as the modules built on the adapter need them: a channel
 * code's adds (contact-ways) and a member's customers handed over (wecom-transfers). The adapter owns
 * the collection; these are its questions and moves by purpose, on the same indexes.
 */
export class WecomFollowsService {
  /** Adds through a channel code (`state`): all, only since `addedSince`, or only those since lost. */
  countThroughCode(tenantId: string, state: string, only: { addedSince?: Date; lost?: boolean } = {}): Promise<number> {
    const q: Record<string, unknown> = { tenantId, state };
    if (only.addedSince) q.addedAt = { $gte: only.addedSince };
    if (only.lost) q.status = 'lost';
    return WecomFollowModel.countDocuments(q);
  }

  /** Each add through a channel code since `since`: when, and whether the relation was lost since. */
  async addsThroughCodeSince(tenantId: string, state: string, since: Date): Promise<Array<{ addedAt: Date; status?: string | null }>> {
    return WecomFollowModel.find({ tenantId, state, addedAt: { $gte: since } }, { addedAt: 1, status: 1 }).lean();
  }

  /** A member's standing relations, optionally only with these customers: the customers a transfer can hand over. */
  async activeOf(tenantId: string, userid: string, customerIds?: string[]): Promise<Array<{ externalUserId: string; customerId: string }>> {
    const q: Record<string, unknown> = { tenantId, userid, status: 'active' };
    if (customerIds) q.customerId = { $in: customerIds.map((c) => new Types.ObjectId(c)) };
    const rows = await WecomFollowModel.find(q, { externalUserId: 1, customerId: 1 }).lean();
    return rows.map((r) => ({ externalUserId: r.externalUserId, customerId: String(r.customerId) }));
  }

  countActiveOf(tenantId: string, userid: string): Promise<number> {
    return WecomFollowModel.countDocuments({ tenantId, userid, status: 'active' });
  }

  /**
   * A transfer ended the giver's relation (not a lost customer: lostBy `transfer`). `ifActive` leaves a
   * relation already ended as it is (the result applied after the callback did).
   */
  async endByTransfer(tenantId: string, e: { externalUserId: string; userid: string; at: Date; ifActive?: boolean }): Promise<void> {
    await WecomFollowModel.updateOne(
      { tenantId, externalUserId: e.externalUserId, userid: e.userid, ...(e.ifActive ? { status: 'active' } : {}) },
      { $set: { status: 'lost', lostAt: e.at, lostBy: 'transfer' } },
    );
  }

  /** A transfer gave the taker the relation: standing, on the customer's profile (idempotent). */
  async takeOverByTransfer(tenantId: string, e: { externalUserId: string; userid: string; customerId: string; staffId?: string; at: Date }): Promise<void> {
    await WecomFollowModel.updateOne(
      { tenantId, externalUserId: e.externalUserId, userid: e.userid },
      {
        $set: { customerId: new Types.ObjectId(e.customerId), staffId: e.staffId, status: 'active' },
        $setOnInsert: { addedAt: e.at },
        $unset: { lostAt: 1, lostBy: 1 },
      },
      { upsert: true },
    ).catch((err) => {
      if (!isDuplicateKeyError(err)) throw err; // the add callback wrote the row at the same moment
    });
  }
}
