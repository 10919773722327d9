import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Context, Next } from 'koa';
import send from 'koa-send';
import type { RuntimePlugin } from '../runtime.js';
import { AppError, CommonErrorCode } from '../shared/app-error.js';

/** h5/dist relative to this file (server/src/h5/ → repo root), so it works from any working directory. */
export const DEFAULT_H5_DIST = fileURLToPath(new URL('../../../h5/dist/', import.meta.url));

const PREFIX = '/h5';

/**
 * Serves the built H5 pages under /h5/: hashed assets cached for a year, everything else that is not a
 * file falls back to index.html (the pages use history routing: /h5/member/points, /h5/sidebar/...).
 * index.html itself is never cached so a deploy reaches phones on their next open.
 */
export function staticH5Middleware(distDir: string = DEFAULT_H5_DIST) {
  const root = path.resolve(distDir);
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== PREFIX && !ctx.path.startsWith(`${PREFIX}/`)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === PREFIX) {
      ctx.redirect(`${PREFIX}/${ctx.search}`);
      return;
    }
    const rel = decodedPath(ctx.path.slice(PREFIX.length + 1));
    const file = rel ? path.resolve(root, rel) : root;
    // path.resolve normalises "..": anything resolving outside dist is treated as a page route.
    const inside = file.startsWith(root + path.sep);
    const isFile =
      inside &&
      (await stat(file).then(
        (s) => s.isFile(),
        () => false,
      ));
    if (isFile) {
      const hashed = rel.startsWith('assets/');
      await send(ctx, rel, { root, immutable: hashed, maxage: hashed ? 365 * 24 * 3600 * 1000 : 0 });
      if (!hashed) ctx.set('Cache-Control', 'no-cache');
      return;
    }
    if (rel.startsWith('assets/') || path.extname(rel)) {
      throw new AppError(CommonErrorCode.NOT_FOUND, `No such file: ${ctx.path}`, { status: 404 });
    }
    const built = await stat(path.join(root, 'index.html')).then(
      () => true,
      () => false,
    );
    if (!built) {
      throw new AppError(CommonErrorCode.UNAVAILABLE, 'The H5 pages are not built; run `npm run build:h5`', { status: 503, expose: true });
    }
    await send(ctx, 'index.html', { root });
    ctx.set('Cache-Control', 'no-cache');
  };
}

/** The page path decoded; bad percent-encoding (`%`, `%E0%A4%A`, overlong `%C0%AE`) is the caller's mistake, a 400. */
function decodedPath(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new AppError(CommonErrorCode.VALIDATION, 'The address is not valid percent-encoded UTF-8', { status: 400 });
  }
}

export function staticH5Plugin(options: { distDir?: string } = {}): RuntimePlugin {
  return { name: 'static-h5', app: () => ({ extraMiddleware: [staticH5Middleware(options.distDir)] }) };
}
