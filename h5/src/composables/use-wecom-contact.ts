import { ref, type Ref } from 'vue';
import type { ApiClient } from '../api/http';
import { errorMessage } from './use-async';

/**
 * The WeCom JS-SDK bridge of the sidebar. Inside WeCom's webview (user agent "wxwork") it registers
 * the page with the server's agentConfig signature, asks WeCom for the chat's external contact and
 * resolves it to our customer id. Outside WeCom `inWecom` is false and the page shows a picker.
 */
interface WxBridge {
  agentConfig(options: Record<string, unknown>): void;
  invoke(api: string, args: Record<string, unknown>, cb: (res: { err_msg: string; userId?: string }) => void): void;
}
declare global {
  interface Window {
    wx?: WxBridge;
  }
}

export interface WecomContact {
  inWecom: boolean;
  customerId: Ref<string | null>;
  error: Ref<string | null>;
  /** Puts text into the chat's input box in WeCom; elsewhere copies it. Returns where it went. */
  sendText(text: string): Promise<'chat' | 'clipboard'>;
}

const SDK = ['https://res.wx.qq.com/open/js/jweixin-1.2.0.js', 'https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js'];

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(el);
  });
}

function invoke(wx: WxBridge, api: string, args: Record<string, unknown> = {}) {
  return new Promise<{ err_msg: string; userId?: string }>((resolve, reject) => {
    wx.invoke(api, args, (res) => (res.err_msg === `${api}:ok` ? resolve(res) : reject(new Error(res.err_msg))));
  });
}

let registered: Promise<WxBridge> | null = null;

/** agentConfig signs the page URL without its fragment, as WeCom requires. */
function register(api: ApiClient): Promise<WxBridge> {
  registered ??= (async () => {
    for (const src of SDK) await loadScript(src);
    const wx = window.wx;
    if (!wx) throw new Error('WeCom JS-SDK did not load');
    const cfg = await api.get<{ corpId: string; agentId: string; timestamp: number; nonceStr: string; signature: string }>('/wecom/jssdk/agent-config', {
      url: location.href.split('#')[0],
    });
    await new Promise<void>((resolve, reject) =>
      wx.agentConfig({
        corpid: cfg.corpId,
        agentid: cfg.agentId,
        timestamp: cfg.timestamp,
        nonceStr: cfg.nonceStr,
        signature: cfg.signature,
        jsApiList: ['getCurExternalContact', 'sendChatMessage'],
        success: () => resolve(),
        fail: (res: { errMsg?: string }) => reject(new Error(res.errMsg ?? 'agentConfig failed')),
      }),
    );
    return wx;
  })();
  return registered;
}

export function useWecomContact(api: ApiClient): WecomContact {
  const inWecom = /wxwork/i.test(navigator.userAgent);
  const customerId = ref<string | null>(null);
  const error = ref<string | null>(null);
  if (inWecom) {
    void (async () => {
      try {
        const wx = await register(api);
        const { userId } = await invoke(wx, 'getCurExternalContact');
        const found = await api.get<{ id: string }>(`/wecom/contacts/${encodeURIComponent(userId ?? '')}/customer`);
        customerId.value = found.id;
      } catch (err) {
        error.value = errorMessage(err);
      }
    })();
  }
  return {
    inWecom,
    customerId,
    error,
    async sendText(text) {
      if (inWecom) {
        const wx = await register(api);
        await invoke(wx, 'sendChatMessage', { msgtype: 'text', text: { content: text } });
        return 'chat';
      }
      await navigator.clipboard?.writeText(text).catch(() => undefined);
      return 'clipboard';
    },
  };
}
