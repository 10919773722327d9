import mongoose, { Schema } from 'mongoose';

/**
 * A reply waiting for the bot to deliver it. Rows are the truth: the bot claims one with a lease
 * (queued → sending), sends, and marks it sent; a bot that dies mid-send leaves a lease that expires,
 * and the next claim retries it. `key` is the sender's idempotency key, so a retried request queues once.
 */
/** `pending`: row written, its message row not yet; the sweep completes rows a crash left here. */
export const OUTBOUND_STATES = ['pending', 'queued', 'sending', 'sent', 'failed'] as const;

const outboundSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    key: { type: String, required: true },
    botAccountId: { type: String, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    peerId: { type: String, required: true },
    messageId: { type: Schema.Types.ObjectId, required: true },
    author: { type: String, enum: ['agent', 'system'], required: true },
    /** Empty for an attachment, which is sent on its own. */
    text: { type: String, default: '' },
    attachment: {
      type: { _id: false, attachmentId: String, kind: { type: String, enum: ['image', 'file'] }, name: String, mime: String, size: Number },
      default: undefined,
    },
    staffId: { type: String },
    staffName: { type: String },
    state: { type: String, enum: OUTBOUND_STATES, default: 'pending' },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    leaseOwner: { type: String },
    leaseUntil: { type: Date },
    sentAt: { type: Date },
    lastError: { type: String },
  },
  { timestamps: true },
);
outboundSchema.index({ tenantId: 1, key: 1 }, { unique: true });
outboundSchema.index({ botAccountId: 1, state: 1, nextAttemptAt: 1 });
export const OutboundModel = mongoose.model('OutboundMessage', outboundSchema, 'outbound_messages');
