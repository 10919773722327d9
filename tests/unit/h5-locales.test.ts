// The pages' words live in one locale file per language (h5/src/locales/*.json), read by vue-i18n.
// Translators edit them by hand, so a key only one language has, a value the other language names
// differently, or a stray @ | { } (vue-i18n syntax) would show on a page as a blank or a raw key.
import { baseCompile, type CompileError } from '@intlify/message-compiler';
import zhCN from '../../h5/src/locales/zh-CN.json' with { type: 'json' };
import en from '../../h5/src/locales/en.json' with { type: 'json' };
import { i18n, translate } from '../../h5/src/modules/i18n.js';
import { refusalInChinese } from '../../h5/src/modules/refusals.js';

const locales: Record<string, Record<string, string>> = { 'zh-CN': zhCN, en };
// The pages fetch English when a reader picks it; here it is loaded up front.
i18n.global.setLocaleMessage('en', en);
const named = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('Chinese and English have the same keys, each naming the same values', () => {
  expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  const differ = Object.keys(zhCN).filter((key) => named(zhCN[key as keyof typeof zhCN]).join() !== named(en[key as keyof typeof en]).join());
  expect(differ).toEqual([]);
});

test("every message is valid vue-i18n syntax (a literal @, |, { or } is written {'@'})", () => {
  const broken: string[] = [];
  for (const [locale, messages] of Object.entries(locales))
    for (const [key, text] of Object.entries(messages)) {
      const errors: CompileError[] = [];
      baseCompile(text, { onError: (e) => errors.push(e), jit: true });
      if (errors.length) broken.push(`${locale} ${key}: ${errors.map((e) => e.message).join('; ')}`);
    }
  expect(broken).toEqual([]);
});

test('a page shows literal @ and | as written, and fills named values', () => {
  expect(translate('inbox.mentionHint', {}, 'zh-CN')).toBe('输入 @ 提及同事，同事会在“提及我”里看到这条备注');
  expect(translate('replies.patternHint', {}, 'en')).toBe('e.g. refund|return');
  expect(translate('sidebar.moreTasks', { n: 12, shown: 5 }, 'en')).toBe('12 in all; these are the 5 due soonest');
  expect(refusalInChinese({ code: 'CONVERSATION_MENTION_NOT_COLLEAGUE', message: 'x' })).toContain('请从 @ 列表中选择');
});
