import { ref } from 'vue';
import { Locale } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';
import { messages, type MessageKey } from '../modules/messages';
import { fill } from '../modules/refusals';

/**
 * Chinese by default, English on request (?lang=en or the switch in each app's header). Vant's own
 * strings follow the same choice. A tiny dictionary instead of vue-i18n: three apps, one flat table.
 */
export type Lang = 'zh' | 'en';
const STORAGE = 'scrm.lang';

function initial(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'zh') return fromUrl;
  return localStorage.getItem(STORAGE) === 'en' ? 'en' : 'zh';
}

export const lang = ref<Lang>(initial());

function applyVant(l: Lang) {
  if (l === 'en') Locale.use('en-US', enUS);
  else Locale.use('zh-CN', zhCN);
  document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN';
}
applyVant(lang.value);

export function setLang(l: Lang) {
  lang.value = l;
  localStorage.setItem(STORAGE, l);
  applyVant(l);
}

/** `t('points.balance', { n: 3 })` — `{n}` placeholders are filled from vars. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const entry = messages[key] as { zh: string; en: string } | undefined;
  if (!entry) return key;
  const text = entry[lang.value] ?? entry.zh;
  return fill(text, vars);
}

export function useI18n() {
  return { t, lang, setLang };
}
