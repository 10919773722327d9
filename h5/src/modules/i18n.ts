import { createI18n } from 'vue-i18n';
import zhCN from '../locales/zh-CN.json' with { type: 'json' };

/**
 * The pages' words: vue-i18n over one locale file per language (h5/src/locales/*.json, flat keys,
 * vue-i18n message syntax — `{n}` names a value; a literal @ | { } is written {'@'}). zh-CN is the
 * source of truth and the fallback; the mini-app's copy is generated from it (scripts/miniapp/gen-locale.ts).
 * No DOM here, so refusals.ts and the tests in node use the same instance the pages install.
 * Only Chinese is bundled; English is fetched when a reader picks it (use-i18n.ts), so the first load
 * of a Chinese page does not carry it.
 */
export type MessageKey = keyof typeof zhCN;
export type LocaleName = 'zh-CN' | 'en';

export const i18n = createI18n({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN } as Partial<Record<LocaleName, Record<string, string>>>,
  // A key missing in en falls back to Chinese quietly; a key missing everywhere shows as itself.
  missingWarn: false,
  fallbackWarn: false,
});

/** Whether a key (built at run time, e.g. `broadcast.reason.${code}`) has words. */
export const hasMessage = (key: string): key is MessageKey => Object.hasOwn(zhCN, key);

/** `translate('points.balance', { n: 3 })` in the current locale, or in the one given. */
export const translate = (key: MessageKey, vars: Record<string, unknown> = {}, locale?: LocaleName): string =>
  locale ? i18n.global.t(key, vars, { locale }) : i18n.global.t(key, vars);
