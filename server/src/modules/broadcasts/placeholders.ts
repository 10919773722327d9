import type { BroadcastContent } from './channels/channel.provider.js';

/**
 * The placeholders a campaign's text may use, filled per recipient by `render` on every one-to-one
 * channel (wecom_group_msg, bot_private) the same way:
 * - `{name}`: the customer's name on their profile;
 * - `{points}`: their points balance, `{tier}`: their tier's name (members only);
 * - `{coupon}`: the code of the coupon the campaign issues them, `{couponName}`: its template's name
 *   (campaigns with a coupon only).
 * A recipient for whom one cannot be filled is skipped (`placeholder_unfilled:{name}`), never sent the
 * raw text. A placeholder is `{` + an ASCII identifier + `}`; other braces are plain text.
 */
export const PLACEHOLDERS = ['name', 'points', 'tier', 'coupon', 'couponName'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export const COUPON_PLACEHOLDERS: readonly Placeholder[] = ['coupon', 'couponName'];

const TOKEN = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

/** The parts of a content a recipient reads, by their path under `content`. */
const TEXT_FIELDS = [
  ['text', (c: BroadcastContent) => c.text],
  ['link.title', (c: BroadcastContent) => c.link?.title],
  ['link.desc', (c: BroadcastContent) => c.link?.desc],
] as const;

/** The distinct placeholder names in a text, in order of first use. */
export function placeholdersIn(text: string | undefined): string[] {
  return [...new Set([...(text ?? '').matchAll(TOKEN)].map((m) => m[1]))];
}

/** Every placeholder a content uses, with the field it is in (`text`, `link.title`, `link.desc`). */
export function contentPlaceholders(content: BroadcastContent): Array<{ field: string; name: string }> {
  return TEXT_FIELDS.flatMap(([field, read]) => placeholdersIn(read(content)).map((name) => ({ field, name })));
}

export const isKnown = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

/** What is known about one recipient; a missing value is a placeholder that cannot be filled. */
export interface RecipientFacts {
  name?: string | null;
  points?: number;
  tier?: string;
  coupon?: { code: string; name: string };
}

function value(name: string, f: RecipientFacts): string | undefined {
  switch (name) {
    case 'name':
      return f.name?.trim() || undefined;
    case 'points':
      return f.points === undefined ? undefined : String(f.points);
    case 'tier':
      return f.tier || undefined;
    case 'coupon':
      return f.coupon?.code;
    case 'couponName':
      return f.coupon?.name;
    default:
      return undefined;
  }
}

/**
 * The content as this recipient reads it, or the first placeholder that cannot be filled for them.
 * Placeholders in `later` are neither checked nor filled (the coupon ones, before the coupon is issued).
 */
export function render(
  content: BroadcastContent,
  facts: RecipientFacts,
  later: readonly string[] = [],
): { ok: true; content: BroadcastContent } | { ok: false; reason: string } {
  for (const { name } of contentPlaceholders(content))
    if (!later.includes(name) && value(name, facts) === undefined) return { ok: false, reason: `placeholder_unfilled:{${name}}` };
  const fill = (text: string) => text.replace(TOKEN, (token, name: string) => (later.includes(name) ? token : value(name, facts)!));
  const out: BroadcastContent = { ...content, text: fill(content.text) };
  if (content.link)
    out.link = { ...content.link, title: fill(content.link.title), ...(content.link.desc !== undefined ? { desc: fill(content.link.desc) } : {}) };
  return { ok: true, content: out };
}
