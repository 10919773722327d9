import mongoose, { Schema } from 'mongoose';

/** Where we are in one 微信客服 account's message stream: sync_msg's next_cursor, stored after each page. */
const kfCursorSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    openKfId: { type: String, required: true },
    cursor: { type: String, default: '' },
    syncedAt: { type: Date },
  },
  { timestamps: true },
);
kfCursorSchema.index({ tenantId: 1, openKfId: 1 }, { unique: true });
export const KfCursorModel = mongoose.model('KfCursor', kfCursorSchema, 'wechat_kf_cursors');

/**
 * One WeChat customer with one 微信客服 account: WeCom's send window (5 messages within 48 h of the
 * customer's last message) as we count it, and the service_state we last set. Sends are taken with a
 * conditional `$inc`, so two agents replying at once cannot pass the limit together.
 */
const kfSessionSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    openKfId: { type: String, required: true },
    externalUserId: { type: String, required: true },
    lastCustomerAt: { type: Date },
    lastCustomerMsgId: { type: String },
    sentSinceCustomer: { type: Number, default: 0 },
    /** WeCom's service_state as we last set or learnt it (0 new … 4 ended). */
    serviceState: { type: Number },
    servicerUserid: { type: String },
  },
  { timestamps: true },
);
kfSessionSchema.index({ tenantId: 1, openKfId: 1, externalUserId: 1 }, { unique: true });
export const KfSessionModel = mongoose.model('KfSession', kfSessionSchema, 'wechat_kf_sessions');
