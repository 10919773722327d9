import type { Context, Middleware, Next } from 'koa';
import type { ApiRouter } from './route.js';

/**
 * Mounts the modules' routers behind one middleware that hands a request only to the routers that
 * can answer it, in their declared order. Each @koa/router tests every one of its routes against the
 * path; mounted one after another, a request for `/api/v1/me/points` was matched against the staff,
 * customer, tag, event and loyalty routes first — on the member center's hottest read.
 *
 * A router can answer a path only if the path falls under its prefix and the path's next segment is
 * one its routes start with (`/api/v1` + `events` for the events router; a route starting with a
 * parameter takes any segment). Routers that could never match are left out, so no answer changes.
 * Matching is case-insensitive, as @koa/router's is by default.
 */
export function apiDispatch(routers: ApiRouter[]): Middleware {
  const mounted = routers.map((r, i) => ({
    i,
    prefix: r.prefix.toLowerCase(),
    heads: routeHeads(r.paths),
    stack: [r.routes(), r.allowedMethods()] as Middleware[],
  }));
  const chains = new Map<string, Middleware[]>();
  return (ctx, next) => {
    const path = ctx.path.toLowerCase();
    const hits = mounted.filter((m) => {
      if (path !== m.prefix && !path.startsWith(`${m.prefix}/`)) return false;
      return !m.heads || m.heads.has(firstSegment(path.slice(m.prefix.length)));
    });
    if (!hits.length) return next();
    const key = hits.map((m) => m.i).join(' ');
    let chain = chains.get(key);
    if (!chain) chains.set(key, (chain = hits.flatMap((m) => m.stack)));
    return run(chain, 0, ctx, next);
  };
}

/** The first segments a router's routes start with, or null when one starts with a parameter. */
function routeHeads(paths: string[]): Set<string> | null {
  const heads = new Set<string>();
  for (const p of paths) {
    const head = firstSegment(p).toLowerCase();
    if (!/^[\w.-]*$/.test(head)) return null;
    heads.add(head);
  }
  return heads;
}

/** `/points/ledger` → `points`; `` and `/` → ``. */
function firstSegment(rest: string): string {
  const end = rest.indexOf('/', 1);
  return rest.slice(1, end === -1 ? undefined : end);
}

/** Koa's own composition, for a list picked per request. */
function run(chain: Middleware[], i: number, ctx: Context, next: Next): Promise<unknown> {
  if (i === chain.length) return next();
  return Promise.resolve(chain[i](ctx, () => run(chain, i + 1, ctx, next) as Promise<void>));
}
