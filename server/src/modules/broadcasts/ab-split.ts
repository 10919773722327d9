import { createHash } from 'node:crypto';
import type { BroadcastContent } from './channels/channel.provider.js';

/** Deterministic A/B/holdout assignment: the same customer lands in the same arm on every retry. */
export function pickArm(
  campaign: { _id: unknown; occurrence: number; holdoutPercent: number; variants: Array<{ key: string; weight: number }> },
  customerId: string,
): string {
  const h = createHash('sha1').update(`${campaign._id}:${campaign.occurrence}:${customerId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  const holdout = campaign.holdoutPercent / 100;
  if (h < holdout) return 'holdout';
  const total = campaign.variants.reduce((a, v) => a + v.weight, 0);
  let x = ((h - holdout) / (1 - holdout)) * total;
  for (const v of campaign.variants) if ((x -= v.weight) < 0) return v.key;
  return campaign.variants[campaign.variants.length - 1].key;
}

/** The content of the variant a row landed in; rows without one (group rows) get the first. */
export function variantContent(c: { variants: Array<{ key?: string | null; content?: unknown }> }, row: { variant?: string | null }): BroadcastContent {
  return (c.variants.find((v) => v.key === row.variant) ?? c.variants[0]).content as BroadcastContent;
}
