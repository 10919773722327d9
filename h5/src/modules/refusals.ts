import { hasMessage, translate, type MessageKey } from './i18n.js';
import type { ERROR_CODES, ErrorCode } from '../../../server/src/shared/errors/codes.js';

/** Codes the server's registry says a page never words (it says why). */
type UnsaidCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { unsaid: string } ? C : never }[ErrorCode];
/** Codes the server can send that the locale file has no words for: the type check fails unless none. */
type Unworded = Exclude<`error.${Exclude<ErrorCode, UnsaidCode>}`, MessageKey>;
export const everyRefusalWorded: [Unworded] extends [never] ? true : { missing: Unworded } = true;

/**
 * A server refusal (`{ code, message, details }`) in the pages' Chinese, by its code — or by
 * `error.CODE.reason` where the code has several causes and details names one — with placeholders
 * filled from details (and {message} from the server's words); null for a code with no wording.
 */
export function refusalInChinese(err: { code: string; message: string; details?: unknown }): string | null {
  const details = (err.details ?? {}) as Record<string, unknown>;
  const key = [`error.${err.code}.${String(details.reason)}`, `error.${err.code}`].find(hasMessage);
  if (!key) return null;
  const vars: Record<string, unknown> = { message: err.message };
  for (const [k, v] of Object.entries(details)) if (typeof v === 'string' || typeof v === 'number') vars[k] = v;
  return translate(key, vars, 'zh-CN');
}
