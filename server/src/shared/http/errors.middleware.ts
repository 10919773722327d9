import type { Context, Next } from 'koa';
import { AppError, CommonErrorCode } from '../app-error.js';
import type { Logger } from '../logger.js';
import { ValidationError } from './route.js';

const UNAVAILABLE = /MongoNetworkError|MongoServerSelectionError|MongoNotConnectedError|MongoPoolClearedError|MongoTopologyClosedError/;

/** The one place errors become responses: `{ error: { code, message, details? } }`, logged once. */
export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { code: CommonErrorCode.NOT_FOUND, message: `No route for ${ctx.method} ${ctx.path}` } };
      }
    } catch (err) {
      const { status, body } = toResponse(err);
      ctx.status = status;
      ctx.body = body;
      const retryAfter = (body.error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (status === 429 && typeof retryAfter === 'number') ctx.set('Retry-After', String(retryAfter));
      if (status >= 500) log.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      else log.debug({ status, code: body.error.code, path: ctx.path }, 'request refused');
    }
  };
}

export function toResponse(err: unknown): { status: number; body: { error: { code: string; message: string; details?: unknown } } } {
  if (err instanceof ValidationError) {
    return {
      status: 400,
      body: {
        error: {
          code: CommonErrorCode.VALIDATION,
          message: err.message,
          details: err.issues,
        },
      },
    };
  }
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: {
        error: { code: err.code, message: err.expose ? err.message : 'Something went wrong on our side', details: err.expose ? err.details : undefined },
      },
    };
  }
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; name?: string; type?: string };
  const status = e?.status ?? e?.statusCode;
  if (status === 413) {
    return { status: 413, body: { error: { code: CommonErrorCode.PAYLOAD_TOO_LARGE, message: 'The request body is too large; send smaller batches' } } };
  }
  if (status && status >= 400 && status < 500) {
    const badJson = e.type === 'entity.parse.failed' || (e.name === 'SyntaxError' && /JSON/i.test(e.message ?? ''));
    const message = badJson ? 'The request body is not valid JSON' : (e.expose && e.message) || 'Bad request';
    return { status, body: { error: { code: CommonErrorCode.VALIDATION, message } } };
  }
  if (e?.name && UNAVAILABLE.test(e.name)) {
    return { status: 503, body: { error: { code: CommonErrorCode.UNAVAILABLE, message: 'The database is unavailable; try again shortly' } } };
  }
  return { status: 500, body: { error: { code: CommonErrorCode.INTERNAL, message: 'Something went wrong on our side' } } };
}
