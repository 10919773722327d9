import { ref } from 'vue';
import type { ApiClient } from '../api/http';
import { lang } from './use-i18n';

/**
 * Where a customer came from, in words. Sources are short codes stamped when the profile is made
 * (`wecom`, `miniapp`, an import's own value); a channel QR code stamps `wecom:<state>`, which only
 * the code's name makes readable — fetched once per page load, deleted codes included.
 */
const KNOWN: Record<string, { zh: string; en: string }> = {
  wecom: { zh: '企业微信', en: 'WeCom' },
  'wecom-group': { zh: '企业微信客户群', en: 'WeCom customer group' },
  miniapp: { zh: '小程序', en: 'Mini-app' },
  h5: { zh: '会员中心 H5', en: 'Member center (H5)' },
  wechat: { zh: '微信公众号', en: 'WeChat Official Account' },
  bot: { zh: '微信聊天', en: 'WeChat chat' },
  import: { zh: '导入', en: 'Import' },
  api: { zh: '接口', en: 'API' },
  shop: { zh: '网店', en: 'Online shop' },
  store: { zh: '门店', en: 'Store' },
  live_stream: { zh: '直播', en: 'Live stream' },
  wecom_qr: { zh: '企业微信二维码', en: 'WeCom QR code' },
  unknown: { zh: '未知', en: 'Unknown' },
};

const channelNames = ref<Map<string, string> | null>(null);
let loading: Promise<void> | null = null;

export function useSourceLabel(api: ApiClient) {
  if (!loading) {
    loading = api
      .get<{ items: Array<{ source: string; name: string }> }>('/wecom/contact-ways/sources')
      .then((r) => void (channelNames.value = new Map(r.items.map((i) => [i.source, i.name]))))
      .catch(() => {
        loading = null; // try again on the next page; meanwhile the code is shown as it is
      });
  }
  return (source?: string | null): string => {
    if (!source) return '—';
    const known = KNOWN[source];
    if (known) return lang.value === 'en' ? known.en : known.zh;
    if (source.startsWith('wecom:')) {
      const name = channelNames.value?.get(source);
      const code = lang.value === 'en' ? 'Channel QR' : '渠道活码';
      return name ? `${code} · ${name}` : code;
    }
    return source;
  };
}
