import mongoose, { Schema } from 'mongoose';

/**
 * A tenant's changes to one of the bot's built-in commands (bot-commands.ts): switched off, or other
 * trigger words. No row means the command as shipped.
 */
const botCommandSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    command: { type: String, required: true },
    enabled: { type: Boolean, default: true },
    /** As the manager typed them (matched normalised, see normalise in reply-rule.service.ts); unset: the default words. */
    words: { type: [String], default: undefined },
  },
  { timestamps: true },
);
botCommandSchema.index({ tenantId: 1, command: 1 }, { unique: true });
export const BotCommandModel = mongoose.model('BotCommand', botCommandSchema, 'bot_commands');
