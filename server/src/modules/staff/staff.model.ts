import mongoose, { Schema, type InferSchemaType } from 'mongoose';
import { STAFF_ROLES } from '../../shared/http/principal.js';

const staffSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    username: { type: String, required: true },
    name: { type: String, required: true },
    role: { type: String, enum: STAFF_ROLES, required: true },
    passwordHash: { type: String, required: true },
    /** The staff member's WeCom userid, for owner matching, sidebar login and group messaging. */
    wecomUserId: { type: String },
    active: { type: Boolean, default: true },
    /** For agents: whether they take chats now, and how many at once. */
    online: { type: Boolean, default: false },
    capacity: { type: Number, default: 5 },
    /** Bumped by sign-out, deactivation, a password or role change: tokens carrying an older version are refused. */
    sessionVersion: { type: Number, default: 0 },
    /** A seeded demo login (known password): it signs in only while demo sign-in is on (config demoSignIn). */
    demo: { type: Boolean },
  },
  { timestamps: true },
);
staffSchema.index({ tenantId: 1, username: 1 }, { unique: true });
staffSchema.index({ tenantId: 1, wecomUserId: 1 }, { unique: true, partialFilterExpression: { wecomUserId: { $type: 'string' } } });

export type StaffDoc = InferSchemaType<typeof staffSchema> & { _id: mongoose.Types.ObjectId };
export const StaffModel = mongoose.model('Staff', staffSchema, 'staff');

const apiKeySchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    /** sha256 of the key; the key itself is shown once at creation. */
    keyHash: { type: String, required: true, unique: true },
    /** The key's first characters (`sk_AbCd`), so admins can tell keys apart in the list. */
    prefix: { type: String },
    createdBy: { type: String },
    /** When the key stops working: now for a revoke, later for a rotation's grace period. */
    revokedAt: { type: Date },
    revokedBy: { type: String },
    /** Written at most once a minute per key (api-key.service.ts). */
    lastUsedAt: { type: Date },
    /** The key this one replaced by rotation. */
    replaces: { type: String },
  },
  { timestamps: true },
);
apiKeySchema.index({ tenantId: 1, createdAt: -1 });
export const ApiKeyModel = mongoose.model('ApiKey', apiKeySchema, 'api_keys');
