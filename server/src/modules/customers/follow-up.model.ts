import mongoose, { Schema } from 'mongoose';

/** A task for a staff member about a customer: manual, or raised by churn warning, WeCom loss, journeys. */
const followUpSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    assigneeId: { type: String },
    title: { type: String, required: true },
    dueAt: { type: Date },
    status: { type: String, enum: ['open', 'done'], default: 'open' },
    source: { type: String, default: 'manual' },
    /** Set by automatic sources so a retried trigger creates the task once. */
    dedupeKey: { type: String },
    createdBy: { type: String },
    /** Why an automatic task exists, as data (the churn sweep's figures and the local day it was given). */
    why: { type: Schema.Types.Mixed },
    doneAt: { type: Date },
    /** Closed by the system, not by a person: 'customer_lost' when a churn task's window closed unanswered. */
    closedReason: { type: String },
  },
  { timestamps: true },
);
followUpSchema.index({ tenantId: 1, dedupeKey: 1 }, { unique: true, partialFilterExpression: { dedupeKey: { $type: 'string' } } });
followUpSchema.index({ tenantId: 1, assigneeId: 1, status: 1, dueAt: 1 });
followUpSchema.index({ tenantId: 1, customerId: 1, createdAt: -1 });
followUpSchema.index({ tenantId: 1, source: 1, 'why.day': 1 });
export const FollowUpModel = mongoose.model('FollowUp', followUpSchema, 'follow_ups');
