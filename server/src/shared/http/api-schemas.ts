import { z } from 'zod';

/**
 * The response shapes the API publishes, as zod schemas: a route names one as its `response`, the
 * OpenAPI document is generated from it (io 'output'), and in tests every answer is checked against
 * it (response-check.ts), so the document cannot drift from what the server sends.
 *
 * A shape several routes share is a named component (`component('Customer', …)`): the document
 * lists it once under components.schemas and the operations refer to it with `$ref`. Schemas describe
 * the JSON as sent: dates are ISO strings, ids 24-hex strings, money integer fen.
 */
export const apiComponents = z.registry<{ id: string }>();

export function component<T extends z.ZodType>(id: string, schema: T): T {
  apiComponents.add(schema, { id });
  return schema;
}

/** A date-time as JSON writes a Date (UTC, `Z`). */
export const dateTime = z.iso.datetime();
export const objectIdString = z.string().regex(/^[0-9a-f]{24}$/);
/** Integer fen (分). */
export const fen = z.int().min(0).describe('integer fen (分)');
export const int = z.int();

export const ErrorBody = component(
  'Error',
  z.object({
    error: z.object({
      code: z.string().describe('stable machine-readable code, e.g. NOT_FOUND, VALIDATION_FAILED, RATE_LIMITED'),
      message: z.string().describe('what went wrong and what to do, for a person (Chinese when the caller sends Accept-Language: zh)'),
      details: z.unknown().optional().describe('per-field issues for VALIDATION_FAILED; retryAfterSeconds for RATE_LIMITED'),
    }),
  }),
);

/** `{ items, total, page, pageSize }`: a page of a server-side paginated list. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: int, page: int, pageSize: int });
