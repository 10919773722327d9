import mongoose, { Schema } from 'mongoose';

/**
 * Every WeCom callback we accepted, stored before we answer `success`; the processing job takes its id.
 * `dedupeKey` is the event's identity (WeCom retries the same event, an attacker may replay it): the
 * unique index makes the second copy a no-op.
 */
const callbackSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    dedupeKey: { type: String, required: true },
    event: { type: String, required: true },
    changeType: { type: String },
    data: { type: Schema.Types.Mixed, required: true },
    receivedAt: { type: Date, required: true },
    status: { type: String, enum: ['pending', 'done', 'failed'], default: 'pending' },
    attempts: { type: Number, default: 0 },
    error: { type: String },
    doneAt: { type: Date },
    /** The welcome message may go once, within 20 s of receipt. */
    welcome: { status: { type: String, enum: ['sending', 'sent', 'already_sent', 'skipped', 'late', 'failed'] }, at: Date, detail: String },
  },
  { timestamps: true },
);
callbackSchema.index({ tenantId: 1, dedupeKey: 1 }, { unique: true });
callbackSchema.index({ status: 1, receivedAt: 1 });
export const WecomCallbackModel = mongoose.model('WecomCallback', callbackSchema, 'wecom_callbacks');
