import mongoose, { Schema } from 'mongoose';

/**
 * A member who left a customer group, seen when a refresh no longer finds them. WeCom's group keeps
 * only who is in it now; these rows are the 退群 side of the console's joins/leaves. One row per stay
 * (userid + the join time of that stay), so a second refresh, or two at once, record a leave once.
 */
const departureSchema = new Schema({
  tenantId: { type: String, required: true },
  chatId: { type: String, required: true },
  userid: { type: String, required: true },
  type: { type: Number, required: true },
  name: { type: String },
  customerId: { type: String },
  joinedAt: { type: Date },
  leftAt: { type: Date, required: true },
});
departureSchema.index({ tenantId: 1, chatId: 1, userid: 1, joinedAt: 1 }, { unique: true });
departureSchema.index({ tenantId: 1, chatId: 1, leftAt: -1 });
export const CustomerGroupDepartureModel = mongoose.model('CustomerGroupDeparture', departureSchema, 'customer_group_departures');
