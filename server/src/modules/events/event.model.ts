import mongoose, { Schema } from 'mongoose';

/**
 * Orders and behaviour from shop platforms. `eventId` is the platform's id and the idempotency key:
 * the unique index makes a resent batch change nothing. Rows are stored unapplied; `applied` turns true
 * once the worker's applier has moved the profile aggregates and run the hooks (event-applier.ts).
 */
const eventSchema = new Schema({
  tenantId: { type: String, required: true },
  eventId: { type: String, required: true },
  type: { type: String, required: true },
  customerId: { type: Schema.Types.ObjectId, required: true },
  occurredAt: { type: Date, required: true },
  receivedAt: { type: Date, required: true },
  source: { type: String },
  data: { type: Schema.Types.Mixed, default: {} },
  applied: { type: Boolean, default: false },
  /** When the applier finished it: `appliedAt - receivedAt` is how far the worker lags the shop. */
  appliedAt: { type: Date },
});
eventSchema.index({ tenantId: 1, eventId: 1 }, { unique: true });
eventSchema.index({ tenantId: 1, customerId: 1, occurredAt: -1 });
eventSchema.index({ tenantId: 1, type: 1, occurredAt: -1 });
eventSchema.index({ applied: 1, receivedAt: 1 }, { partialFilterExpression: { applied: false } });
// The applier's queue: a tenant's unapplied rows in the order received.
eventSchema.index({ tenantId: 1, receivedAt: 1, _id: 1 }, { partialFilterExpression: { applied: false } });
export const EventModel = mongoose.model('Event', eventSchema, 'events');
