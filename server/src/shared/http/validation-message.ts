import { validationMessages, type ValidationCode } from '../../i18n/validation-messages.js';

/**
 * A schema's own refusal names a code from the catalog (server/src/i18n/validation-messages.ts):
 * `z.string().min(1, msg('MESSAGE_TEXT_REQUIRED'))`, `.refine(ok, { message: msg('…'), path })`,
 * `ctx.addIssue({ code: 'custom', message: msg('…'), params: { … } })`. The code travels as the
 * issue's message (zod keeps a schema's own message over any error map, so it is the same code in
 * every parse) and is said in the reader's language by sayIssue wherever an issue reaches a person:
 * the request edge (route.ts), a route's own wording, rows refused in a batch, the config check.
 */
export const msg = (code: ValidationCode): string => code;

export type Reader = 'en' | 'zh';

/** The values a line may name: the issue's params (a custom issue's), minimum and maximum. */
type Sayable = { message: string; params?: Record<string, unknown>; minimum?: unknown; maximum?: unknown };

/** The values an issue carries for its line, kept when one issue is restated as another (event data). */
export const issueValues = (issue: Sayable): Record<string, unknown> => ({ minimum: issue.minimum, maximum: issue.maximum, ...issue.params });

/** An issue's message for a person: a code in the reader's words; anything else (zod's own words) as it is. */
export function sayIssue(issue: Sayable, reader: Reader = 'en'): string {
  const line = Object.hasOwn(validationMessages, issue.message) ? validationMessages[issue.message as ValidationCode] : undefined;
  if (!line) return issue.message;
  const values = issueValues(issue);
  return line[reader].replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = values[key];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : whole;
  });
}
