import { isDeepStrictEqual } from 'node:util';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { AppError, CommonErrorCode } from '../app-error.js';
import { documentedErrors, type DocumentedRoute } from './route-errors.js';
import type { Produces } from './route.js';
import { sayIssue } from './validation-message.js';

/**
 * The drift check (API_RESPONSE_CHECK, on in tests, refused in production): every answer of a route
 * that publishes a `response` schema is compared with its documentation, and a difference fails the
 * request loudly — 500 with a message saying which route, which field, what was expected — so every
 * integration test that calls the route proves its documented shape.
 *
 * Checked: a success body parses with the schema and parsing drops nothing (an undocumented field is
 * drift too), or, for a non-JSON body (`produces`), has a listed media type; a refusal (4xx) has a status the route documents.
 */
let enabled = false;
export function setResponseCheck(on: boolean): void {
  enabled = on;
}

const UNAVAILABLE = /MongoNetworkError|MongoServerSelectionError|MongoNotConnectedError|MongoPoolClearedError|MongoTopologyClosedError/;

export function responseCheck(route: DocumentedRoute & { response?: z.ZodType; produces?: Produces }): Middleware {
  const name = `${route.method.toUpperCase()} ${route.path}`;
  return async (ctx: Context, next) => {
    if (!enabled || (!route.response && !route.produces)) return next();
    try {
      await next();
    } catch (err) {
      const status = statusOf(err);
      if (status >= 400 && status < 500 && !documentedErrors(route).includes(status)) {
        const code = (err as { code?: unknown }).code;
        throw drift(
          `${name} answered ${status}${typeof code === 'string' ? ` ${code}` : ''}, which its OpenAPI entry does not document: add ${status} to the route's errors`,
          err,
        );
      }
      throw err;
    }
    if (ctx.status >= 300 || ctx.body === undefined || ctx.body === null) return;
    if (route.produces) {
      const type = ctx.response.type;
      const listed = route.produces.types.some((t) => t === type || (t.endsWith('/*') && type.startsWith(t.slice(0, -1))));
      if (!listed) throw drift(`${name} answered ${type || 'no Content-Type'}, which its OpenAPI entry does not list: ${route.produces.types.join(', ')}`);
      return;
    }
    if (!route.response) return;
    const json: unknown = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : JSON.parse(JSON.stringify(ctx.body));
    const parsed = route.response.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${sayIssue(i)}`);
      throw drift(`${name} answered a body its documented response schema refuses: ${issues.join('; ')}`);
    }
    if (!isDeepStrictEqual(parsed.data, json)) {
      throw drift(`${name} answered fields its documented response schema does not list: ${strayPaths(json, parsed.data).slice(0, 5).join(', ')}`);
    }
  };
}

function drift(message: string, cause?: unknown): AppError {
  // Said on stderr too: a test that only looks at the status would show a bare 500.
  process.stderr.write(`API drift: ${message}\n`);
  return new AppError(CommonErrorCode.INTERNAL, `API drift: ${message}`, { status: 500, expose: true, cause });
}

function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown; name?: unknown };
  if (typeof e?.status === 'number') return e.status;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.name === 'string' && UNAVAILABLE.test(e.name)) return 503;
  return 500;
}

/** Where `sent` has keys the parsed (documented) value lost. */
function strayPaths(sent: unknown, kept: unknown, at = ''): string[] {
  if (Array.isArray(sent) && Array.isArray(kept)) return sent.flatMap((v, i) => strayPaths(v, kept[i], `${at}${i}.`));
  if (!sent || typeof sent !== 'object' || !kept || typeof kept !== 'object') return isDeepStrictEqual(sent, kept) ? [] : [at.slice(0, -1) || '(body)'];
  return Object.keys(sent).flatMap((k) =>
    k in kept ? strayPaths((sent as Record<string, unknown>)[k], (kept as Record<string, unknown>)[k], `${at}${k}.`) : [`${at}${k}`],
  );
}
