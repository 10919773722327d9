import mongoose, { Schema } from 'mongoose';

/**
 * A full sync run. The cursor and counts are saved after every page, so a crashed worker's successor
 * resumes where it stopped. One running run per tenant (partial unique index): starting twice returns it.
 */
const runSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    status: { type: String, enum: ['running', 'done', 'failed'], default: 'running' },
    phase: { type: String, enum: ['contacts', 'groups', 'finished'], default: 'contacts' },
    userids: { type: [String], default: [] },
    /** Which slice of 100 follow users batch/get_by_user is paging through. */
    chunk: { type: Number, default: 0 },
    contactCursor: { type: String, default: '' },
    groupCursor: { type: String, default: '' },
    /** Which slice of 100 follow users (as group owners) groupchat/list is paging through. */
    groupChunk: { type: Number, default: 0 },
    pages: { type: Number, default: 0 },
    contacts: { type: Number, default: 0 },
    groups: { type: Number, default: 0 },
    startedBy: { type: String },
    startedAt: { type: Date, required: true },
    heartbeatAt: { type: Date },
    /** The worker holding the run until leaseUntil; an expired lease lets another worker resume it. */
    leaseOwner: { type: String },
    leaseUntil: { type: Date, default: null },
    finishedAt: { type: Date },
    error: { type: String },
  },
  { timestamps: true },
);
runSchema.index({ tenantId: 1, status: 1 }, { unique: true, partialFilterExpression: { status: 'running' } });
runSchema.index({ tenantId: 1, startedAt: -1 });
export const WecomSyncRunModel = mongoose.model('WecomSyncRun', runSchema, 'wecom_sync_runs');

/**
 * A tag change made in the SCRM, waiting to be mirrored to WeCom (outbox): a customer tagged
 * (kind 'mark' → mark_tag) or a tag renamed, moved or deleted (kind 'tag' → edit_corp_tag, a move's
 * add/mark/del, del_corp_tag).
 */
const tagOpSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    kind: { type: String, enum: ['mark', 'tag'], default: 'mark' },
    customerId: { type: String },
    tagId: { type: String },
    change: { type: String, enum: ['updated', 'removed'] },
    addTagIds: { type: [String], default: [] },
    /** Not `remove`: mongoose reserves that path name. */
    removeTagIds: { type: [String], default: [] },
    /**
     * A move to another group, step by step: WeCom has no move, so the corp tag `from` is replaced by
     * `to` (in group `toGroupId`), customers are re-marked in _id order up to `after`, then `from` is
     * deleted. A retry continues from here instead of creating a second corp tag.
     */
    move: {
      type: new Schema({ from: String, to: String, toGroupId: String, after: Schema.Types.ObjectId }, { _id: false }),
      default: undefined,
    },
    status: { type: String, enum: ['pending', 'done', 'failed'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    error: { type: String },
  },
  { timestamps: true },
);
tagOpSchema.index({ status: 1, updatedAt: 1 });
export const WecomTagOpModel = mongoose.model('WecomTagOp', tagOpSchema, 'wecom_tag_ops');
