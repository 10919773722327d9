import mongoose, { Schema } from 'mongoose';

/**
 * A channel QR code (活码): a WeCom contact way whose `state` tells us, in the add callback, which code
 * a customer scanned, so we can apply its tags and send its welcome message. Adds are counted from
 * wecom_follows rows carrying this state, so a retried callback never counts twice.
 */
const contactWaySchema = new Schema(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    state: { type: String, required: true },
    configId: { type: String },
    qrCode: { type: String },
    staffIds: { type: [String], default: [] },
    backupStaffIds: { type: [String], default: [] },
    /** Which list WeCom serves now: backups take over for the rest of the day once the cap is reached. */
    serving: { type: String, enum: ['primary', 'backup'], default: 'primary' },
    servingDay: { type: String },
    tagIds: { type: [String], default: [] },
    welcome: { text: String, link: { title: String, url: String, desc: String, picurl: String } },
    dailyCap: { type: Number },
    skipVerify: { type: Boolean, default: true },
    deleted: { type: Boolean, default: false },
    createdBy: { type: String },
  },
  { timestamps: true },
);
contactWaySchema.index({ tenantId: 1, state: 1 }, { unique: true });
export const ContactWayModel = mongoose.model('WecomContactWay', contactWaySchema, 'wecom_contact_ways');
