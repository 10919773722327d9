import type { Deps } from '../../shared/deps.js';
import { AppError, conflict, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CannedReplyModel, DeskSettingsModel, ReplyRuleModel } from './desk-config.model.js';
import { ConversationErrorCode } from './conversations.exception.js';
import { checkLinearPattern, linearTest } from '../../shared/linear-regex.js';
import { ReplyRuleCache, REPLY_RULE_CACHE_MS } from './reply-rule-cache.js';
import { isTimeZone, type BusinessHours } from './business-hours.js';
import { zhCN } from '../../i18n/zh-CN.js';

export interface RuleInput {
  kind: 'keyword' | 'regex' | 'faq';
  keywords?: string[];
  pattern?: string;
  question?: string;
  /** FAQ entries: other phrasings of the question. */
  similar?: string[];
  reply?: string;
  action?: 'reply' | 'handoff';
  priority?: number;
  active?: boolean;
}

export interface RuleMatch {
  ruleId: string;
  kind: 'keyword' | 'regex' | 'faq';
  action: 'reply' | 'handoff';
  reply: string;
  /** FAQ entries: the question, and the phrasing (the question, a similar question or a keyword) the message matched. */
  question?: string;
  phrase?: string;
}

export interface DeskSettings {
  firstResponseSeconds: number;
  nextResponseSeconds: number;
  supervisorRole: string;
  roomWelcome: string;
  manualPauseSeconds: number;
  /** Null: always open (SLA clocks on calendar time). */
  hours: BusinessHours | null;
}

/**
 * Longer messages are not matched against tenant regexes. RE2's time is linear in the text, so this
 * only bounds the cost of many rules on a pasted novel; any chat message fits.
 */
const MAX_MATCH_LENGTH = 10_000;

/** Auto-reply rules, FAQ entries, canned replies and the tenant's desk settings. */
export class ReplyRuleService {
  private readonly active = new ReplyRuleCache(REPLY_RULE_CACHE_MS, async (tenantId) =>
    (await ReplyRuleModel.find({ tenantId, active: true }).sort({ priority: -1, createdAt: 1 }).lean().exec()).map((r) => ({
      ...r,
      // Normalised once per load, not per message: the bot matches every message against them.
      phrases: [r.question ?? '', ...(r.similar ?? [])].map((p) => ({ text: p, key: normalise(p) })).filter((p) => p.key.length >= 2),
    })),
  );

  constructor(private readonly deps: Deps) {}

  async createRule(tenantId: string, input: RuleInput) {
    if (input.kind === 'regex') checkPattern(input.pattern ?? '');
    const doc = await ReplyRuleModel.create({ tenantId, ...input, keywords: (input.keywords ?? []).map((k) => k.toLowerCase()) });
    this.active.drop(tenantId);
    return doc.toObject();
  }

  async updateRule(tenantId: string, id: string, patch: Partial<RuleInput>) {
    if (patch.pattern !== undefined) checkPattern(patch.pattern);
    const set: Record<string, unknown> = { ...patch };
    if (patch.keywords) set.keywords = patch.keywords.map((k) => k.toLowerCase());
    const doc = await ReplyRuleModel.findOneAndUpdate({ tenantId, _id: id }, { $set: set }, { returnDocument: 'after' }).lean();
    this.active.drop(tenantId);
    if (!doc) throw notFound('Reply rule');
    return doc;
  }

  async deleteRule(tenantId: string, id: string): Promise<void> {
    const res = await ReplyRuleModel.deleteOne({ tenantId, _id: id });
    this.active.drop(tenantId);
    if (!res.deletedCount) throw notFound('Reply rule');
  }

  listRules(tenantId: string, kind?: 'keyword' | 'regex' | 'faq') {
    return ReplyRuleModel.find({ tenantId, ...(kind ? { kind } : {}) })
      .sort({ priority: -1, createdAt: 1 })
      .lean();
  }

  /**
   * Keyword and regex rules first, highest priority first; then the FAQ entry that fits best (see
   * faqScore: its question or a similar question said as such, then contained, then shared keywords).
   * Null when nothing matches. The console's test box calls this too, so it shows what the bot does. Rules are read through a short cache
   * (edits here apply at once, from another process within REPLY_RULE_CACHE_MS).
   */
  async match(tenantId: string, text: string): Promise<RuleMatch | null> {
    const body = text.trim().toLowerCase();
    if (!body) return null;
    const rules = await this.active.get(tenantId);
    for (const r of rules.filter((r) => r.kind !== 'faq')) {
      const hit =
        r.kind === 'keyword' ? r.keywords.some((k) => k && body.includes(k)) : body.length <= MAX_MATCH_LENGTH && linearTest(r.pattern ?? '', text.trim());
      if (hit) return { ruleId: String(r._id), kind: r.kind as RuleMatch['kind'], action: r.action as RuleMatch['action'], reply: r.reply };
    }
    const said = normalise(body);
    let best: { rule: (typeof rules)[number]; score: number; phrase: string } | undefined;
    for (const r of rules.filter((r) => r.kind === 'faq')) {
      const hit = faqScore(r, body, said);
      if (hit && (!best || hit.score > best.score)) best = { rule: r, ...hit };
    }
    if (!best) return null;
    const { rule } = best;
    return {
      ruleId: String(rule._id),
      kind: 'faq',
      action: rule.action as RuleMatch['action'],
      reply: rule.reply,
      question: rule.question ?? '',
      phrase: best.phrase,
    };
  }

