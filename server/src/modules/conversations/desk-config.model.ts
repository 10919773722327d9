import mongoose, { Schema } from 'mongoose';

/**
 * What the bot answers with (keyword/regex rules and FAQ entries), what agents paste (canned
 * replies), each tenant's SLA targets, and each agent's seat count for fair assignment.
 */
const replyRuleSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    kind: { type: String, enum: ['keyword', 'regex', 'faq'], required: true },
    /** keyword rules and FAQ entries: any of these words in the message matches. */
    keywords: { type: [String], default: [] },
    /** regex rules: matched case-insensitively against the whole message. */
    pattern: { type: String },
    question: { type: String },
    /** FAQ entries: other ways customers ask the question; a message saying one of them gets this answer. */
    similar: { type: [String], default: [] },
    reply: { type: String, default: '' },
    /** reply: answer with `reply`; handoff: hand the chat to a human. */
    action: { type: String, enum: ['reply', 'handoff'], default: 'reply' },
    priority: { type: Number, default: 0 },
    active: { type: Boolean, default: true },
  },
  { timestamps: true },
);
replyRuleSchema.index({ tenantId: 1, kind: 1, priority: -1 });
export const ReplyRuleModel = mongoose.model('ReplyRule', replyRuleSchema, 'reply_rules');

const cannedReplySchema = new Schema(
  { tenantId: { type: String, required: true }, title: { type: String, required: true }, text: { type: String, required: true } },
  { timestamps: true },
);
cannedReplySchema.index({ tenantId: 1, title: 1 }, { unique: true });
export const CannedReplyModel = mongoose.model('CannedReply', cannedReplySchema, 'canned_replies');

const deskSettingsSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    firstResponseSeconds: { type: Number },
    nextResponseSeconds: { type: Number },
    /** Staff role told when a target is breached. */
    supervisorRole: { type: String },
    roomWelcome: { type: String },
    /** After the account's owner writes from the phone, the bot keeps quiet in that chat this long. */
    manualPauseSeconds: { type: Number },
    /** Handoff routing, first match wins: a keyword in the customer's last messages, a tag, a loyalty tier → a team. */
    routing: {
      type: [{ _id: false, when: { type: String, enum: ['keyword', 'tag', 'tier'] }, values: [String], teamId: String }],
      default: undefined,
    },
    /** Business hours (business-hours.ts); unset: always open, SLA clocks run on calendar time. */
    hours: {
      timezone: String,
      weekly: { type: [{ _id: false, day: Number, open: String, close: String }], default: undefined },
      holidays: { type: [String], default: undefined },
      workdays: { type: [String], default: undefined },
    },
  },
  { timestamps: true },
);
deskSettingsSchema.index({ tenantId: 1 }, { unique: true });
export const DeskSettingsModel = mongoose.model('DeskSettings', deskSettingsSchema, 'desk_settings');

/** Seats taken per agent; taken and released by conditional updates so capacity holds under races. */
const deskAgentSchema = new Schema({
  tenantId: { type: String, required: true },
  staffId: { type: String, required: true },
  active: { type: Number, default: 0 },
  lastAssignedAt: { type: Date },
  /** A seat count that disagreed with the assigned chats at the last sweep (fixed if it still does). */
  drift: { active: Number, assigned: Number },
  /** Last sign of life from the agent's console; unset once an absence has been acted on. */
  lastSeenAt: { type: Date },
});
deskAgentSchema.index({ tenantId: 1, staffId: 1 }, { unique: true });
deskAgentSchema.index({ lastSeenAt: 1 }, { partialFilterExpression: { lastSeenAt: { $type: 'date' } } });
export const DeskAgentModel = mongoose.model('DeskAgent', deskAgentSchema, 'desk_agents');
