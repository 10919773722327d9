/**
 * A tenant's active reply rules, kept for a couple of seconds: the bot matches every customer message
 * against them, and reading them from MongoDB per message was one round trip each for a list that
 * changes a few times a day. Edits through the rule service drop the tenant's entry at once; another
 * process (a bot on its own, ROLES=bot) sees an edit within `ttlMs`. Concurrent misses share one read.
 * Uses the process's monotonic clock, not the business clock tests move.
 */
export class ReplyRuleCache<T> {
  private readonly entries = new Map<string, { loadedAt: number; rules: Promise<T[]> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly load: (tenantId: string) => Promise<T[]>,
  ) {}

  get(tenantId: string): Promise<T[]> {
    const now = performance.now();
    const hit = this.entries.get(tenantId);
    if (hit && now - hit.loadedAt < this.ttlMs) return hit.rules;
    // Through a real promise: a mongoose query is a thenable that runs again on every then().
    const rules = Promise.resolve().then(() => this.load(tenantId));
    const entry = { loadedAt: now, rules };
    this.entries.set(tenantId, entry);
    // A failed read is not remembered: the next message tries again.
    rules.catch(() => {
      if (this.entries.get(tenantId) === entry) this.entries.delete(tenantId);
    });
    return rules;
  }

  /** After a write: the next match reads the rules again. A read already in flight is not stored over this. */
  drop(tenantId: string): void {
    this.entries.delete(tenantId);
  }
}

/** How long another process may answer from rules edited meanwhile (stated in the README's bot section). */
export const REPLY_RULE_CACHE_MS = 2000;
