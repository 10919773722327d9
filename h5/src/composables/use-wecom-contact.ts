import { ref, type Ref } from 'vue';
import type { ApiClient } from '../api/http';
import { errorMessage } from './use-async';

/**
 * The WeCom JS-SDK bridge of the sidebar. Inside WeCom's webview (user agent "wxwork") it registers
 * the page with the server's signatures (GET /wecom/sidebar/signatures: wx.config with the corp
 * ticket, then wx.agentConfig with the agent ticket), asks WeCom which chat opened it — a single
 * chat's external contact or a group chat's chat_id — and puts quick replies into the chat with
 * sendChatMessage. Outside WeCom `inWecom` is false.
 */
interface WxBridge {
  config(options: Record<string, unknown>): void;
  ready(cb: () => void): void;
  error(cb: (res: { errMsg?: string }) => void): void;
  agentConfig(options: Record<string, unknown>): void;
  invoke(api: string, args: Record<string, unknown>, cb: (res: InvokeResult) => void): void;
}
declare global {
  interface Window {
    wx?: WxBridge;
  }
}

interface InvokeResult {
  err_msg: string;
  userId?: string;
  chatId?: string;
  entry?: string;
}

interface Signatures {
  corpId: string;
  agentId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
  agentConfig: { timestamp: number; nonceStr: string; signature: string };
}

export interface WecomContact {
  inWecom: boolean;
  /** The chat's external contact (external_userid), once WeCom has told us (single chat). */
  externalUserId: Ref<string | null>;
  /** The customer group's chat_id when opened from a group chat's toolbar. */
  chatId: Ref<string | null>;
  error: Ref<string | null>;
  /** Puts text into the chat's input box in WeCom; elsewhere copies it. Returns where it went. */
  sendText(text: string): Promise<'chat' | 'clipboard'>;
}

export const WECOM_SDK = ['https://res.wx.qq.com/open/js/jweixin-1.2.0.js', 'https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js'];
const JS_APIS = ['getContext', 'getCurExternalContact', 'getCurExternalChat', 'sendChatMessage'];

export const isWecom = () => /wxwork/i.test(navigator.userAgent);

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
  return new Promise<InvokeResult>((resolve, reject) => {
    wx.invoke(api, args, (res) => (res.err_msg === `${api}:ok` ? resolve(res) : reject(new Error(res.err_msg))));
  });
}

let registered: Promise<WxBridge> | null = null;

/** WeCom signs the page URL without its fragment; both tickets sign the same URL. */
function register(api: ApiClient): Promise<WxBridge> {
  registered ??= (async () => {
    for (const src of WECOM_SDK) await loadScript(src);
    const wx = window.wx;
    if (!wx) throw new Error('WeCom JS-SDK did not load');
    const sig = await api.get<Signatures>('/wecom/sidebar/signatures', { url: location.href.split('#')[0] });
    await new Promise<void>((resolve, reject) => {
      wx.config({
        beta: true,
        debug: false,
        appId: sig.corpId,
        timestamp: sig.timestamp,
        nonceStr: sig.nonceStr,
        signature: sig.signature,
        jsApiList: JS_APIS,
      });
      wx.error((res) => reject(new Error(res.errMsg ?? 'wx.config failed')));
      wx.ready(() => resolve());
    });
    await new Promise<void>((resolve, reject) =>
      wx.agentConfig({
        corpid: sig.corpId,
        agentid: sig.agentId,
        timestamp: sig.agentConfig.timestamp,
        nonceStr: sig.agentConfig.nonceStr,
        signature: sig.agentConfig.signature,
        jsApiList: JS_APIS,
        success: () => resolve(),
        fail: (res: { errMsg?: string }) => reject(new Error(res.errMsg ?? 'agentConfig failed')),
      }),
    );
    return wx;
  })();
  registered.catch(() => (registered = null));
  return registered;
}

export function useWecomContact(api: ApiClient, options: { readContact?: boolean } = {}): WecomContact {
  const inWecom = isWecom();
  const externalUserId = ref<string | null>(null);
  const chatId = ref<string | null>(null);
  const error = ref<string | null>(null);
  if (inWecom && options.readContact) {
    void (async () => {
      try {
        const wx = await register(api);
        // getContext says which toolbar opened the page; a client too old for it is taken as a single chat.
        const entry = await invoke(wx, 'getContext').then(
          (r) => r.entry,
          () => undefined,
        );
        if (entry === 'group_chat_tools') chatId.value = (await invoke(wx, 'getCurExternalChat')).chatId ?? null;
        else externalUserId.value = (await invoke(wx, 'getCurExternalContact')).userId ?? null;
      } catch (err) {
        error.value = errorMessage(err);
      }
    })();
  }
  return {
    inWecom,
    externalUserId,
    chatId,
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
