import type { Context, Middleware, Next } from 'koa';
import type { ApiRouter } from './route.js';

/**
 * Mounts the modules' routers behind one middleware that hands a request only to the routers whose
 * prefix it falls under, in their declared order. Each @koa/router tests every one of its routes
 * against the path; mounted one after another, a request for `/api/v1/me/points` was matched against
 * the staff, customer, tag, event and loyalty routes first — on the member center's hottest read.
 * Routers outside the path's prefix could never match it, so leaving them out changes no answer.
 */
export function apiDispatch(routers: ApiRouter[]): Middleware {
  const mounted = routers.map((r) => ({ prefix: r.prefix, stack: [r.routes(), r.allowedMethods()] as Middleware[] }));
  const chains = new Map<string, Middleware[]>();
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return (ctx, next) => {
    const hits = mounted.filter((m) => under(ctx.path, m.prefix));
    if (!hits.length) return next();
    const key = hits.map((m) => m.prefix).join(' ');
    let chain = chains.get(key);
    if (!chain) chains.set(key, (chain = hits.flatMap((m) => m.stack)));
    return run(chain, 0, ctx, next);
  };
}

/** Koa's own composition, for a list picked per request. */
function run(chain: Middleware[], i: number, ctx: Context, next: Next): Promise<unknown> {
  if (i === chain.length) return next();
  return Promise.resolve(chain[i](ctx, () => run(chain, i + 1, ctx, next) as Promise<void>));
}
