import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { FollowUpModel } from './follow-up.model.js';

export interface FollowUpInput {
  customerId: string;
  assigneeId?: string;
  title: string;
  dueAt?: Date;
  source?: string;
  /** Automatic sources pass one, so the same trigger never creates the task twice. */
  dedupeKey?: string;
  createdBy?: string;
  why?: Record<string, unknown>;
}

export interface FollowUpFilter {
  assigneeId?: string;
  customerId?: string;
  status?: 'open' | 'done';
}

function query(tenantId: string, filter: FollowUpFilter): Record<string, unknown> {
  const q: Record<string, unknown> = { tenantId };
  if (filter.assigneeId) q.assigneeId = filter.assigneeId;
  if (filter.customerId) q.customerId = filter.customerId;
  if (filter.status) q.status = filter.status;
  return q;
}

export class FollowUpService {
  constructor(private readonly deps: Deps) {}

  async create(tenantId: string, input: FollowUpInput) {
    try {
      return (await FollowUpModel.create({ tenantId, ...input, customerId: new Types.ObjectId(input.customerId) })).toObject();
    } catch (err) {
      if (input.dedupeKey && isDuplicateKeyError(err)) return FollowUpModel.findOne({ tenantId, dedupeKey: input.dedupeKey }).lean();
      throw err;
    }
  }

  async list(tenantId: string, filter: FollowUpFilter, limit = 50) {
    return FollowUpModel.find(query(tenantId, filter)).sort({ status: -1, dueAt: 1, createdAt: -1 }).limit(limit).lean();
  }

  /** How many tasks match, beyond the page `list` returns (a sales member's 我的待办 count). */
  async count(tenantId: string, filter: FollowUpFilter): Promise<number> {
    return FollowUpModel.countDocuments(query(tenantId, filter));
  }

  /** How many tasks of one source each assignee ('' = nobody) has among those matching `match` (a day's churn tasks). */
  async countBySource(tenantId: string, source: string, match: Record<string, unknown> = {}): Promise<Map<string, number>> {
    const rows = await FollowUpModel.aggregate<{ _id: string | null; n: number }>([
      { $match: { tenantId, source, ...match } },
      { $group: { _id: '$assigneeId', n: { $sum: 1 } } },
    ]);
    return new Map(rows.map((r) => [r._id ?? '', r.n]));
  }

  /**
   * Closes the open tasks of one source about these customers, saying why (the churn sweep: a
   * customer whose window closed is lost, and a call now would not help); returns how many.
   */
  async closeOpen(tenantId: string, customerIds: string[], source: string, closedReason: string): Promise<number> {
    const ids = customerIds.filter((c) => Types.ObjectId.isValid(c)).map((c) => new Types.ObjectId(c));
    if (!ids.length) return 0;
    const r = await FollowUpModel.updateMany(
      { tenantId, customerId: { $in: ids }, source, status: 'open' },
      { $set: { status: 'done', doneAt: this.deps.now(), closedReason } },
    );
    return r.modifiedCount;
  }

  /** Open tasks of `fromId` about these customers go to `toId` (a customer handed over); returns how many. */
  async reassign(tenantId: string, customerIds: string[], fromId: string, toId: string): Promise<number> {
    const ids = customerIds.filter((c) => Types.ObjectId.isValid(c)).map((c) => new Types.ObjectId(c));
    if (!ids.length || fromId === toId) return 0;
    const r = await FollowUpModel.updateMany({ tenantId, customerId: { $in: ids }, assigneeId: fromId, status: 'open' }, { $set: { assigneeId: toId } });
    return r.modifiedCount;
  }

  async get(tenantId: string, id: string) {
    const doc = Types.ObjectId.isValid(id) ? await FollowUpModel.findOne({ tenantId, _id: id }).lean() : null;
    if (!doc) throw notFound('Follow-up');
    return doc;
  }

  async setStatus(tenantId: string, id: string, status: 'open' | 'done') {
    const doc = await FollowUpModel.findOneAndUpdate(
      { tenantId, _id: id },
      { $set: { status, doneAt: status === 'done' ? this.deps.now() : null }, $unset: { closedReason: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (!doc) throw notFound('Follow-up');
    return doc;
  }
}
