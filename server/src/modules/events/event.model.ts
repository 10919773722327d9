import mongoose, { Schema } from 'mongoose';

/**
 * Orders and behaviour from shop platforms. `eventId` is the platform's id and the idempotency key:
 * the unique index makes a resent batch change nothing. `applied` turns true once the profile
 * aggregates and hooks have seen the event; the repair job finishes any left half-done by a crash.
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
});
eventSchema.index({ tenantId: 1, eventId: 1 }, { unique: true });
eventSchema.index({ tenantId: 1, customerId: 1, occurredAt: -1 });
eventSchema.index({ tenantId: 1, type: 1, occurredAt: -1 });
eventSchema.index({ applied: 1, receivedAt: 1 }, { partialFilterExpression: { applied: false } });
export const EventModel = mongoose.model('Event', eventSchema, 'events');
