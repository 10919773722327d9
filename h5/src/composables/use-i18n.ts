import { ref } from 'vue';
import { Locale } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';
import { i18n, translate, type MessageKey } from '../modules/i18n';

/**
 * Chinese by default, English on request (?lang=en or the switch in each app's header), remembered in
 * localStorage. The words are vue-i18n's (modules/i18n.ts, installed in main.ts); Vant's own strings
 * follow the same choice here, Element Plus's through the console's el-config-provider.
 * `t()`/`useI18n()` are thin wrappers the pages import.
 */
export type Lang = 'zh' | 'en';
export type { MessageKey };
const STORAGE = 'scrm.lang';

function initial(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh') return fromUrl;
  return localStorage.getItem(STORAGE) === 'en' ? 'en' : 'zh';
}

export const lang = ref<Lang>(initial());

/** English's words arrive on first use (a chunk of their own); Chinese is always there. */
let english: Promise<void> | undefined;
const loadWords = (l: Lang): Promise<void> =>
  l === 'zh'
    ? Promise.resolve()
    : (english ??= import('../locales/en.json').then(
        (m) => i18n.global.setLocaleMessage('en', m.default),
        (e: unknown) => {
          english = undefined; // offline: the switch can be tried again
          throw e;
        },
      ));

function apply(l: Lang) {
  i18n.global.locale.value = l === 'en' ? 'en' : 'zh-CN';
  if (l === 'en') Locale.use('en-US', enUS);
  else Locale.use('zh-CN', zhCN);
  document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN';
}
/** Resolves once the first language's words are in: main.ts mounts the pages after it. */
export const wordsReady: Promise<void> = loadWords(lang.value).then(
  () => apply(lang.value),
  () => apply((lang.value = 'zh')),
);

/** The switch: the page changes language when the words are in. */
export async function setLang(l: Lang): Promise<void> {
  localStorage.setItem(STORAGE, l);
  await loadWords(l);
  lang.value = l;
  apply(l);
}

/** `t('points.balance', { n: 3 })` — `{n}` in the message is filled from vars (vue-i18n named interpolation). */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return translate(key, vars);
}

export function useI18n() {
  return { t, lang, setLang };
}
