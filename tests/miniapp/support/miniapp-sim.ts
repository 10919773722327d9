import { JSDOM } from 'jsdom';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vantStandIns } from './vant-stand-ins.js';

/**
 * Renders mini-app pages with miniprogram-simulate (the official component test kit) into jsdom, with a
 * `wx` whose network calls go to a real server over HTTP. Everything else `wx` does that the pages use
 * is recorded so a test can assert what the shopper saw (toasts, navigation, the clipboard).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
export const MINIAPP = path.resolve(here, '../../../miniapp');

const dom = new JSDOM('<!doctype html><html><body></body></html>');
const g = globalThis as any;
for (const k of ['window', 'document', 'Node', 'HTMLElement', 'Element', 'navigator', 'getComputedStyle', 'MutationObserver']) {
  if (g[k] === undefined) g[k] = k === 'window' ? dom.window : (dom.window as any)[k];
}
// Node has its own Event classes; the DOM only dispatches jsdom's (this file runs in its own Jest sandbox).
g.Event = dom.window.Event;
g.CustomEvent = dom.window.CustomEvent;
const simulate = (await import('miniprogram-simulate')).default as any;

export interface WxStub {
  storage: Map<string, unknown>;
  toasts: string[];
  navigations: string[];
  clipboard: string[];
  modals: Array<{ title: string; content: string }>;
  /** What wx.showModal answers (the shopper taps 确定 or 取消). */
  modalAnswer: boolean;
  subscribeAnswer: Record<string, string>;
  /** Each wx.requestSubscribeMessage call: its template ids and how many requests had been made by then. */
  subscribeAsked: Array<{ tmplIds: string[]; requestsBefore: number }>;
  requests: Array<{ method: string; url: string }>;
}

/**
 * Installs the global `wx`. `apiBase` must match miniapp/config.js (its dev default), so requests to it
 * are sent to `serverUrl` instead; `loginCode` plays wx.login (the local WeChat's code for this user).
 */
export function installWx(opts: { serverUrl: string; loginCode: () => string }): WxStub {
  const stub: WxStub = {
    storage: new Map(),
    toasts: [],
    navigations: [],
    clipboard: [],
    modals: [],
    modalAnswer: true,
    subscribeAnswer: {},
    subscribeAsked: [],
    requests: [],
  };
  const devBase = loadConfig().apiBase;
  g.wx = {
    request(o: any) {
      const url = String(o.url).replace(devBase, `${opts.serverUrl}/api/v1`);
      stub.requests.push({ method: o.method, url });
      fetch(url, { method: o.method, headers: o.header, body: o.data === undefined ? undefined : JSON.stringify(o.data) })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = text ? JSON.parse(text) : '';
          } catch {
            /* not JSON */
          }
          o.success?.({ statusCode: res.status, data, header: Object.fromEntries(res.headers) });
        })
        .catch((e) => o.fail?.({ errMsg: `request:fail ${e.message}` }))
        .finally(() => o.complete?.());
    },
    login: (o: any) => setTimeout(() => o.success?.({ code: opts.loginCode(), errMsg: 'login:ok' })),
    getStorageSync: (k: string) => stub.storage.get(k) ?? '',
    setStorageSync: (k: string, v: unknown) => void stub.storage.set(k, v),
    removeStorageSync: (k: string) => void stub.storage.delete(k),
    showToast: (o: any) => void stub.toasts.push(o.title),
    showModal: (o: any) => {
      stub.modals.push({ title: o.title, content: o.content });
      setTimeout(() => o.success?.({ confirm: stub.modalAnswer, cancel: !stub.modalAnswer }));
    },
    navigateTo: (o: any) => void stub.navigations.push(o.url),
    stopPullDownRefresh: () => undefined,
    setClipboardData: (o: any) => void stub.clipboard.push(o.data),
    requestSubscribeMessage: (o: any) => {
      stub.subscribeAsked.push({ tmplIds: o.tmplIds, requestsBefore: stub.requests.length });
      setTimeout(() => o.success?.({ errMsg: 'requestSubscribeMessage:ok', ...stub.subscribeAnswer }));
    },
  };
  return stub;
}

function loadConfig(): { apiBase: string } {
  const m = { exports: {} as any };
  // miniapp/config.js is CommonJS for the mini-program runtime; read it the way WeChat would.
  new Function('module', readFileSync(path.join(MINIAPP, 'config.js'), 'utf8'))(m);
  return m.exports;
}

const standInIds: Record<string, string> = {};
const pageIds = new Map<string, string>();

/** Loads a page once per test file (the kit keeps its definition) with the Vant stand-ins as its components. */
export function loadPage(page: string): string {
  if (!Object.keys(standInIds).length) for (const [tag, def] of Object.entries(vantStandIns)) standInIds[tag] = simulate.load(def);
  let id = pageIds.get(page);
  if (!id) {
    id = simulate.load(path.join(MINIAPP, page), { rootPath: MINIAPP, usingComponents: standInIds }) as string;
    pageIds.set(page, id);
  }
  return id;
}

export interface RenderedPage {
  instance: any;
  dom: any;
  querySelector(sel: string): any;
  querySelectorAll(sel: string): any[];
  text(): string;
  /** The shopper taps a Vant button (inside the component, so a disabled or loading one does nothing). */
  tap(selector: string): void;
}

/** Renders a page and runs its onLoad, as WeChat does when the page opens. */
export async function openPage(page: string, query: Record<string, string> = {}): Promise<RenderedPage> {
  const comp = simulate.render(loadPage(page));
  comp.attach(g.document.createElement('div'));
  await comp.instance.onLoad?.(query);
  return {
    instance: comp.instance,
    dom: comp.dom,
    querySelector: (s) => comp.querySelector(s),
    querySelectorAll: (s) => comp.querySelectorAll(s),
    text: () => (comp.dom.textContent ?? '').replace(/\s+/g, ' '),
    tap(selector) {
      const inner = comp.querySelector(`${selector} >>> .van-button`);
      if (!inner) throw new Error(`no button ${selector} on the page`);
      inner.dispatchEvent('tap');
    },
  };
}

/** Waits until the page shows what the shopper should see (the pages update after network replies). */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { simulate };
