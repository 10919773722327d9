import { AppError } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { BotCommandModel } from './bot-command.model.js';
import { BOT_COMMANDS, type BotCommandId } from './bot-commands.js';
import { ConversationErrorCode } from './conversations.exception.js';
import { normalise } from './reply-rule.service.js';
import { ReplyRuleCache, REPLY_RULE_CACHE_MS } from './reply-rule-cache.js';

/** A command as the console shows it: what a customer types to run it and whether it runs. */
export interface BotCommandView {
  id: BotCommandId;
  enabled: boolean;
  words: string[];
  defaultWords: string[];
  /** Answered in rooms too, not only in private chats. */
  rooms: boolean;
  /** Always on, with its default words (extra words may be added). */
  locked: boolean;
}

type Row = { command: string; enabled?: boolean | null; words?: string[] | null };

/**
 * The tenant's bot commands: the built-in catalogue with the manager's changes (switched off, other
 * words). The bot asks `which` for every message, so the tenant's rows are read through the same
 * short cache as the reply rules: an edit here applies at once in this process, within
 * REPLY_RULE_CACHE_MS in a bot running on its own.
 */
export class BotCommandService {
  private readonly effective = new ReplyRuleCache(REPLY_RULE_CACHE_MS, async (tenantId) =>
    merge(await BotCommandModel.find({ tenantId }).lean().exec()).map((c) => ({ ...c, keys: new Set(c.words.map(normalise)) })),
  );

  async list(tenantId: string): Promise<BotCommandView[]> {
    return merge(await BotCommandModel.find({ tenantId }).lean());
  }

  /** Switches a command on or off and/or sets its words (null: back to the default words). */
  async update(tenantId: string, id: BotCommandId, patch: { enabled?: boolean; words?: string[] | null }): Promise<BotCommandView> {
    const spec = BOT_COMMANDS.find((c) => c.id === id)!;
    if (spec.locked && patch.enabled === false) {
      throw new AppError(
        ConversationErrorCode.COMMAND_LOCKED,
        `The ${id} command cannot be switched off: customers must always be able to ${id === 'human' ? 'reach a person' : 'stop marketing messages'}`,
        {
          status: 409,
          details: { command: id },
        },
      );
    }
    const set: Record<string, unknown> = {};
    const unset: Record<string, 1> = {};
    if (patch.enabled !== undefined) set.enabled = patch.enabled;
    if (patch.words === null) unset.words = 1;
    else if (patch.words) {
      const words = dedupe(spec.locked ? [...spec.words, ...patch.words] : patch.words);
      const others = (await this.list(tenantId)).filter((c) => c.id !== id);
      for (const w of words) {
        const taken = others.find((c) => c.words.some((o) => normalise(o) === normalise(w)));
        if (taken) {
          throw new AppError(
            ConversationErrorCode.COMMAND_WORD_TAKEN,
            `"${w}" already runs the ${taken.id} command; pick another word or remove it there first`,
            {
              status: 409,
              details: { word: w, command: taken.id },
            },
          );
        }
      }
      set.words = words;
    }
    const update = { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}), $setOnInsert: { tenantId, command: id } };
    await BotCommandModel.updateOne({ tenantId, command: id }, update, { upsert: true }).catch((err) => {
      // Two first saves raced on the unique index; the second applies as a plain update.
      if (!isDuplicateKeyError(err)) throw err;
      return BotCommandModel.updateOne({ tenantId, command: id }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    });
    this.effective.drop(tenantId);
    return (await this.list(tenantId)).find((c) => c.id === id)!;
  }

  /** The switched-on command this message runs (the whole message is one of its words), or null. */
  async which(tenantId: string, text: string, inRoom: boolean): Promise<BotCommandId | null> {
    const key = normalise(text);
    if (!key || key.length > 40) return null;
    for (const c of await this.effective.get(tenantId)) {
      if (c.enabled && (c.rooms || !inRoom) && c.keys.has(key)) return c.id;
    }
    return null;
  }
}

function merge(rows: Row[]): BotCommandView[] {
  return BOT_COMMANDS.map((spec) => {
    const row = rows.find((r) => r.command === spec.id);
    const words = row?.words?.length ? row.words : [...spec.words];
    return { id: spec.id, enabled: spec.locked || row?.enabled !== false, words, defaultWords: [...spec.words], rooms: spec.rooms, locked: spec.locked };
  });
}

/** Words that say the same once normalised are kept once, the first spelling. */
function dedupe(words: string[]): string[] {
  const seen = new Set<string>();
  return words.filter((w) => {
    const k = normalise(w);
    if (!k || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
