// Staff and shoppers read the pages in Chinese; the server explains refusals in English (its API is
// for integrators too). The pages say each refusal again by its code (h5/src/composables/use-async.ts),
// so a code the server can send with no Chinese wording shows an English sentence in a Chinese page.
import { readFileSync } from 'node:fs';
import messages from '../../h5/src/locales/zh-CN.json' with { type: 'json' };
import { sourceFiles } from '../support/source-files.js';


/** Every error code the server can answer with: the values of its `…ErrorCode` tables and the codes thrown inline. */
function serverCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of [...sourceFiles('server/src'), ...sourceFiles('bot')]) {
    const text = readFileSync(file, 'utf8');
    for (const table of text.matchAll(/export const \w*Error\w* = \{([^}]*)\}/g)) for (const [, code] of table[1].matchAll(/:\s*'([A-Z][A-Z0-9_]+)'/g)) codes.add(code);
    for (const [, code] of text.matchAll(/(?:new AppError|conflict|loyaltyConflict)\(\s*'([A-Z][A-Z0-9_]+)'/g)) codes.add(code);
  }
  return codes;
}

/** Codes the pages never show in words of their own, and why. */
const UNSAID: Record<string, string> = {
  NOT_FOUND: 'shown as 内容不存在或无权查看 by its status (404)',
  FORBIDDEN: 'shown as 无权访问 by its status (403)',
  WECOM_CALLBACK_REFUSED: 'answered to WeCom’s servers only, never to a page',
  WECOM_BAD_OAUTH_CODE: 'the sidebar signs in again on its own',
};

test('every error code the server can send has Chinese wording on the pages (or a stated reason it needs none)', () => {
  const codes = serverCodes();
  // The scan still finds codes of every kind (a renamed table would otherwise make this test pass on nothing).
  for (const known of ['STAFF_BAD_CREDENTIALS', 'LOYALTY_INSUFFICIENT_POINTS', 'JOURNEY_TEMPLATE_UNKNOWN', 'TAG_EXISTS', 'WECOM_TRANSFER_INVALID']) expect(codes).toContain(known);
  const unsaid = [...codes].filter((code) => !(`error.${code}` in messages) && !(code in UNSAID));
  expect(unsaid).toEqual([]);
  // And no wording is kept for a code the server no longer sends.
  const stale = Object.keys(messages)
    .filter((key) => key.startsWith('error.'))
    .map((key) => key.split('.')[1])
    .filter((code) => !codes.has(code));
  expect(stale).toEqual([]);
});
