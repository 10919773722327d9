// The mini-app says a shopper's refusals in the H5 pages' words: its copy (miniapp/utils/words.js) is
// generated from the pages' locale file by scripts/miniapp/gen-locale.ts (npm run miniapp:words).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { refusalInChinese } from '../../h5/src/modules/refusals.js';
import { MINIAPP_CODES, WORDS_FILE, miniappWords } from '../../scripts/miniapp/gen-locale.js';
import { ROOT } from '../support/source-files.js';

test('the committed mini-app copy is what the locale file generates now (run npm run miniapp:words if not)', () => {
  expect(readFileSync(WORDS_FILE, 'utf8')).toBe(miniappWords());
});

test('the mini-app says the shopper’s refusals in the same words as the H5 pages', () => {
  const http = createRequire(import.meta.url)(join(ROOT, 'miniapp/utils/http.js')) as {
    ApiError: new (status: number, code: string, message: string, details?: Record<string, unknown>) => Error;
    errorMessage: (err: unknown) => string;
  };
  expect(MINIAPP_CODES).toEqual(expect.arrayContaining(['LOYALTY_INSUFFICIENT_POINTS', 'WECHAT_CODE_REJECTED']));
  for (const code of MINIAPP_CODES) {
    const h5 = refusalInChinese({ code, message: 'English words', details: { needed: 300 } });
    expect([code, http.errorMessage(new http.ApiError(409, code, 'English words', { needed: 300 }))]).toEqual([code, h5]);
  }
  expect(http.errorMessage(new http.ApiError(409, 'LOYALTY_INSUFFICIENT_POINTS', 'not enough', { needed: 300 }))).toBe('积分不足：需要 300 积分');
  // A code the mini-app has no words for keeps the server's.
  expect(http.errorMessage(new http.ApiError(409, 'SOMETHING_ELSE', 'English words'))).toBe('English words');
});
