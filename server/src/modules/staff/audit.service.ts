import type { Deps } from '../../shared/deps.js';
import { AuditModel } from './audit.model.js';

export interface AuditInput {
  tenantId: string;
  actorId: string;
  actorRole: string;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  targetType?: string;
  targetId?: string;
  actorId?: string;
  /** An action (`api_key.create`), or every action under a prefix ending in a dot (`api_key.`). */
  action?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function auditQuery(tenantId: string, filter: AuditFilter, before?: Date): Record<string, unknown> {
  const q: Record<string, unknown> = { tenantId };
  if (filter.targetType) q.targetType = filter.targetType;
  if (filter.targetId) q.targetId = filter.targetId;
  if (filter.actorId) q.actorId = filter.actorId;
  // An anchored prefix is still an index range on `action`.
  if (filter.action) q.action = filter.action.endsWith('.') ? { $regex: `^${escapeRegex(filter.action)}` } : filter.action;
  const at: Record<string, Date> = {};
  if (filter.from) at.$gte = filter.from;
  if (filter.to) at.$lt = filter.to;
  if (before && (!at.$lt || before < at.$lt)) at.$lt = before;
  if (Object.keys(at).length) q.at = at;
  return q;
}

export class AuditService {
  constructor(private readonly deps: Deps) {}

  async record(input: AuditInput): Promise<void> {
    await AuditModel.create({ ...input, at: this.deps.now() });
  }

  async list(tenantId: string, filter: AuditFilter, limit = 50, before?: Date) {
    return AuditModel.find(auditQuery(tenantId, filter, before))
      .sort({ at: -1, _id: -1 })
      .limit(limit)
      .lean();
  }

  /** One page of the log, newest first, with how many entries match (the console's table). */
  async page(tenantId: string, filter: AuditFilter, page: number, pageSize: number) {
    const q = auditQuery(tenantId, filter);
    const [items, total] = await Promise.all([
      AuditModel.find(q)
        .sort({ at: -1, _id: -1 })
        .skip((page - 1) * pageSize)
        .limit(pageSize)
        .lean(),
      AuditModel.countDocuments(q),
    ]);
    return { items, total, page, pageSize };
  }

  /** The actions this brand's log holds, for the console's filter (a distinct scan of the action index). */
  async actions(tenantId: string): Promise<string[]> {
    return ((await AuditModel.distinct('action', { tenantId })) as string[]).sort();
  }
}
