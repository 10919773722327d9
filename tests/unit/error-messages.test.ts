// Staff and shoppers read the pages in Chinese; the server explains refusals in English (its API is
// for integrators too). The pages say each refusal again by its code (h5/src/composables/use-async.ts),
// so a code the server can send with no Chinese wording shows an English sentence in a Chinese page.
// The codes the server can send are one registry (server/src/shared/errors/codes.ts): AppError takes
// no other, so the type checker keeps the registry complete and this test holds it to the words.
import zhCN from '../../h5/src/locales/zh-CN.json' with { type: 'json' };
import en from '../../h5/src/locales/en.json' with { type: 'json' };
import { ERROR_CODES, type ErrorCodeEntry } from '../../server/src/shared/errors/codes.js';

const registry: Record<string, ErrorCodeEntry> = ERROR_CODES;
const worded = (messages: Record<string, string>) =>
  new Set(
    Object.keys(messages)
      .filter((key) => key.startsWith('error.'))
      .map((key) => key.split('.')[1]),
  );

test('every error code the server can send has Chinese and English words on the pages (or a stated reason it needs none)', () => {
  for (const known of [
    'STAFF_BAD_CREDENTIALS',
    'LOYALTY_INSUFFICIENT_POINTS',
    'JOURNEY_TEMPLATE_UNKNOWN',
    'TAG_EXISTS',
    'WECOM_TRANSFER_INVALID',
    'VALIDATION_FAILED',
  ])
    expect(registry).toHaveProperty(known);
  for (const [language, messages] of [
    ['zh-CN', zhCN],
    ['en', en],
  ] as const) {
    const unsaid = Object.keys(registry).filter((code) => !(`error.${code}` in messages) && !registry[code].unsaid);
    expect([language, unsaid]).toEqual([language, []]);
  }
});

test('no words are kept for a code the server no longer sends, nor for one it says needs none', () => {
  expect([...worded(zhCN)].filter((code) => !(code in registry))).toEqual([]);
  expect([...worded(zhCN)].filter((code) => registry[code]?.unsaid)).toEqual([]);
});

test('each code names the HTTP statuses it is sent with', () => {
  const odd = Object.entries(registry).filter(([, entry]) => entry.status.length === 0 || entry.status.some((s) => s < 400 || s > 599));
  expect(odd).toEqual([]);
});
