import type { Principal } from '../../shared/http/principal.js';
import type { AuditInput } from '../staff/audit.service.js';

/**
 * What the audit log keeps about personal data (PIPL art. 51/54: know who processed what): every read
 * of a full, unmasked profile and every export, and every write to a person with the changed fields'
 * values before and after. Entries name the customer by id; the values a write changed are removed
 * from the log when the customer is erased (erasure.service.ts), the fact of the change stays.
 */
export interface AuditPort {
  record(input: AuditInput): Promise<void>;
}

const actorOf = (p: Principal) =>
  p.kind === 'staff'
    ? { actorId: p.id, actorRole: p.role }
    : p.kind === 'shopper'
      ? { actorId: p.customerId, actorRole: 'shopper' }
      : { actorId: p.id, actorRole: p.kind };

/** A read of personal data: a full profile (`customers.read`) or an export (`privacy.export`). */
export function auditRead(
  audit: AuditPort,
  p: Principal,
  tenantId: string,
  action: 'customers.read' | 'privacy.export',
  customerId: string,
  details: Record<string, unknown> = {},
) {
  return audit.record({ tenantId, ...actorOf(p), action, targetType: 'customers', targetId: customerId, details });
}

/** The fields whose value differs, each with its value before and after (absent = null). */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  fields: string[],
): Record<string, { before: unknown; after: unknown }> {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  for (const f of fields) {
    const b = before[f] ?? null;
    const a = after[f] ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) out[f] = { before: b, after: a };
  }
  return out;
}

/** A write to a person: `changes` holds each changed field's before and after. Nothing changed → nothing recorded. */
export async function auditWrite(
  audit: AuditPort,
  p: Principal,
  tenantId: string,
  action: string,
  customerId: string,
  changes: Record<string, { before: unknown; after: unknown }>,
) {
  if (!Object.keys(changes).length) return;
  await audit.record({ tenantId, ...actorOf(p), action, targetType: 'customers', targetId: customerId, details: { changes } });
}
