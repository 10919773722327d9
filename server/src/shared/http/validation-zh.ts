import type { Context } from 'koa';
import type { z } from 'zod';
import { zodIssueWords, zodTypeWords, type ZodIssueKey } from '../../i18n/validation.zh-CN.js';

/**
 * Request validation in Chinese, for a caller who asks for it (`Accept-Language: zh…`; the H5 pages
 * send the language they are showing, the mini-app zh-CN). The API's words stay English for everyone
 * else. zod's own refusals are said by issue code and params from a catalog (a per-parse error map:
 * a schema's own message takes precedence, as zod defines); the schemas' own refusals are codes, said
 * in either language from server/src/i18n/validation-messages.ts (validation-message.ts).
 */

/**
 * A route's own wording of a refused body's issue, for bodies a form builds (a nested audience): the
 * whole sentence, starting with the place as the form names it (`at`, e.g. 第 2 组第 1 条), so nobody
 * reads `audience.rules.1.rules.0`. Undefined leaves the issue to the general wording.
 */
export type IssueWords = (issue: z.core.$ZodIssue, input: unknown, chinese: boolean) => { at: string; message: string } | undefined;

/** Whether the caller asked for Chinese first (Koa's negotiation; no header means English). */
export const wantsChinese = (ctx: Pick<Context, 'acceptsLanguages'>): boolean => ctx.acceptsLanguages('en', 'zh') === 'zh';

/** `{name}` in a catalog line filled from params. */
const fill = (text: string, params: Record<string, string | number>): string => text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));

/** Which catalog line says an issue, and the params it names (undefined: zod's English, for codes not listed). */
function issueKey(issue: z.core.$ZodRawIssue): { key: ZodIssueKey; params: Record<string, string | number> } | undefined {
  type Said = { key: ZodIssueKey; params: Record<string, string | number> };
  const bySize = (bound: unknown, exclusive: boolean, code: 'too_small' | 'too_big', name: 'minimum' | 'maximum'): Said => {
    const origin = String(issue.origin);
    const n = Number(bound);
    if (origin === 'string') return { key: code === 'too_small' && n <= 1 ? 'too_small.string.one' : `${code}.string`, params: { [name]: n } };
    if (origin === 'array' || origin === 'set') return { key: `${code}.array`, params: { [name]: n } };
    if (origin === 'date') return { key: `${code}.date`, params: { [name]: new Date(n).toISOString() } };
    return { key: exclusive ? `${code}.other.exclusive` : `${code}.other`, params: { [name]: n } };
  };
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? { key: 'invalid_type.missing', params: {} }
        : { key: 'invalid_type', params: { expected: zodTypeWords[issue.expected] ?? issue.expected } };
    case 'too_small':
      return bySize(issue.minimum, issue.inclusive === false, 'too_small', 'minimum');
    case 'too_big':
      return bySize(issue.maximum, issue.inclusive === false, 'too_big', 'maximum');
    case 'invalid_format': {
      const key = `invalid_format.${issue.format}`;
      return { key: key in zodIssueWords ? (key as ZodIssueKey) : 'invalid_format.other', params: {} };
    }
    case 'invalid_value':
      return { key: 'invalid_value', params: { values: issue.values.map(String).join('、') } };
    case 'unrecognized_keys':
      return { key: 'unrecognized_keys', params: { keys: issue.keys.join('、') } };
    case 'not_multiple_of':
      return { key: 'not_multiple_of', params: { divisor: String(issue.divisor) } };
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return { key: issue.code, params: {} };
    default:
      return undefined;
  }
}

/** zod's own refusals in Chinese, by issue code and params from the catalog (server/src/i18n/validation.zh-CN.ts). */
export const zhIssue: z.core.$ZodErrorMap = (issue) => {
  const said = issueKey(issue);
  return said && fill(zodIssueWords[said.key], said.params);
};
