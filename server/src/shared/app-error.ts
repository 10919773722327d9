import type { ErrorCode } from './errors/codes.js';

/**
 * The one error type the API speaks. A service throws `new AppError(code, message, { status })`; the
 * error middleware turns it into `{ error: { code, message, details } }`. Messages are written for the
 * person reading them: say what was wrong and what to do.
 */
export interface AppErrorOptions {
  status?: number;
  /** Whether the message may be shown to the caller (false for internal failures). */
  expose?: boolean;
  details?: unknown;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 400;
    this.expose = options.expose ?? this.status < 500;
    this.details = options.details;
  }
}

export const CommonErrorCode = {
  VALIDATION: 'VALIDATION_FAILED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_ERROR',
} as const satisfies Record<string, ErrorCode>;

export const notFound = (what: string) => new AppError(CommonErrorCode.NOT_FOUND, `${what} was not found`, { status: 404 });

export const forbidden = (message = 'Your role does not allow this action') => new AppError(CommonErrorCode.FORBIDDEN, message, { status: 403 });

export const unauthenticated = (message = 'Sign in first: send a valid bearer token') =>
  new AppError(CommonErrorCode.UNAUTHENTICATED, message, { status: 401 });

export const conflict = (code: ErrorCode, message: string, details?: unknown) => new AppError(code, message, { status: 409, details });
