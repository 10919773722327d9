import mongoose, { Schema } from 'mongoose';

/** A WeCom customer group (客户群) and its members, mirrored from change_external_chat and full sync. */
const memberSchema = new Schema(
  {
    userid: { type: String, required: true },
    /** 1 staff, 2 external contact */
    type: { type: Number, required: true },
    joinedAt: { type: Date },
    joinScene: { type: Number },
    name: { type: String },
    customerId: { type: String },
  },
  { _id: false },
);

const groupSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    chatId: { type: String, required: true },
    name: { type: String, default: '' },
    ownerUserid: { type: String },
    ownerStaffId: { type: String },
    notice: { type: String },
    status: { type: String, enum: ['active', 'dismissed'], default: 'active' },
    members: { type: [memberSchema], default: [] },
    memberCount: { type: Number, default: 0 },
    createdInWecomAt: { type: Date },
    dismissedAt: { type: Date },
  },
  { timestamps: true },
);
groupSchema.index({ tenantId: 1, chatId: 1 }, { unique: true });
groupSchema.index({ tenantId: 1, 'members.customerId': 1 });
// The console's table: newest sync first, or by size, within a status or an owner.
groupSchema.index({ tenantId: 1, status: 1, updatedAt: -1 });
groupSchema.index({ tenantId: 1, status: 1, memberCount: -1 });
groupSchema.index({ tenantId: 1, ownerStaffId: 1, updatedAt: -1 });
export const CustomerGroupModel = mongoose.model('CustomerGroup', groupSchema, 'customer_groups');
