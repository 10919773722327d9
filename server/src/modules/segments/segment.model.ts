import mongoose, { Schema } from 'mongoose';

/**
 * A saved audience. `dynamic` segments are compiled and evaluated each time they are used;
 * `snapshot` segments are frozen into segment_members when saved, so later profile changes do not
 * move them.
 */
const segmentSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String },
    audience: { type: Schema.Types.Mixed, required: true },
    mode: { type: String, enum: ['dynamic', 'snapshot'], default: 'dynamic' },
    memberCount: { type: Number },
    snapshotAt: { type: Date },
    createdBy: { type: String },
  },
  { timestamps: true, minimize: false },
);
segmentSchema.index({ tenantId: 1, name: 1 }, { unique: true });
segmentSchema.index({ tenantId: 1, updatedAt: -1 });
export const SegmentModel = mongoose.model('Segment', segmentSchema, 'segments');

/** Members of a snapshot segment; the unique index makes a retried snapshot add nobody twice. */
const memberSchema = new Schema({
  tenantId: { type: String, required: true },
  segmentId: { type: Schema.Types.ObjectId, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
});
memberSchema.index({ tenantId: 1, segmentId: 1, customerId: 1 }, { unique: true });
export const SegmentMemberModel = mongoose.model('SegmentMember', memberSchema, 'segment_members');
