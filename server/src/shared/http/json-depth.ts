import type { z } from 'zod';
import { msg } from './validation-message.js';

/**
 * How deep a request's JSON may nest. The body parser accepts any nesting that fits in 2 MB (a million
 * levels); MongoDB refuses documents nested more than 100 levels, and anything that walks a value
 * recursively (JSON.stringify, zod's lazy schemas, the BSON serializer) can run out of stack long
 * before. No request of ours needs more than a handful of levels, so the edge refuses past 32.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * The path to the first value nested deeper than `limit` levels (the value itself is level 1, each
 * object or array one more), or undefined when it is within the limit. Walks with its own stack, so
 * it can measure any value without recursing. `skip(path)` names subtrees judged elsewhere (a batch's
 * items, each refused on its own by its handler): they are neither entered nor counted.
 */
export function tooDeepAt(value: unknown, limit: number, skip?: (path: readonly PropertyKey[]) => boolean): PropertyKey[] | undefined {
  type Frame = { value: unknown; depth: number; path: PropertyKey[] };
  const stack: Frame[] = [{ value, depth: 1, path: [] }];
  while (stack.length) {
    const { value: v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (skip && path.length && skip(path)) continue;
    if (depth > limit) return path;
    // Only the path to a refused value is ever needed; a path per value is cheap next to parsing it.
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: depth + 1, path: [...path, i] });
    else for (const key of Object.keys(v)) stack.push({ value: (v as Record<string, unknown>)[key], depth: depth + 1, path: [...path, key] });
  }
  return undefined;
}

/**
 * A zod preprocess step for one item of a batch (see RouteSpec.batchField): an item nested past the
 * limit is refused alone, before anything walks it, and the rest of the batch goes on.
 */
export function itemWithinDepth(item: unknown, ctx: z.RefinementCtx): unknown {
  const at = tooDeepAt(item, MAX_JSON_DEPTH);
  if (at) ctx.addIssue({ code: 'custom', path: at, message: msg('JSON_TOO_DEEP'), params: { depth: MAX_JSON_DEPTH } });
  return item;
}
