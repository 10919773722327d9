import mongoose, { Schema } from 'mongoose';

/**
 * One row per (external contact, staff userid) relation as WeCom reports it: who added whom, through
 * which contact way (`state`), and whether the relation still stands. Unique, so a retried add or a
 * full sync meeting a known relation updates the row instead of counting twice.
 */
const followSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    externalUserId: { type: String, required: true },
    userid: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    staffId: { type: String },
    state: { type: String },
    status: { type: String, enum: ['active', 'lost'], default: 'active' },
    addedAt: { type: Date, required: true },
    lostAt: { type: Date },
    lostBy: { type: String, enum: ['staff', 'customer', 'transfer'] },
  },
  { timestamps: true },
);
followSchema.index({ tenantId: 1, externalUserId: 1, userid: 1 }, { unique: true });
followSchema.index({ tenantId: 1, state: 1, addedAt: 1 });
followSchema.index({ tenantId: 1, customerId: 1 });
export const WecomFollowModel = mongoose.model('WecomFollow', followSchema, 'wecom_follows');
