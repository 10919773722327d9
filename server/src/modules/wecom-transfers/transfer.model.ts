import mongoose, { Schema } from 'mongoose';

export const TRANSFER_STATES = ['queued', 'pending', 'transferred', 'refused', 'limit', 'failed'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];
/** States WeCom may still change; a row in one of these holds the customer's (or group's) `open` slot. */
export const OPEN_STATES: TransferState[] = ['queued', 'pending'];

/**
 * Our record of one customer (or customer group) handed from one WeCom member to another: 在职继承
 * (`in_service`) or 离职继承 (`resigned`). `queued` = written, not yet accepted by WeCom; `pending` =
 * WeCom accepted it and the takeover waits (24 h, or the customer's answer); then `transferred`,
 * `refused` (the customer said no), `limit` (the takeover member has too many customers) or `failed`
 * (WeCom refused the request for this customer; `errcode` and `reason` say why).
 *
 * `openKey` is set while the row is open and unique, so a retried or concurrent start finds the
 * customer already in hand and never asks WeCom twice.
 */
const transferSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    mode: { type: String, enum: ['in_service', 'resigned'], required: true },
    subject: { type: String, enum: ['customer', 'group'], default: 'customer' },
    /** external_userid for a customer, chat_id for a group */
    target: { type: String, required: true },
    customerId: { type: String },
    name: { type: String },
    handoverUserid: { type: String, required: true },
    handoverStaffId: { type: String },
    takeoverUserid: { type: String, required: true },
    takeoverStaffId: { type: String },
    status: { type: String, enum: TRANSFER_STATES, default: 'queued' },
    openKey: { type: String },
    errcode: { type: Number },
    reason: { type: String },
    message: { type: String },
    requestId: { type: String, required: true },
    requestedBy: { type: String },
    requestedAt: { type: Date },
    /** When WeCom says the takeover will happen (status 2's takeover_time). */
    expectedAt: { type: Date },
    doneAt: { type: Date },
    /** Set once the profile's owner, followers and follow-ups have moved (a crash in between is redone). */
    appliedAt: { type: Date },
    checkedAt: { type: Date },
    /** Who is sending this queued row to WeCom right now, and until when (a crashed sender's lease runs out). */
    claim: { type: String },
    leaseUntil: { type: Date },
  },
  { timestamps: true },
);
transferSchema.index({ tenantId: 1, openKey: 1 }, { unique: true, partialFilterExpression: { openKey: { $type: 'string' } } });
transferSchema.index({ tenantId: 1, handoverStaffId: 1, createdAt: -1 });
transferSchema.index({ tenantId: 1, takeoverStaffId: 1, createdAt: -1 });
transferSchema.index({ tenantId: 1, handoverUserid: 1, createdAt: -1 });
transferSchema.index({ status: 1, updatedAt: 1 });
transferSchema.index({ tenantId: 1, target: 1, status: 1 });
export const TransferModel = mongoose.model('WecomTransfer', transferSchema, 'wecom_transfers');

export const openKeyOf = (subject: string, target: string, handoverUserid: string) => `${subject}:${target}:${handoverUserid}`;
