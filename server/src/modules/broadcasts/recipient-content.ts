import type { CustomerService } from '../customers/customer.service.js';
import { variantContent } from './ab-split.js';
import type { BroadcastContent } from './channels/channel.provider.js';
import { COUPON_PLACEHOLDERS, contentPlaceholders, render, type RecipientFacts } from './placeholders.js';
import type { CampaignDoc } from './broadcast.model.js';

/** Members' balances and tier names (the loyalty module's member service satisfies this). */
export interface LoyaltyFactsPort {
  placeholderFacts(tenantId: string, customerIds: string[]): Promise<Map<string, { points: number; tier: string }>>;
}

/** Per delivery row with placeholders: what fills them, or why they cannot be filled. */
export type Personal = { facts: RecipientFacts; key: string } | { reason: string };

/**
 * Reads what a batch's placeholders need (names, members' points and tiers: one read each, only
 * when used) and judges each row before its frequency-cap slot is taken. `key` is the text the
 * recipient will read, to group rows sent as one message; a coupon placeholder makes it the row's own,
 * since each recipient's coupon code is known only once it is issued right before the send.
 * Rows whose content has no placeholder are left out (nothing is read for them).
 */
export async function personalise(
  tenantId: string,
  c: Pick<CampaignDoc, 'variants'>,
  rows: Array<{ _id: unknown; customerId: unknown; variant?: string | null }>,
  m: { customers: CustomerService; loyalty?: LoyaltyFactsPort },
): Promise<Map<string, Personal>> {
  const out = new Map<string, Personal>();
  const wanted = rows
    .map((row) => ({ row, content: variantContent(c, row) }))
    .map((w) => ({ ...w, names: contentPlaceholders(w.content).map((p) => p.name) }))
    .filter((w) => w.names.length);
  if (!wanted.length) return out;
  const used = new Set(wanted.flatMap((w) => w.names));
  const ids = wanted.map((w) => String(w.row.customerId));
  const names = used.has('name')
    ? new Map((await m.customers.recipientFacts(tenantId, ids)).map((x) => [String(x._id), x.name as string | undefined]))
    : new Map<string, string | undefined>();
  const members =
    used.has('points') || used.has('tier')
      ? ((await m.loyalty?.placeholderFacts(tenantId, ids)) ?? new Map())
      : new Map<string, { points: number; tier: string }>();
  for (const w of wanted) {
    const cid = String(w.row.customerId);
    const facts: RecipientFacts = { name: names.get(cid), ...members.get(cid) };
    const first = render(w.content, facts, COUPON_PLACEHOLDERS);
    if (!first.ok) out.set(String(w.row._id), { reason: first.reason });
    else
      out.set(String(w.row._id), { facts, key: w.names.some((n) => COUPON_PLACEHOLDERS.includes(n as never)) ? `row:${w.row._id}` : textKey(first.content) });
  }
  return out;
}

/** What a recipient reads of a content, as one string (rows with the same one can share a message). */
export const textKey = (content: BroadcastContent): string => [content.text, content.link?.title ?? '', content.link?.desc ?? ''].join('\u0000');
