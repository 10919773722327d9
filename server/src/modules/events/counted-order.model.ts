import mongoose, { Schema } from 'mongoose';

/**
 * What the profile aggregates, RFM and the dashboard count: one row per paid order
 * (`paid:<orderId>`) and one per refund (`refund:<orderId>:<refundId>`), whatever number of events
 * (delivery ids) a shop sent them under. The unique key makes a resent order count once, in one batch,
 * across batches and under concurrent ingests; `amount` is the amount counted, so a resend with a
 * changed amount moves the totals by the difference. `receivedAt` is when that amount arrived: an
 * older event (a repair re-running a cut-short batch) never overwrites a newer correction.
 */
const countedOrderSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    key: { type: String, required: true },
    kind: { type: String, enum: ['paid', 'refund'], required: true },
    orderId: { type: String, required: true },
    refundId: { type: String },
    customerId: { type: Schema.Types.ObjectId, required: true },
    amount: { type: Number, required: true },
    /** When the order was paid or the refund made (the first event's occurredAt). */
    at: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    eventId: { type: String, required: true },
  },
  { versionKey: false },
);
countedOrderSchema.index({ tenantId: 1, key: 1 }, { unique: true });
countedOrderSchema.index({ tenantId: 1, customerId: 1, kind: 1, at: -1 });
countedOrderSchema.index({ tenantId: 1, kind: 1, at: -1 });
export const CountedOrderModel = mongoose.model('CountedOrder', countedOrderSchema, 'counted_orders');

export type CountedKind = 'paid' | 'refund';
