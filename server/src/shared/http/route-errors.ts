import type { Allow } from './principal.js';

/** What the OpenAPI document needs of a route to say which refusals it can answer. */
export interface DocumentedRoute {
  method: string;
  path: string;
  allow: Allow;
  body?: unknown;
  /** Refusals the handler can answer beyond those derived below (409, 429, a 404 of a path without an id…). */
  errors?: readonly number[];
}

export const ERROR_MEANINGS: Record<number, string> = {
  400: 'The request is malformed or fails validation (details lists each field)',
  401: 'No valid credentials: sign in, or send a live token or API key',
  403: 'These credentials may not call this operation',
  404: 'What the path names does not exist, or is not visible to the caller',
  409: 'Conflicts with the current state (already done, a duplicate, not in a state that allows it)',
  410: 'What the request names is used up or expired (a one-time link); ask for a new one',
  413: 'The request body is too large',
  415: 'The body is not of a media type this operation takes',
  422: 'Well-formed, but names something the operation cannot use (an unknown colleague, a pattern that cannot match)',
  429: 'Too many requests: wait Retry-After seconds',
  502: 'WeCom or WeChat answered with an error, or could not be reached; the message says which',
  503: 'A dependency (the database, Redis, WeCom, WeChat) is unavailable; retry shortly',
};

/**
 * The refusals a route can answer: 400 always (bad JSON, a bad field, a refused value); 401 and 403
 * unless public; 404 when the path names something by id; 413 when it takes a body; 503 always (any route reads the database,
 * which can be down); plus what the route declares. The drift check (response-check.ts) fails a test
 * whose route answers a 4xx this list lacks.
 */
export function documentedErrors(route: DocumentedRoute): number[] {
  const statuses = new Set<number>([400, 503, ...(route.errors ?? [])]);
  if (route.allow !== 'public') {
    statuses.add(401);
    statuses.add(403);
  }
  if (/:\w+/.test(route.path)) statuses.add(404);
  if (route.body) statuses.add(413);
  return [...statuses].sort((a, b) => a - b);
}
