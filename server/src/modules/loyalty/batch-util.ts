/**
 * Small tools for the loyalty module's batch paths (an ingest batch's earns).
 */

/** Members updated side by side where each needs its own round trip. */
export const LANES = 8;

export async function inLanes<T>(items: T[], work: (item: T) => Promise<void>, lanes = LANES): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, () => lane().catch((err) => errors.push(err))));
  if (errors.length) throw errors[0];
}