  async createCanned(tenantId: string, title: string, text: string) {
    try {
      return (await CannedReplyModel.create({ tenantId, title, text })).toObject();
    } catch (err) {
      if (isDuplicateKeyError(err))
        throw conflict(ConversationErrorCode.CANNED_TITLE_TAKEN, `A canned reply titled "${title}" exists already; pick another title`, { title });
      throw err;
    }
  }

  async updateCanned(tenantId: string, id: string, patch: { title?: string; text?: string }) {
    try {
      const doc = await CannedReplyModel.findOneAndUpdate({ tenantId, _id: id }, { $set: patch }, { returnDocument: 'after' }).lean();
      if (!doc) throw notFound('Canned reply');
      return doc;
    } catch (err) {
      if (isDuplicateKeyError(err))
        throw conflict(ConversationErrorCode.CANNED_TITLE_TAKEN, `A canned reply titled "${patch.title}" exists already; pick another title`, {
          title: patch.title,
        });
      throw err;
    }
  }

  async deleteCanned(tenantId: string, id: string): Promise<void> {
    const res = await CannedReplyModel.deleteOne({ tenantId, _id: id });
    if (!res.deletedCount) throw notFound('Canned reply');
  }

  listCanned(tenantId: string) {
    return CannedReplyModel.find({ tenantId }).sort({ title: 1 }).lean();
  }

  async getCanned(tenantId: string, id: string) {
    const doc = await CannedReplyModel.findOne({ tenantId, _id: id }).lean();
    if (!doc) throw notFound('Canned reply');
    return doc;
  }

  async settings(tenantId: string): Promise<DeskSettings> {
    const c = this.deps.config;
    const doc = await DeskSettingsModel.findOne({ tenantId }).lean();
    return {
      firstResponseSeconds: doc?.firstResponseSeconds ?? c.DESK_FIRST_RESPONSE_SECONDS,
      nextResponseSeconds: doc?.nextResponseSeconds ?? c.DESK_NEXT_RESPONSE_SECONDS,
      supervisorRole: doc?.supervisorRole ?? 'community_manager',
      roomWelcome: doc?.roomWelcome ?? zhCN['bot.roomWelcome'],
      manualPauseSeconds: doc?.manualPauseSeconds ?? 600,
      // Saved hours with no weekday open count as always open (business-hours.ts), holidays kept for later.
      hours: doc?.hours?.timezone
        ? {
            timezone: doc.hours.timezone,
            weekly: (doc.hours.weekly ?? []) as BusinessHours['weekly'],
            holidays: doc.hours.holidays ?? [],
            workdays: doc.hours.workdays ?? [],
          }
        : null,
    };
  }

  async updateSettings(tenantId: string, patch: Partial<DeskSettings>): Promise<DeskSettings> {
    const hours = patch.hours;
    if (hours && !isTimeZone(hours.timezone)) {
      throw new AppError(ConversationErrorCode.BAD_HOURS, `hours.timezone: ${hours.timezone} is not a time zone; use an IANA name such as Asia/Shanghai`, {
        status: 400,
        details: { field: 'hours.timezone', reason: 'timezone' },
      });
    }
    await DeskSettingsModel.updateOne({ tenantId }, { $set: patch, $setOnInsert: { tenantId } }, { upsert: true }).catch((err) => {
      // Two first saves raced on the unique tenant index; the second retries as a plain update.
      if (!isDuplicateKeyError(err)) throw err;
      return DeskSettingsModel.updateOne({ tenantId }, { $set: patch });
    });
    return this.settings(tenantId);
  }
}

/**
 * How a message and a phrasing are compared: case, full-width forms, spaces, punctuation and symbols
 * aside (“怎么退货？” says the same as “怎么 退货”).
 */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
}

/**
 * How well an FAQ entry fits a message: the message is its question or a similar question (3000),
 * contains one (2000 + its length: the most specific phrasing wins), or shares keywords (one point
 * each). Undefined when none of these holds. Phrasings shorter than two characters are ignored.
 */
function faqScore(
  r: { keywords: string[]; phrases: { text: string; key: string }[] },
  body: string,
  said: string,
): { score: number; phrase: string } | undefined {
  let best: { score: number; phrase: string } | undefined;
  for (const p of r.phrases) {
    const score = said === p.key ? 3000 : said.includes(p.key) ? 2000 + p.key.length : 0;
    if (score && (!best || score > best.score)) best = { score, phrase: p.text };
  }
  if (best) return best;
  const words = r.keywords.filter((k) => k && body.includes(k));
  return words.length ? { score: words.length, phrase: words.join('、') } : undefined;
}

/**
 * A regex rule runs on RE2 (linear time, shared/linear-regex.ts): refused when saved if it is empty,
 * too long, not a regular expression, or uses what RE2 lacks (backreferences, lookaround).
 */
function checkPattern(pattern: string): void {
  const refuse = (reason: string, message: string) =>
    new AppError(ConversationErrorCode.BAD_PATTERN, message, { status: 400, details: { field: 'pattern', reason } });
  if (!pattern || pattern.length > 200) throw refuse('length', 'pattern: give a regular expression of 1 to 200 characters');
  const problem = checkLinearPattern(pattern);
  if (problem?.problem === 'unsupported') {
    throw refuse(
      'unsupported',
      `pattern: backreferences (\\1) and lookaround ((?=…), (?<!…)) are not supported, so that every rule runs in linear time; rewrite it without them (${problem.message})`,
    );
  }
  if (problem) throw refuse('invalid', `pattern: not a usable regular expression (${problem.message})`);
}
