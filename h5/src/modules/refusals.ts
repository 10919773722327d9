import { hasMessage, translate } from './i18n.js';

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
