import mongoose, { Schema } from 'mongoose';

/**
 * A one-time link the bot gives a chat contact so the shopper can join the chat to their member
 * profile from the signed-in member center. Only the token's hash is stored; `usedAt`/`usedBy` are
 * set once, by the conditional update that claims it.
 */
const chatBindingSchema = new Schema({
  tenantId: { type: String, required: true },
  tokenHash: { type: String, required: true },
  /** The chat contact's profile when the link was made. */
  chatCustomerId: { type: Schema.Types.ObjectId, required: true },
  contactName: { type: String },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
  usedAt: { type: Date },
  usedBy: { type: Schema.Types.ObjectId },
});
chatBindingSchema.index({ tenantId: 1, tokenHash: 1 }, { unique: true });
// Spent and stale links are of no use to anyone after a day.
chatBindingSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 86_400 });
export const ChatBindingModel = mongoose.model('ChatBinding', chatBindingSchema, 'customer_chat_bindings');
