import mongoose, { Schema } from 'mongoose';

/** Who did what to which record. Append-only; kept (anonymised) even when a customer is erased. */
const auditSchema = new Schema({
  tenantId: { type: String, required: true },
  at: { type: Date, required: true },
  actorId: { type: String, required: true },
  actorRole: { type: String, required: true },
  action: { type: String, required: true },
  targetType: { type: String },
  targetId: { type: String },
  details: { type: Schema.Types.Mixed },
});
auditSchema.index({ tenantId: 1, at: -1 });
auditSchema.index({ tenantId: 1, targetType: 1, targetId: 1, at: -1 });
// The console's filters: by who, by what (exact or a prefix such as `api_key.`), by record alone.
auditSchema.index({ tenantId: 1, actorId: 1, at: -1 });
auditSchema.index({ tenantId: 1, action: 1, at: -1 });
auditSchema.index({ tenantId: 1, targetId: 1, at: -1 });

export const AuditModel = mongoose.model('AuditEntry', auditSchema, 'audit_log');
