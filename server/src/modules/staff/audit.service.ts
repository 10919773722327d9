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

export class AuditService {
  constructor(private readonly deps: Deps) {}

  async record(input: AuditInput): Promise<void> {
    await AuditModel.create({ ...input, at: this.deps.now() });
  }

  async list(tenantId: string, filter: { targetType?: string; targetId?: string; actorId?: string }, limit = 50, before?: Date) {
    const q: Record<string, unknown> = { tenantId };
    if (filter.targetType) q.targetType = filter.targetType;
    if (filter.targetId) q.targetId = filter.targetId;
    if (filter.actorId) q.actorId = filter.actorId;
    if (before) q.at = { $lt: before };
    return AuditModel.find(q).sort({ at: -1 }).limit(limit).lean();
  }
}
