/**
 * Small tools for the loyalty module's batch paths (an ingest batch's earns).
 */

/** Members updated side by side where each needs its own round trip. */
export const LANES = 8;

/**
 * Reads by `{$in: ids}` go in slices of this many ids: an index serves any size on MongoDB, but the
 * embedded server tests every candidate against the whole list (a 600-id `$in` over a batch's growth
 * rows took ~0.8 s; in slices the same rows are found in a fraction), and on either a slice is one
 * round trip per hundred customers, side by side.
 */
export const IN_SLICE = 50;

export async function inLanes<T>(items: T[], work: (item: T) => Promise<void>, lanes = LANES): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, () => lane().catch((err) => errors.push(err))));
  if (errors.length) throw errors[0];
}

/** `read` for each slice of `ids`, a few at a time; the results in one list. */
export async function readInSlices<I, R>(ids: I[], read: (slice: I[]) => Promise<R[]>): Promise<R[]> {
  const slices: I[][] = [];
  for (let from = 0; from < ids.length; from += IN_SLICE) slices.push(ids.slice(from, from + IN_SLICE));
  const out: R[][] = new Array(slices.length);
  await inLanes(slices.map((slice, n) => ({ slice, n })), async ({ slice, n }) => void (out[n] = await read(slice)), 4);
  return out.flat();
}
