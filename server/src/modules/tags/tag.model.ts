import mongoose, { Schema } from 'mongoose';

/** A tag in a group, mirroring a WeCom corp tag when `wecomTagId` is set. */
const tagSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    groupName: { type: String, required: true },
    name: { type: String, required: true },
    order: { type: Number, default: 0 },
    wecomGroupId: { type: String },
    wecomTagId: { type: String },
    deleted: { type: Boolean, default: false },
  },
  { timestamps: true },
);
tagSchema.index({ tenantId: 1, groupName: 1, name: 1 }, { unique: true });
tagSchema.index({ tenantId: 1, wecomTagId: 1 }, { unique: true, partialFilterExpression: { wecomTagId: { $type: 'string' } } });
export const TagModel = mongoose.model('Tag', tagSchema, 'tags');
